/**
 * One audience row -> the profile sent to Klaviyo, or a reject with its reason. Pure and synchronous:
 * the planner and the batch upsert call it on the same rows and must agree on every decision.
 */
import type { CountryCode } from 'libphonenumber-js/max';
import type { ProfileAttributes, ProfileInput, ProfileLocation } from '../klaviyo/types';
import { PROPERTY_COLUMN_PREFIX } from './fields';
import { FieldProblem, ROW_ERROR, type RawRow, type RejectReason, type RowReject } from './rowModel';
import {
  checkDefaultCountry,
  checkProperties,
  checkPropertyName,
  normalizeCoordinates,
  normalizeDate,
  normalizeEmail,
  normalizeIp,
  normalizePhone,
  normalizeTimezone,
  normalizeUrl,
  parseProperties,
  text,
} from './validate';

export { AUDIENCE_FIELDS } from './fields';
export type { RejectReason, RowReject } from './rowModel';

export type NormalizedRow = { ok: true; email: string; profile: ProfileInput } | { ok: false; reject: RowReject };
/** `json`: the attributes as sent; `bytes`: the profile's size in a bulk import request. */
export type SizedRow =
  | { ok: true; email: string; profile: ProfileInput; json: string; bytes: number }
  | { ok: false; reject: RowReject };

export interface NormalizeOptions {
  /** false: the profile carries only the e-mail (list membership only; other attributes untouched). Default true. */
  updateContacts?: boolean;
  /** Country for phone numbers without a leading + (the worker's DEFAULT_PHONE_COUNTRY); default "US". */
  defaultCountry?: string;
}

/** Klaviyo rejects profiles over 100 KB, and one such profile sinks its whole bulk import job. */
export const MAX_PROFILE_BYTES = 100_000;

const STRING_ATTRIBUTES = ['external_id', 'first_name', 'last_name', 'organization', 'title'] as const;
const STRING_LOCATION = ['address1', 'address2', 'city', 'region', 'zip', 'country'] as const;

/** JSON byte size of a profile as it appears in a bulk import request, `{"type":"profile","attributes":…}`. */
export function profileJsonBytes(profile: ProfileInput): number {
  return profileBytes(JSON.stringify(profile.attributes));
}

const PROFILE_ENVELOPE_BYTES = Buffer.byteLength(JSON.stringify({ type: 'profile', attributes: {} })) - 2;

/** The same size from the attributes' JSON, which the plan has anyway. */
function profileBytes(attributesJson: string): number {
  return PROFILE_ENVELOPE_BYTES + Buffer.byteLength(attributesJson);
}

export function normalizeRow(raw: Record<string, unknown>, row: number, opts?: NormalizeOptions): NormalizedRow {
  const result = normalizeRowSized(raw, row, opts);
  return result.ok ? { ok: true, email: result.email, profile: result.profile } : result;
}

/** normalizeRow plus the profile's JSON size, which the planner needs to size batches. */
export function normalizeRowSized(raw: RawRow, row: number, opts: NormalizeOptions = {}): SizedRow {
  let email: string | undefined;
  try {
    const broken = raw[ROW_ERROR];
    if (broken !== undefined) throw new FieldProblem('invalid_row', undefined, broken);
    const rawEmail = text(raw.email, 'email');
    if (rawEmail === undefined) throw new FieldProblem('missing_email', 'email', 'email is required');
    email = rawEmail.toLowerCase();
    email = normalizeEmail(email);
    const attributes = opts.updateContacts === false ? { email } : buildAttributes(raw, email, phoneCountry(opts));
    const profile: ProfileInput = { attributes };
    const json = JSON.stringify(attributes);
    const bytes = profileBytes(json);
    if (bytes > MAX_PROFILE_BYTES) {
      throw new FieldProblem('invalid_row', undefined, `profile is ${bytes} bytes; Klaviyo accepts at most ${MAX_PROFILE_BYTES} per profile`);
    }
    return { ok: true, email, profile, json, bytes };
  } catch (err) {
    if (!(err instanceof FieldProblem)) throw err;
    return { ok: false, reject: rejectOf(row, email, err.reason, err.field, err.message) };
  }
}

function rejectOf(row: number, email: string | undefined, reason: RejectReason, field: string | undefined, message: string): RowReject {
  const reject: RowReject = { row, reason, message };
  if (email !== undefined) reject.email = email;
  if (field !== undefined) reject.field = field;
  return reject;
}

let lastCountry: { given: string; code: CountryCode } | undefined;

/** Checked once per distinct setting, not per row. */
function phoneCountry(opts: NormalizeOptions): CountryCode {
  const given = opts.defaultCountry ?? 'US';
  if (lastCountry?.given !== given) lastCountry = { given, code: checkDefaultCountry(given) };
  return lastCountry.code;
}

function buildAttributes(raw: RawRow, email: string, country: CountryCode): ProfileAttributes {
  const attributes: ProfileAttributes = { email };
  const phone = text(raw.phone_number, 'phone_number');
  if (phone !== undefined) attributes.phone_number = normalizePhone(phone, country);
  for (const field of STRING_ATTRIBUTES) {
    const value = text(raw[field], field);
    if (value !== undefined) attributes[field] = value;
  }
  const image = text(raw.image, 'image');
  if (image !== undefined) attributes.image = normalizeUrl(image, 'image');
  const location = buildLocation(raw);
  if (location) attributes.location = location;
  const properties = buildProperties(raw);
  if (properties) attributes.properties = properties;
  return attributes;
}

function buildLocation(raw: RawRow): ProfileLocation | undefined {
  const location: ProfileLocation = {};
  let any = false;
  for (const field of STRING_LOCATION) {
    const value = text(raw[field], field);
    if (value !== undefined) {
      location[field] = value;
      any = true;
    }
  }
  const coordinates = normalizeCoordinates(coordinateInput(raw.latitude, 'latitude'), coordinateInput(raw.longitude, 'longitude'));
  if (coordinates) {
    Object.assign(location, coordinates);
    any = true;
  }
  const timezone = text(raw.timezone, 'timezone');
  if (timezone !== undefined) {
    location.timezone = normalizeTimezone(timezone);
    any = true;
  }
  const ip = text(raw.ip, 'ip');
  if (ip !== undefined) {
    location.ip = normalizeIp(ip);
    any = true;
  }
  return any ? location : undefined;
}

function coordinateInput(value: unknown, field: string): string | number | undefined {
  return typeof value === 'number' ? value : text(value, field);
}

/** `properties` object, then `properties.<key>` columns (they win), then last_event_date (wins). */
function buildProperties(raw: RawRow): Record<string, unknown> | undefined {
  const parsed = parseProperties(raw.properties);
  // A JSON text's object is this row's own; an object (NDJSON) belongs to the record, which is not changed.
  const properties: Record<string, unknown> = typeof raw.properties === 'string' && parsed ? parsed : { ...parsed };
  // for…in: no array of keys per row (a raw row has only own, enumerable string keys).
  for (const key in raw) {
    if (!key.startsWith(PROPERTY_COLUMN_PREFIX)) continue;
    const value = raw[key];
    const cell = typeof value === 'string' ? text(value, key) : value;
    if (cell === undefined || cell === null) continue;
    const name = key.slice(PROPERTY_COLUMN_PREFIX.length);
    // Checked before the assignment: `properties["__proto__"] = …` would replace the object's prototype.
    checkPropertyName(name);
    properties[name] = cell;
  }
  const lastEvent = text(raw.last_event_date, 'last_event_date');
  if (lastEvent !== undefined) properties.last_event_date = normalizeDate(lastEvent, 'last_event_date');
  checkProperties(properties);
  return Object.keys(properties).length > 0 ? properties : undefined;
}
