/**
 * The columns (CSV header names, NDJSON keys) an audience may carry. A column outside this list is an
 * error for the whole audience: a typo such as `emial` would otherwise silently drop data.
 */
import { InvalidAudienceError } from './errors';

export const AUDIENCE_FIELDS = [
  'email',
  'first_name',
  'last_name',
  'phone_number',
  'external_id',
  'organization',
  'title',
  'image',
  'ip',
  'last_event_date',
  'address1',
  'address2',
  'city',
  'region',
  'zip',
  'country',
  'latitude',
  'longitude',
  'timezone',
  'properties',
] as const;

export type AudienceField = (typeof AUDIENCE_FIELDS)[number];

/** `properties.<key>` columns become custom properties. */
export const PROPERTY_COLUMN_PREFIX = 'properties.';

const KNOWN = new Set<string>(AUDIENCE_FIELDS);

export function isKnownColumn(name: string): boolean {
  return KNOWN.has(name) || (name.startsWith(PROPERTY_COLUMN_PREFIX) && name.length > PROPERTY_COLUMN_PREFIX.length);
}

/** Throws InvalidAudienceError naming the first unknown column; `where` says where it was found. */
export function assertKnownColumns(names: Iterable<string>, where: string): void {
  for (const name of names) {
    if (!isKnownColumn(name)) {
      throw new InvalidAudienceError(
        `audience column '${name}' (${where}) is not a known field; known fields: ${AUDIENCE_FIELDS.join(', ')}, ` +
          `and '${PROPERTY_COLUMN_PREFIX}<key>' for custom properties`,
      );
    }
  }
}

/** Checks a CSV header (or a query's or Parquet file's columns, `where` naming them): known names, no duplicates, and an `email` column. */
export function assertValidHeader(header: string[], where = 'the CSV header'): void {
  assertKnownColumns(header, `in ${where}`);
  const seen = new Set<string>();
  for (const name of header) {
    if (seen.has(name)) throw new InvalidAudienceError(`audience column '${name}' appears more than once in ${where}`);
    seen.add(name);
  }
  if (!seen.has('email')) {
    throw new InvalidAudienceError(`audience has no 'email' column; ${where}: ${header.join(', ')}`);
  }
}
