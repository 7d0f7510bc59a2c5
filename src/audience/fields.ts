/**
 * The columns (CSV header names, NDJSON keys) an audience may carry. A column outside this list is an
 * error for the whole audience: a typo such as `emial` would otherwise silently drop data.
 */
import { excerpt } from '../sanitize';
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

/**
 * Edit distance with adjacent transpositions counted as one edit (`frist` -> `first` is 1), so the
 * suggestion for a misspelt column is the field the operator meant.
 */
function editDistance(a: string, b: string): number {
  const d = Array.from({ length: a.length + 1 }, (_, i) => [i, ...Array<number>(b.length).fill(0)]);
  for (let j = 1; j <= b.length; j++) d[0]![j] = j;
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known column an unknown one most likely means (`frist_name` -> `first_name`, `property.tier` -> `properties.tier`). */
export function closestColumn(name: string): string | undefined {
  const lower = name.trim().toLowerCase();
  if (isKnownColumn(lower)) return lower;
  const dot = lower.indexOf('.');
  if (dot > 0 && editDistance(lower.slice(0, dot), 'properties') <= 3) return `${PROPERTY_COLUMN_PREFIX}${name.slice(dot + 1)}`;
  let best: { field: string; distance: number } | undefined;
  for (const field of AUDIENCE_FIELDS) {
    const distance = editDistance(lower, field);
    if (!best || distance < best.distance) best = { field, distance };
  }
  // Close enough to be a slip rather than another word: at most 3 edits, and fewer than half the name.
  if (best && best.distance <= Math.min(3, Math.floor(lower.length / 2))) return best.field;
  // A shortened or lengthened name: `phone` -> phone_number, `zip_code` -> zip.
  return AUDIENCE_FIELDS.find((field) => field.startsWith(`${lower}_`) || lower.startsWith(`${field}_`));
}

/** Column names come from the file: each is quoted as a short sanitised excerpt, its suggestion too. */
function withSuggestion(name: string): string {
  const meant = closestColumn(name);
  return meant ? `'${excerpt(name)}' (did you mean ${excerpt(meant)}?)` : `'${excerpt(name)}'`;
}

/** At most this many unknown columns are named: a binary file read as CSV has thousands. */
const MAX_NAMED_COLUMNS = 5;

/** Throws InvalidAudienceError naming every unknown column, each with the field it most resembles; `where` says where they were found. */
export function assertKnownColumns(names: Iterable<string>, where: string): void {
  const unknown = [...names].filter((name) => !isKnownColumn(name));
  if (!unknown.length) return;
  const known = `known fields: ${AUDIENCE_FIELDS.join(', ')}, and '${PROPERTY_COLUMN_PREFIX}<key>' for custom properties`;
  if (unknown.length === 1) {
    const meant = closestColumn(unknown[0]!);
    throw new InvalidAudienceError(
      `audience column '${excerpt(unknown[0]!)}' (${where}) is not a known field${meant ? ` (did you mean ${excerpt(meant)}?)` : ''}; ${known}`,
    );
  }
  const named = unknown.slice(0, MAX_NAMED_COLUMNS).map(withSuggestion).join(', ');
  const more = unknown.length > MAX_NAMED_COLUMNS ? ` and ${unknown.length - MAX_NAMED_COLUMNS} more` : '';
  throw new InvalidAudienceError(`audience columns ${named}${more} (${where}) are not known fields; ${known}`);
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
