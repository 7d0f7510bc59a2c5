/**
 * Field validators and normalisers. Each returns the normalised value or throws a FieldProblem; the
 * messages name the field and the offending value (shortened) so the reject report is actionable.
 * Klaviyo's bulk import rejects a whole job for one bad e-mail or phone, so these checks are strict.
 */
import { isIP } from 'node:net';
import { parsePhoneNumberFromString, isSupportedCountry, type CountryCode } from 'libphonenumber-js/max';
import { z } from 'zod';
import { excerpt } from '../sanitize';
import { plainUsPhone } from './nanpPhone';
import { FieldProblem } from './rowModel';

const MAX_EMAIL_LENGTH = 254;
const MAX_EMAIL_LOCAL_LENGTH = 64;

/** A cell for a message: a short printable excerpt, secrets redacted, so a huge or hostile cell cannot bloat or leak into the report. */
export function show(value: string): string {
  return JSON.stringify(excerpt(value));
}

/** Cell text: trimmed string, or undefined when empty/absent. Numbers and booleans (NDJSON) become text. */
export function text(value: unknown, field: string): string | undefined {
  if (value === undefined || value === null) return undefined;
  if (typeof value === 'string') {
    const trimmed = value.trim();
    return trimmed === '' ? undefined : trimmed;
  }
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  throw new FieldProblem('invalid_row', field, `${field} must be text, not ${Array.isArray(value) ? 'an array' : 'an object'}`);
}

/** Trimmed, lower-cased; Zod's pragmatic e-mail pattern (no spaces, no consecutive dots, a dotted domain). */
export function normalizeEmail(value: string): string {
  const email = value.trim().toLowerCase();
  const at = email.lastIndexOf('@');
  if (email.length > MAX_EMAIL_LENGTH || at > MAX_EMAIL_LOCAL_LENGTH || !z.regexes.email.test(email)) {
    throw new FieldProblem('invalid_email', 'email', `email ${show(email)} is not a valid e-mail address`);
  }
  return email;
}

export function checkDefaultCountry(country: string): CountryCode {
  const upper = country.toUpperCase();
  if (!isSupportedCountry(upper)) {
    throw new Error(`default phone country '${country}' is not a supported ISO 3166-1 alpha-2 country code`);
  }
  return upper;
}

/** To E.164. A number without a leading + is read as a number of `defaultCountry`. */
export function normalizePhone(value: string, defaultCountry: CountryCode): string {
  const plain = plainUsPhone(value, defaultCountry);
  if (plain !== undefined) return plain;
  const parsed = parsePhoneNumberFromString(value, defaultCountry);
  if (!parsed || !parsed.isValid()) {
    throw new FieldProblem(
      'invalid_phone',
      'phone_number',
      `phone_number ${show(value)} is not a valid phone number (numbers without a + are read as ${defaultCountry})`,
    );
  }
  return parsed.number;
}

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const COORDINATE_DECIMALS = 4;

/**
 * A coordinate as exports write it: up to 3 integer digits, at most 12 decimals. For these, rounding the
 * scaled double gives exactly what toFixed(4) then Number give (at a fraction of the cost): the double is
 * within 6e-14 of the text, the text at least 1e-12 from a rounding boundary unless its 5th decimal is a 5
 * (a tie, or near one: left to toFixed), so the scaled double rounds to the text's own 4-decimal integer k,
 * and k / 1e4 is the double nearest k/10^4, as Number(toFixed) is. test/audience/coordinates.test.ts holds
 * both to the same answers.
 */
const PLAIN_COORDINATE = /^[+-]?\d{1,3}(?:\.\d{0,12})?$/;
const SCALE = 10 ** COORDINATE_DECIMALS;
const FIVE = 0x35;

/** The rounded coordinate when `value` is a plain coordinate within the limit and not near a tie, else undefined. */
export function plainCoordinate(value: string, limit: number): number | undefined {
  if (!PLAIN_COORDINATE.test(value)) return undefined;
  const dot = value.indexOf('.');
  if (dot >= 0 && value.charCodeAt(dot + COORDINATE_DECIMALS + 1) === FIVE) return undefined;
  const n = Number(value);
  // + 0 turns -0 into 0.
  return Math.abs(n) <= limit ? Math.round(n * SCALE) / SCALE + 0 : undefined;
}

function coordinate(value: string | number, field: 'latitude' | 'longitude', limit: number): number {
  const plain = typeof value === 'string' ? plainCoordinate(value, limit) : undefined;
  if (plain !== undefined) return plain;
  const n = typeof value === 'number' ? value : DECIMAL.test(value) ? Number(value) : NaN;
  if (!Number.isFinite(n) || Math.abs(n) > limit) {
    throw new FieldProblem('invalid_coordinates', field, `${field} ${show(String(value))} is not a number between -${limit} and ${limit}`);
  }
  // + 0 turns -0 into 0.
  return Number(n.toFixed(COORDINATE_DECIMALS)) + 0;
}

/** Both or neither; rounded to 4 decimals (about 11 m), which is all Klaviyo uses. */
export function normalizeCoordinates(
  latitude: string | number | undefined,
  longitude: string | number | undefined,
): { latitude: number; longitude: number } | undefined {
  if (latitude === undefined && longitude === undefined) return undefined;
  if (latitude === undefined || longitude === undefined) {
    const missing = latitude === undefined ? 'latitude' : 'longitude';
    throw new FieldProblem('invalid_coordinates', missing, `latitude and longitude must be given together; ${missing} is missing`);
  }
  return { latitude: coordinate(latitude, 'latitude', 90), longitude: coordinate(longitude, 'longitude', 180) };
}

const ZONE_NAME = /^[A-Za-z][A-Za-z0-9_+-]*(?:\/[A-Za-z0-9_+-]+)*$/;
const zoneCache = new Map<string, string | null>();
const MAX_ZONE_CACHE = 5000;

/** The canonical IANA name Intl resolves `value` to (e.g. "utc" -> "UTC"), or null if it is not a zone name. */
function resolveZone(value: string): string | null {
  if (!ZONE_NAME.test(value)) return null; // Intl would also accept offsets such as "+05:00": not IANA names
  try {
    return new Intl.DateTimeFormat('en-US', { timeZone: value }).resolvedOptions().timeZone;
  } catch {
    return null;
  }
}

export function normalizeTimezone(value: string): string {
  let zone = zoneCache.get(value);
  if (zone === undefined) {
    zone = resolveZone(value);
    if (zoneCache.size < MAX_ZONE_CACHE) zoneCache.set(value, zone);
  }
  if (zone === null) {
    throw new FieldProblem('invalid_timezone', 'timezone', `timezone ${show(value)} is not an IANA time zone such as America/New_York`);
  }
  return zone;
}

// Zod's ISO patterns, used as plain regexes: safeParse builds an error object for every miss.
const ISO_DATE = z.regexes.date;
/** Date-times need an offset (or Z): a local time would be read in whatever zone the worker runs in. */
const ISO_DATE_TIME = z.regexes.datetime({ offset: true });

/** What normalizeDate returns: a date-time already in this form is its own answer when Date reads it back unchanged. */
const CANONICAL_UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/;

/** A canonical UTC date-time names a real instant (what Date would read back unchanged): no 31 April, no hour 24. */
function isRealUtcTime(value: string): boolean {
  const year = digits(value, 0, 4);
  const month = digits(value, 5, 2);
  const day = digits(value, 8, 2);
  const date = month >= 1 && month <= 12 && day >= 1 && day <= daysIn(year, month);
  return date && digits(value, 11, 2) < 24 && digits(value, 14, 2) < 60 && digits(value, 17, 2) < 60;
}

function digits(text: string, at: number, count: number): number {
  let n = 0;
  for (let i = at; i < at + count; i++) n = n * 10 + text.charCodeAt(i) - 48;
  return n;
}

function daysIn(year: number, month: number): number {
  if (month === 2) return year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** ISO-8601 date (read as UTC midnight) or date-time with offset -> ISO string in UTC. */
export function normalizeDate(value: string, field: string): string {
  // The common case (exports write UTC with milliseconds) skips Zod's long pattern.
  if (CANONICAL_UTC.test(value) && isRealUtcTime(value)) return value;
  if (ISO_DATE.test(value)) return `${value}T00:00:00.000Z`;
  if (ISO_DATE_TIME.test(value)) return new Date(value).toISOString();
  throw new FieldProblem(
    'invalid_date',
    field,
    `${field} ${show(value)} is not an ISO-8601 date (2024-05-31) or date-time with offset (2024-05-31T14:00:00Z)`,
  );
}

/**
 * A URL as exports write it: http(s), a lower-case ASCII host name (no port, no user), then nothing or a
 * path of printable ASCII. The URL parser keeps such a host as it is (no IDNA mapping without an `xn--`
 * label, no IPv4 reading with a letters-only last label) and never fails on what follows it, so for these
 * the host name check alone decides, as it does after the parser. test/audience/urlFastPath.test.ts holds both to the same answers.
 */
const PLAIN_URL = /^https?:\/\/([a-z0-9.-]+)(?:\/[\x21-\x5b\x5d-\x7e]*)?$/;

/** True when `value` is a plain URL with a valid host name; false leaves the question to the URL parser. */
export function isPlainUrl(value: string): boolean {
  const host = PLAIN_URL.exec(value)?.[1];
  return host !== undefined && !host.includes('xn--') && z.regexes.domain.test(host);
}

/** http(s) with a public-looking host name (what Klaviyo can fetch an image from). */
export function normalizeUrl(value: string, field: string): string {
  if (isPlainUrl(value)) return value;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:') || !z.regexes.domain.test(url.hostname)) {
    throw new FieldProblem('invalid_url', field, `${field} ${show(value)} is not an http(s) URL`);
  }
  return value;
}

export function normalizeIp(value: string): string {
  if (isIP(value) === 0) throw new FieldProblem('invalid_ip', 'ip', `ip ${show(value)} is not an IPv4 or IPv6 address`);
  return value;
}

/** A JSON object, given as an object (NDJSON) or as a JSON string (CSV). */
export function parseProperties(value: unknown): Record<string, unknown> | undefined {
  let parsed = value;
  if (typeof value === 'string') {
    if (value.trim() === '') return undefined;
    try {
      parsed = JSON.parse(value);
    } catch {
      throw new FieldProblem('invalid_properties', 'properties', `properties ${show(value)} is not valid JSON`);
    }
  }
  if (parsed === undefined || parsed === null) return undefined;
  if (typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new FieldProblem('invalid_properties', 'properties', 'properties must be a JSON object such as {"tier":"gold"}');
  }
  return parsed as Record<string, unknown>;
}

/** Names that reach an object's prototype machinery rather than a property of the profile. */
const FORBIDDEN_PROPERTY_NAMES = new Set(['__proto__', 'constructor', 'prototype']);
/** Klaviyo takes nested custom properties; this deep is already unusual, and deeper ones would overflow the serialiser's stack. */
export const MAX_PROPERTY_DEPTH = 10;

export function checkPropertyName(name: string): void {
  if (FORBIDDEN_PROPERTY_NAMES.has(name)) {
    throw new FieldProblem('invalid_properties', 'properties', `property name ${show(name)} is not allowed`);
  }
}

/** Every key at every depth is an allowed name, and nothing nests deeper than MAX_PROPERTY_DEPTH. */
export function checkProperties(properties: Record<string, unknown>): void {
  // Most properties pass: a quick look says so; the walk below says which problem a row has.
  if (!propertiesPass(properties, 1)) findPropertyProblem(properties);
}

/**
 * Whether every name at every depth is allowed and nothing nests too deep. Recursion is bounded: it stops at
 * MAX_PROPERTY_DEPTH. Arrays are walked by index (their keys cannot be forbidden names), objects by for…in
 * (own keys in Object.keys order for the plain objects JSON and the readers make).
 */
function propertiesPass(value: object, depth: number): boolean {
  if (depth > MAX_PROPERTY_DEPTH) return false;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      const inner: unknown = value[i];
      if (typeof inner === 'object' && inner !== null && !propertiesPass(inner, depth + 1)) return false;
    }
    return Object.keys(value).length === value.length;
  }
  if (Object.getPrototypeOf(value) !== Object.prototype) return false;
  for (const name in value) {
    if (FORBIDDEN_PROPERTY_NAMES.has(name) || !Object.hasOwn(value, name)) return false;
    const inner: unknown = (value as Record<string, unknown>)[name];
    if (typeof inner === 'object' && inner !== null && !propertiesPass(inner, depth + 1)) return false;
  }
  return true;
}

/** The first problem in the order rows have always been reported (without recursion); throws it. */
function findPropertyProblem(properties: Record<string, unknown>): void {
  // Only objects and arrays go on the stack: most properties are flat, and their values cost nothing here.
  const values: object[] = [properties];
  const depths: number[] = [1];
  while (values.length > 0) {
    const value = values.pop()!;
    const depth = depths.pop()!;
    if (depth > MAX_PROPERTY_DEPTH) {
      throw new FieldProblem('invalid_properties', 'properties', `properties nest deeper than ${MAX_PROPERTY_DEPTH} levels`);
    }
    for (const name of Object.keys(value)) {
      checkPropertyName(name);
      const inner = (value as Record<string, unknown>)[name];
      if (typeof inner === 'object' && inner !== null) {
        values.push(inner);
        depths.push(depth + 1);
      }
    }
  }
}
