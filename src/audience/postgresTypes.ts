/**
 * PostgreSQL values -> the JSON an audience row holds, as an NDJSON file would give it, straight from the
 * text PostgreSQL sends (one encoder per column, chosen by its type): no Date, number or object is built
 * per value, which matters at a million rows. Timestamps become ISO-8601 in UTC (the session's TimeZone is
 * UTC; a `timestamp` without time zone is read as UTC), dates stay YYYY-MM-DD, numbers stay numbers
 * (int8 past 2^53 and NaN/Infinity become text rather than change), json/jsonb are embedded as they are,
 * intervals, bytea and money stay as printed, and other types (arrays) go through pg's own parsers.
 */
import { types } from 'pg';

/** Type OIDs from PostgreSQL's pg_type.dat. */
const OID = {
  bool: 16,
  bytea: 17,
  char: 18,
  name: 19,
  int8: 20,
  int2: 21,
  int4: 23,
  text: 25,
  oid: 26,
  json: 114,
  float4: 700,
  float8: 701,
  money: 790,
  bpchar: 1042,
  varchar: 1043,
  date: 1082,
  time: 1083,
  timestamp: 1114,
  timestamptz: 1184,
  interval: 1186,
  timetz: 1266,
  numeric: 1700,
  uuid: 2950,
  jsonb: 3802,
} as const;

export type JsonEncoder = (text: string) => string;

/** Characters a JSON string must escape (and lone surrogates, which JSON.stringify writes as escapes). */
const NEEDS_ESCAPE = /["\\\u0000-\u001f\ud800-\udfff]/;

/** A JSON string; plain text without JSON.stringify, which costs several times more per call. */
export const jsonString: JsonEncoder = (text) => (NEEDS_ESCAPE.test(text) ? JSON.stringify(text) : `"${text}"`);

const JSON_NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;
/** PostgreSQL prints numbers JSON can carry, except NaN and Infinity (kept as text, so they are reported). */
const jsonNumber: JsonEncoder = (text) => (JSON_NUMBER.test(text) ? text : jsonString(text));
/** Past 15 digits a double may change the number: kept as text. */
const jsonInt8: JsonEncoder = (text) => (text.length <= 16 && Number.isSafeInteger(Number(text)) ? text : jsonString(text));
const jsonBool: JsonEncoder = (text) => (text === 't' ? 'true' : 'false');
/** A line break in json text is whitespace between tokens (a string cannot hold one): a space keeps the value on its NDJSON line. */
const jsonRaw: JsonEncoder = (text) => text.replace(/[\n\r]/g, ' ');
const jsonTimestamp: JsonEncoder = (text) => jsonString(isoTimestamp(text));

/** How a column's text becomes JSON; copyText.ts has a byte-level twin of each (tested against these). */
export const VALUE_KIND_ENCODERS = {
  string: jsonString,
  number: jsonNumber,
  int8: jsonInt8,
  bool: jsonBool,
  json: jsonRaw,
  timestamp: jsonTimestamp,
} satisfies Record<string, JsonEncoder>;

export type ValueKind = keyof typeof VALUE_KIND_ENCODERS;

const KINDS = new Map<number, ValueKind>([
  [OID.bool, 'bool'],
  [OID.int2, 'number'],
  [OID.int4, 'number'],
  [OID.oid, 'number'],
  [OID.float4, 'number'],
  [OID.float8, 'number'],
  [OID.numeric, 'number'],
  [OID.int8, 'int8'],
  [OID.json, 'json'],
  [OID.jsonb, 'json'],
  [OID.timestamp, 'timestamp'],
  [OID.timestamptz, 'timestamp'],
  [OID.date, 'string'],
  // Types JSON has no form for: as PostgreSQL prints them.
  [OID.time, 'string'],
  [OID.timetz, 'string'],
  [OID.interval, 'string'],
  [OID.bytea, 'string'],
  [OID.money, 'string'],
  [OID.text, 'string'],
  [OID.varchar, 'string'],
  [OID.bpchar, 'string'],
  [OID.char, 'string'],
  [OID.name, 'string'],
  [OID.uuid, 'string'],
]);

/** The kind of a column of type `oid`, or undefined for types only pg's parsers know (arrays, extensions). */
export function valueKindOf(oid: number): ValueKind | undefined {
  return KINDS.get(oid);
}

/** The encoder for a column of type `oid`: text as PostgreSQL prints it -> JSON. */
export function jsonEncoderFor(oid: number): JsonEncoder {
  const kind = KINDS.get(oid);
  if (kind) return VALUE_KIND_ENCODERS[kind];
  // Arrays, intervals, bytea, extension types: pg's parser (arrays become arrays), else the text as printed.
  const parse = types.getTypeParser(oid, 'text') as (text: string) => unknown;
  return (text) => {
    const value = parse(text);
    return typeof value === 'string' ? jsonString(value) : JSON.stringify(value);
  };
}

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
