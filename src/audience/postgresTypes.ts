/**
 * PostgreSQL values -> the values an audience row holds, as an NDJSON file would give them. Timestamps
 * become ISO-8601 in UTC (the session's TimeZone is UTC; a `timestamp` without time zone is read as UTC),
 * dates stay YYYY-MM-DD, numeric and int8 become numbers when a double holds them exactly enough, json/jsonb become objects, and
 * types JSON cannot carry (bytea, interval, money) stay as PostgreSQL prints them.
 */
import { types, type CustomTypesConfig } from 'pg';

/** Type OIDs from PostgreSQL's pg_type.dat. */
const OID = {
  int8: 20,
  numeric: 1700,
  date: 1082,
  timestamp: 1114,
  timestamptz: 1184,
  bytea: 17,
  interval: 1186,
  money: 790,
} as const;

const TIMESTAMP = /^(\d{4}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)(?:([+-]\d\d)(?::?(\d\d))?(?::?(\d\d))?)?$/;
/** What PostgreSQL prints in a UTC session: `2024-05-31 14:00:00[.123456][+00]`. */
const UTC_TIMESTAMP = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d(?:\.\d{1,6})?(?:\+00)?$/;

/** `2024-05-31 14:00:00.123456+00` (or without zone, read as UTC) -> `2024-05-31T14:00:00.123Z`; infinity and BC dates as printed. */
export function isoTimestamp(text: string): string {
  // The common case without a Date: this runs for every timestamp of every row.
  if (UTC_TIMESTAMP.test(text)) {
    const fraction = text.length > 19 && text[19] === '.' ? text.slice(20, text.endsWith('+00') ? -3 : undefined) : '';
    return `${text.slice(0, 10)}T${text.slice(11, 19)}.${(fraction + '000').slice(0, 3)}Z`;
  }
  const m = TIMESTAMP.exec(text);
  if (!m) return text;
  const [, date, time, hours, minutes, seconds] = m;
  // Offsets with seconds (historic zones) are rare enough to keep as printed rather than round.
  if (seconds) return text;
  const offset = hours === undefined ? 'Z' : `${hours}:${minutes ?? '00'}`;
  const parsed = new Date(`${date}T${time}${offset}`);
  return Number.isNaN(parsed.getTime()) ? text : parsed.toISOString();
}

/** A number when it is finite (NaN and Infinity stay text, so they are reported rather than sent). */
function decimal(text: string): number | string {
  const n = Number(text);
  return Number.isFinite(n) ? n : text;
}

function int8(text: string): number | string {
  const n = Number(text);
  return Number.isSafeInteger(n) ? n : text;
}

const identity = (text: string): string => text;

const PARSERS = new Map<number, (text: string) => unknown>([
  [OID.int8, int8],
  [OID.numeric, decimal],
  // As printed (2024-05-31), not a Date at the worker's local midnight.
  [OID.date, identity],
  [OID.timestamp, isoTimestamp],
  [OID.timestamptz, isoTimestamp],
  [OID.bytea, identity],
  [OID.interval, identity],
  [OID.money, identity],
]);

/** Type parsers for the audience query; everything else keeps pg's defaults (json objects, booleans, floats). */
export const audienceQueryTypes: CustomTypesConfig = {
  getTypeParser: ((oid: number, format?: 'text' | 'binary') => {
    const own = format === 'binary' ? undefined : PARSERS.get(oid);
    return own ?? types.getTypeParser(oid, format ?? 'text');
  }) as CustomTypesConfig['getTypeParser'],
};
