/** COPY text rows -> NDJSON, byte for byte, against each value decoded to text and put through its type encoder. */
import { describe, expect, it } from 'vitest';
import { CopyTextEncoder, MalformedCopyError, type CopyColumn } from '../../src/audience/copyText';
import { jsonEncoderFor } from '../../src/audience/postgresTypes';

const OID = { bool: 16, int8: 20, int4: 23, text: 25, json: 114, float8: 701, numeric: 1700, timestamptz: 1184, textArray: 1009, jsonb: 3802 };

const columns: CopyColumn[] = [
  { name: 'email', typeId: OID.text },
  { name: 'properties.n', typeId: OID.int4 },
  { name: 'properties.big', typeId: OID.int8 },
  { name: 'latitude', typeId: OID.numeric },
  { name: 'longitude', typeId: OID.float8 },
  { name: 'properties.vip', typeId: OID.bool },
  { name: 'last_event_date', typeId: OID.timestamptz },
  { name: 'properties', typeId: OID.jsonb },
  { name: 'properties.raw', typeId: OID.json },
  { name: 'properties.tags', typeId: OID.textArray },
];

/** COPY's text format: tab-separated, \N for NULL, backslash escapes; `row` holds raw bytes as latin1 characters. */
const copyRows = (rows: string[][]): Buffer => Buffer.from(rows.map((r) => `${r.join('\t')}\n`).join(''), 'latin1');
const utf8 = (text: string): string => Buffer.from(text, 'utf8').toString('latin1');

const ROWS = copyRows([
  ['a@example.com', '42', '9007199254740991', '12.50', '-1.5e-07', 't', '2024-05-31 14:00:00.123456+00', '{"a": 1}', '{"b": [1, 2]}', '{x,"y z",NULL}'],
  ['\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N', '\\N'],
  ['', '0', '-99999999999999', 'NaN', 'Infinity', 'f', '2024-05-31 14:00:00+00', '{"s": "a\\\\"b\\\\\\\\c"}', '\\n{"x":\\t1}', '{}'],
  [
    'quote " back\\\\slash \\n \\t \\r \\b \\f \\v \x01 \x1f \x7f',
    '-2147483648',
    '9007199254740993',
    '-Infinity',
    '-0',
    'f',
    '2024-05-31 16:00:00.5+02',
    '[]',
    '"text"',
    '{"q\\\\"uote","back\\\\\\\\slash"}',
  ],
  [utf8('Zoë 🎉 中 \u2028'), '7', '1000000000000000', '0.000001', '1e+100', 't', 'infinity', utf8('{"u": "é"}'), 'null', '{NULL}'],
  ['\\\\N', '1', '-9223372036854775808', '00', '1.', 't', '0044-03-15 12:00:00+00 BC', '{}', '{}', '{}'],
  ['x', '2', '0', '1', '2', 'f', '2024-05-31 14:00:00.1234567', '{}', '{}', '{}'],
]);

/** The reference: each value decoded to text (COPY's escapes undone) and put through its column's type encoder. */
function valueByValue(copy: Buffer): string {
  const escapes: Record<string, number> = { b: 8, f: 12, n: 10, r: 13, t: 9, v: 11 };
  const encoders = columns.map((c) => ({ key: `${JSON.stringify(c.name)}:`, value: jsonEncoderFor(c.typeId) }));
  const lines = copy.toString('latin1').split('\n').slice(0, -1);
  return lines
    .map((line) => {
      const parts = line.split('\t').flatMap((field, i) => {
        if (field === '\\N') return [];
        const bytes = [...field.replace(/\\(.)/g, (_, c: string) => String.fromCharCode(escapes[c] ?? c.charCodeAt(0)))].map((ch) => ch.charCodeAt(0));
        return [encoders[i]!.key + encoders[i]!.value(Buffer.from(bytes).toString('utf8'))];
      });
      return `{${parts.join(',')}}\n`;
    })
    .join('');
}

function encode(chunks: Buffer[], validUtf8 = true): string {
  const encoder = new CopyTextEncoder(columns, validUtf8);
  const out: Buffer[] = [];
  for (const chunk of chunks) {
    encoder.add(chunk);
    out.push(Buffer.from(encoder.take()));
  }
  encoder.finish();
  return Buffer.concat(out).toString('utf8');
}

describe('CopyTextEncoder', () => {
  it('writes what the type encoders write for every kind, escape and awkward value', () => {
    const expected = valueByValue(ROWS);
    expect(expected.split('\n')).toHaveLength(ROWS.toString().split('\n').length);
    expect(encode([ROWS])).toBe(expected);
    expect(encode([ROWS], false)).toBe(expected);
  });

  it('gives the same lines however the data is cut into chunks', () => {
    const expected = valueByValue(ROWS);
    for (let at = 0; at <= ROWS.length; at++) expect(encode([ROWS.subarray(0, at), ROWS.subarray(at)])).toBe(expected);
    for (const size of [1, 2, 3, 7, 64]) {
      const chunks: Buffer[] = [];
      for (let at = 0; at < ROWS.length; at += size) chunks.push(ROWS.subarray(at, at + size));
      expect(encode(chunks)).toBe(expected);
    }
  });

  it('decodes bytes that are not UTF-8 as the text encoders would when PostgreSQL has not checked them', () => {
    const bad = copyRows([['\xff\xc3 bad', '1', '1', '1', '1', 't', '\\N', '{"a": "\xe9"}', '\\N', '{"\xff"}']]);
    expect(encode([bad], false)).toBe(valueByValue(bad));
    expect(encode([bad], false)).toContain('"email":"\ufffd\ufffd bad"');
  });

  it('grows its buffer for a row larger than it, and keeps counting rows', () => {
    const long = 'é"\\\\'.repeat(500_000);
    const rows = copyRows([[utf8(long), '1', '1', '1', '1', 't', '\\N', '{}', '{}', '{}']]);
    const encoder = new CopyTextEncoder(columns, true);
    encoder.add(rows);
    encoder.add(ROWS);
    expect(encoder.rows).toBe(8);
    expect(encoder.take().toString('utf8')).toBe(valueByValue(rows) + valueByValue(ROWS));
  });

  it('refuses data that is not COPY text of the described columns', () => {
    const refused = (text: string) => () => encode([Buffer.from(text, 'latin1')]);
    expect(refused('a\t1\n')).toThrow(MalformedCopyError);
    expect(refused(`${'x\t'.repeat(10)}x\n`)).toThrow(/more than 10 values/);
    expect(refused(`${'1\t'.repeat(9)}1`)).toThrow(/ended inside a row/);
    expect(refused(`x\\\n${'\t1'.repeat(9)}\n`)).toThrow(/lone backslash/);
  });
});
