/** JSON:API documents and errors in Klaviyo's shapes. */
import { randomUUID } from 'node:crypto';

export interface ErrorEntry {
  code: string;
  title: string;
  detail: string;
  source?: { pointer?: string; parameter?: string };
  meta?: Record<string, unknown>;
}

/** Thrown by handlers; the server renders it as `{errors:[...]}` with the given status and headers. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly entries: ErrorEntry[],
    readonly headers: Record<string, string> = {},
  ) {
    super(entries.map((e) => e.detail).join('; '));
  }
}

export function errorDocument(status: number, entries: ErrorEntry[]): { errors: unknown[] } {
  return {
    errors: entries.map((e) => ({
      id: randomUUID(),
      status,
      code: e.code,
      title: e.title,
      detail: e.detail,
      source: e.source ?? { pointer: '/data/' },
      ...(e.meta ? { meta: e.meta } : {}),
    })),
  };
}

export function invalid(detail: string, source: ErrorEntry['source'] = { pointer: '/data/' }): ApiError {
  return new ApiError(400, [{ code: 'invalid', title: 'Invalid input.', detail, source }]);
}

export function notFound(detail: string): ApiError {
  return new ApiError(404, [{ code: 'not_found', title: 'Not found.', detail }]);
}

export function throttled(retryAfter: number): ApiError {
  const unit = retryAfter === 1 ? 'second' : 'seconds';
  return new ApiError(
    429,
    [{ code: 'throttled', title: 'Request was throttled.', detail: `Request was throttled. Expected available in ${retryAfter} ${unit}.`, source: { pointer: '/data/' } }],
    { 'Retry-After': String(retryAfter) },
  );
}

export function serverError(status: number): ApiError {
  return new ApiError(status, [
    { code: 'error', title: 'A server error occurred.', detail: `The server answered ${status}; please retry later.` },
  ]);
}

/** `{type, id}` resource identifiers. */
export function identifiers(type: string, ids: readonly string[]): { type: string; id: string }[] {
  return ids.map((id) => ({ type, id }));
}

/** A relationship block with its `self`/`related` links, as Klaviyo renders them. */
export function relationship(baseUrl: string, path: string, name: string): { links: { self: string; related: string } } {
  return { links: { self: `${baseUrl}${path}/relationships/${name}/`, related: `${baseUrl}${path}/${name}/` } };
}

/** ISO timestamp for stored epoch millis. */
export function iso(ms: number | undefined | null): string | null {
  return ms === undefined || ms === null ? null : new Date(ms).toISOString();
}
