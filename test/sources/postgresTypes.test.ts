/** PostgreSQL's text for each value -> the JSON the snapshot holds, without building the value. */
import { describe, expect, it } from 'vitest';
import { isoTimestamp, jsonEncoderFor } from '../../src/audience/postgresTypes';

const OID = { bool: 16, int8: 20, int4: 23, text: 25, json: 114, float8: 701, numeric: 1700, timestamptz: 1184, interval: 1186, textArray: 1009, uuid: 2950 };

describe('isoTimestamp', () => {
  it.each([
    ['2024-05-31 14:00:00.123456+00', '2024-05-31T14:00:00.123Z'],
    ['2024-05-31 14:00:00+00', '2024-05-31T14:00:00.000Z'],
    ['2024-05-31 14:00:00.5', '2024-05-31T14:00:00.500Z'],
    ['2024-05-31 16:00:00.25+02', '2024-05-31T14:00:00.250Z'],
    ['2024-05-31 09:30:00-04:30', '2024-05-31T14:00:00.000Z'],
    ['infinity', 'infinity'],
    ['0044-03-15 12:00:00+00 BC', '0044-03-15 12:00:00+00 BC'],
  ])('%s -> %s', (text, iso) => {
    expect(isoTimestamp(text)).toBe(iso);
  });
});

describe('jsonEncoderFor', () => {
  const encode = (oid: number, text: string) => JSON.parse(jsonEncoderFor(oid)(text)) as unknown;

  it('keeps numbers numbers unless a double would change them or JSON has no form for them', () => {
    expect(encode(OID.numeric, '12.50')).toBe(12.5);
    expect(encode(OID.numeric, 'NaN')).toBe('NaN');
    expect(encode(OID.float8, 'Infinity')).toBe('Infinity');
    expect(encode(OID.float8, '-1.5e-7')).toBe(-1.5e-7);
    expect(encode(OID.int4, '-42')).toBe(-42);
    expect(encode(OID.int8, '9007199254740991')).toBe(9007199254740991);
    expect(encode(OID.int8, '9007199254740993')).toBe('9007199254740993');
  });

  it('escapes text only where JSON needs it, embeds json as it is, and parses arrays', () => {
    expect(encode(OID.text, 'O\'Brien "Jr" \\ \n\t')).toBe('O\'Brien "Jr" \\ \n\t');
    expect(encode(OID.text, 'Zoë 🎉')).toBe('Zoë 🎉');
    expect(jsonEncoderFor(OID.json)('{"a": [1, 2]}')).toBe('{"a": [1, 2]}');
    // json keeps its text as written; its line breaks (only ever between tokens) would split the NDJSON line.
    expect(jsonEncoderFor(OID.json)('{\r\n  "a": "x\\ny"\n}')).toBe('{    "a": "x\\ny" }');
    expect(encode(OID.bool, 't')).toBe(true);
    expect(encode(OID.bool, 'f')).toBe(false);
    expect(encode(OID.textArray, '{x,"y z",NULL}')).toEqual(['x', 'y z', null]);
    expect(encode(OID.interval, '1 day 02:00:00')).toBe('1 day 02:00:00');
    expect(encode(OID.timestamptz, '2024-05-31 14:00:00+00')).toBe('2024-05-31T14:00:00.000Z');
    expect(encode(OID.uuid, '0b6f6c2e-5b3c-4c1e-9a53-1b2c3d4e5f60')).toBe('0b6f6c2e-5b3c-4c1e-9a53-1b2c3d4e5f60');
  });
});
