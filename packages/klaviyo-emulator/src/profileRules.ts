/** Profile semantics: identifier validation, how updates apply (null clears vs ignored), and rendering. */
import { type ErrorEntry, iso, relationship } from './jsonapi';
import { PROFILE_FIELDS, type Profile, type ProfileAttrs } from './profileStore';

const LOCATION_FIELDS = ['address1', 'address2', 'city', 'country', 'latitude', 'longitude', 'region', 'zip', 'timezone', 'ip'];
const EMAIL_RE = /^[^\s@"<>(),;:]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const E164_RE = /^\+[1-9]\d{6,14}$/;

const NO_ERRORS: readonly ErrorEntry[] = Object.freeze([]);

/**
 * Klaviyo's per-field validation errors (detail texts as seen in Klaviyo's own SDK fixtures).
 * `pointerPrefix` is where the attributes object sits, e.g. `/data/attributes`.
 */
export function identifierErrors(attrs: ProfileAttrs, pointerPrefix: string): readonly ErrorEntry[] {
  const badEmail = typeof attrs.email === 'string' && !EMAIL_RE.test(attrs.email.trim());
  const badPhone = typeof attrs.phone_number === 'string' && !E164_RE.test(attrs.phone_number);
  if (!badEmail && !badPhone) return NO_ERRORS; // the bulk import path: no array per valid profile
  const errors: ErrorEntry[] = [];
  if (badEmail) {
    errors.push({ code: 'invalid', title: 'Invalid input.', detail: 'Invalid email address', source: { pointer: `${pointerPrefix}/email` } });
  }
  if (badPhone) {
    errors.push({
      code: 'invalid',
      title: 'Invalid input.',
      detail: 'Invalid phone number format (Example of a valid format: +12345678901)',
      source: { pointer: `${pointerPrefix}/phone_number` },
    });
  }
  return errors;
}

/** True when the profile names at least one identifier Klaviyo can key on. */
export function hasIdentifier(attrs: ProfileAttrs): boolean {
  return nonEmpty(attrs.email) || nonEmpty(attrs.phone_number) || nonEmpty(attrs.external_id);
}

function nonEmpty(v: string | null | undefined): boolean {
  return typeof v === 'string' && v !== '';
}

/**
 * New attributes after applying `incoming` to `current`. Omitted = unchanged. `null` clears the field for
 * PATCH / profile-import (`nulls: 'clear'`) and is ignored by bulk import (`nulls: 'ignore'`).
 * `location` merges per sub-field; `properties` merge per key.
 */
export function applyAttributes(current: ProfileAttrs, incoming: ProfileAttrs, nulls: 'clear' | 'ignore'): ProfileAttrs {
  const next: ProfileAttrs = { ...current };
  for (const f of PROFILE_FIELDS) {
    const v = incoming[f];
    if (v === undefined || (v === null && nulls === 'ignore')) continue;
    if (v === null) delete next[f];
    else next[f] = f === 'email' ? v.trim().toLowerCase() : v;
  }
  if (incoming.location === null && nulls === 'clear') delete next.location;
  else if (incoming.location) next.location = mergeRecord(next.location ?? undefined, incoming.location, nulls);
  if (incoming.properties) next.properties = mergeRecord(next.properties, incoming.properties, nulls);
  return next;
}

/**
 * `base` with `patch` applied per key. With nothing to merge into and no null to apply, `patch` itself is
 * the result (bulk import's new profiles: one object less to copy and collect); stored attribute objects are
 * never mutated, only replaced, so sharing is safe. for-in, not Object.entries: no pair array per key.
 */
function mergeRecord(base: Record<string, unknown> | undefined, patch: Record<string, unknown>, nulls: 'clear' | 'ignore'): Record<string, unknown> {
  if (base === undefined && !hasNullish(patch)) return patch;
  const out = { ...base };
  for (const k in patch) {
    if (!Object.hasOwn(patch, k)) continue;
    const v = patch[k];
    if (v === undefined || (v === null && nulls === 'ignore')) continue;
    if (v === null) delete out[k];
    else out[k] = v;
  }
  return out;
}

function hasNullish(record: Record<string, unknown>): boolean {
  for (const k in record) if (record[k] === null || record[k] === undefined) return true;
  return false;
}

/** `meta.patch_properties.unset`: removes custom property keys entirely. */
export function unsetProperties(attrs: ProfileAttrs, unset: unknown): ProfileAttrs {
  const keys = typeof unset === 'string' ? [unset] : Array.isArray(unset) ? (unset as string[]) : [];
  if (keys.length === 0 || !attrs.properties) return attrs;
  const properties = { ...attrs.properties };
  for (const k of keys) delete properties[k];
  return { ...attrs, properties };
}

/** Full attribute object as Klaviyo renders it: every standard field present, null when unset. */
function fullAttributes(p: Profile): Record<string, unknown> {
  const a: Record<string, unknown> = {};
  for (const f of PROFILE_FIELDS) a[f] = p.attrs[f] ?? null;
  a.created = iso(p.created);
  a.updated = iso(p.updated);
  a.last_event_date = null;
  a.location = Object.fromEntries(LOCATION_FIELDS.map((k) => [k, (p.attrs.location?.[k] as unknown) ?? null]));
  a.properties = p.attrs.properties ?? {};
  return a;
}

export interface RenderOptions {
  /** `fields[profile]` sparse fieldset; undefined = all. */
  fields?: string[];
  /** Attributes that are always present for this endpoint (e.g. `joined_group_at` for list members). */
  extra?: Record<string, unknown>;
}

export function profileResource(p: Profile, baseUrl: string, opts: RenderOptions = {}): Record<string, unknown> {
  const all = fullAttributes(p);
  const attributes = opts.fields ? Object.fromEntries(opts.fields.filter((f) => f in all).map((f) => [f, all[f]])) : all;
  const path = `/api/profiles/${p.id}`;
  return {
    type: 'profile',
    id: p.id,
    attributes: { ...attributes, ...opts.extra },
    relationships: { lists: relationship(baseUrl, path, 'lists'), segments: relationship(baseUrl, path, 'segments') },
    links: { self: `${baseUrl}${path}/` },
  };
}

/** `fields[profile]` from the query, if given. */
export function sparseFields(query: URLSearchParams, type: string): string[] | undefined {
  const raw = query.get(`fields[${type}]`);
  return raw === null ? undefined : raw.split(',').filter(Boolean);
}
