/**
 * Authentication (Klaviyo-API-Key scheme), scopes and the `revision` header, with Klaviyo's error bodies:
 * 401 `not_authenticated` (no/malformed header), 401 `authentication_failed` (unknown or revoked key),
 * 403 `permission_denied` (scope missing), 400 for a missing/unknown revision.
 */
import { ApiError } from './jsonapi';
import { SPEC_REVISION } from './openapi';
import type { EmulatorState, KeyRecord } from './store';

/** Klaviyo's first GA revision; older dates are not revisions at all. */
const FIRST_REVISION = '2022-10-17';

export function authenticate(state: EmulatorState, header: string | undefined): KeyRecord {
  const m = /^Klaviyo-API-Key\s+(\S+)\s*$/.exec(header ?? '');
  if (!m) {
    throw new ApiError(401, [
      {
        code: 'not_authenticated',
        title: 'Authentication credentials were not provided.',
        detail: 'Missing or invalid authorization scheme. Please use Klaviyo-API-Key.',
      },
    ]);
  }
  const record = state.keys.get(m[1]!);
  if (!record) {
    throw new ApiError(401, [
      { code: 'authentication_failed', title: 'Incorrect authentication credentials.', detail: 'Incorrect authentication credentials.' },
    ]);
  }
  return record;
}

/**
 * A key's scopes, as Klaviyo grants them: "Full access" to a resource gives `x:write`, which includes
 * `x:read`.
 */
export function hasScope(record: KeyRecord, scope: string): boolean {
  if (record.scopes.has(scope)) return true;
  return scope.endsWith(':read') && record.scopes.has(scope.replace(/:read$/, ':write'));
}

export function requireScopes(record: KeyRecord, scopes: string[]): void {
  if (scopes.every((s) => hasScope(record, s))) return;
  throw new ApiError(403, [
    {
      code: 'permission_denied',
      title: 'You do not have permission to perform this action.',
      detail: 'You do not have permission to perform this action.',
    },
  ]);
}

function isRealDate(ymd: string): boolean {
  const d = new Date(`${ymd}T00:00:00Z`);
  return !Number.isNaN(d.getTime()) && d.toISOString().startsWith(ymd);
}

/**
 * `revision: YYYY-MM-DD[.suffix]` is required. Accepted: real dates from the first GA revision up to the
 * spec's 2026-07-15 (the emulator knows no newer one). Klaviyo does not document the missing-header
 * error; a 400 JSON:API error naming the header is the emulator's choice.
 */
export function checkRevision(header: string | undefined): void {
  const source = { parameter: 'revision' };
  if (header === undefined || header.trim() === '') {
    throw new ApiError(400, [
      { code: 'invalid', title: 'Invalid input.', detail: 'A revision header is required (format: YYYY-MM-DD[.suffix]).', source },
    ]);
  }
  const m = /^(\d{4}-\d{2}-\d{2})(\.[a-z]+)?$/.exec(header.trim());
  const date = m?.[1];
  const known = date !== undefined && isRealDate(date) && date >= FIRST_REVISION && date <= SPEC_REVISION;
  if (!known) {
    throw new ApiError(400, [
      {
        code: 'invalid',
        title: 'Invalid input.',
        detail: `Invalid revision '${header}'. Use a published revision in the format YYYY-MM-DD[.suffix], at most ${SPEC_REVISION}.`,
        source,
      },
    ]);
  }
}
