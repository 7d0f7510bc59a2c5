/**
 * Create-or-update of one profile, shared by profile-import, PATCH and bulk import jobs. Matching: the
 * given id, else whichever profile owns the e-mail / phone / external id. Identifiers owned by two
 * different profiles are a 409 `duplicate_profile` (Klaviyo's behaviour, with `meta.duplicate_profile_id`).
 */
import type { ErrorEntry } from './jsonapi';
import { applyAttributes, hasIdentifier, identifierErrors, unsetProperties } from './profileRules';
import type { Profile, ProfileAttrs } from './profileStore';
import type { Account, EmulatorState } from './store';

export interface UpsertInput {
  id?: string | null;
  attributes: ProfileAttrs;
  meta?: { patch_properties?: { unset?: unknown } | null } | null;
}

export type UpsertOutcome = { ok: true; profile: Profile; created: boolean } | { ok: false; status: number; error: ErrorEntry };

export function upsertProfile(
  state: EmulatorState,
  acc: Account,
  input: UpsertInput,
  nulls: 'clear' | 'ignore',
  pointerPrefix: string,
): UpsertOutcome {
  const attrs = input.attributes;
  const invalid = identifierErrors(attrs, pointerPrefix)[0];
  if (invalid) return { ok: false, status: 400, error: invalid };
  let target: Profile | undefined;
  if (input.id) {
    target = acc.profiles.get(input.id);
    if (!target) return { ok: false, status: 404, error: { code: 'not_found', title: 'Not found.', detail: `A profile with id ${input.id} does not exist.`, source: { pointer: '/data/id' } } };
  }
  const owners = acc.profiles.owners(attrs, target);
  if (owners.length > (target ? 0 : 1)) {
    const other = target ? owners[0]! : owners[1]!; // the profile that already owns an identifier
    return {
      ok: false,
      status: 409,
      error: {
        code: 'duplicate_profile',
        title: 'Conflict.',
        detail: 'A profile already exists with one of these identifiers.',
        source: { pointer: pointerPrefix },
        meta: { duplicate_profile_id: other.id },
      },
    };
  }
  target ??= owners[0];
  if (!target && !hasIdentifier(attrs)) {
    return {
      ok: false,
      status: 400,
      error: { code: 'invalid', title: 'Invalid input.', detail: 'A profile requires at least one identifier: email, phone_number or external_id.', source: { pointer: `${pointerPrefix}/email` } },
    };
  }
  const next = unsetProperties(applyAttributes(target?.attrs ?? {}, attrs, nulls), input.meta?.patch_properties?.unset);
  const now = Date.now();
  if (target) {
    acc.profiles.update(target, next, now);
    return { ok: true, profile: target, created: false };
  }
  return { ok: true, profile: acc.profiles.create(state.ulid.next(now), next, now), created: true };
}
