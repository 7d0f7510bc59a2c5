import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidAudienceError } from '../../src/audience/errors';
import { normalizeRow } from '../../src/audience/row';
import { readAudienceRows } from '../../src/audience/source';
import { collect, tempDir, writeAudience } from './helpers';

const fixtures = join(__dirname, '..', 'fixtures');
const dir = tempDir();

describe('readAudienceRows: CSV', () => {
  it('reads quoted commas, quotes and newlines; numbers data rows from 1', async () => {
    const rows = await collect({ type: 'csv', path: join(fixtures, 'audience-small.csv') });
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
    expect(rows[0]!.raw).toMatchObject({ organization: 'Globex, Inc.', address2: 'Building B\nFloor 2', 'properties.tier': 'gold' });
    expect(rows[1]!.raw).toMatchObject({ email: '  BEN@Example.com ', organization: 'Wayne "WE" Enterprises', last_name: "O'Brien" });
    const results = rows.map((r) => normalizeRow(r.raw, r.row));
    expect(results.map((r) => (r.ok ? 'ok' : r.reject.reason))).toEqual(['ok', 'ok', 'invalid_email', 'invalid_phone', 'invalid_timezone']);
  });

  it('handles a BOM and CRLF line ends', async () => {
    const body = 'email,first_name\r\na@x.com,"Line1\r\nLine2"\r\nb@x.com,B\r\n';
    const source = writeAudience(dir, 'csv', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const rows = await collect(source);
    expect(rows.map((r) => r.raw)).toEqual([
      { email: 'a@x.com', first_name: 'Line1\r\nLine2' },
      { email: 'b@x.com', first_name: 'B' },
    ]);
  });

  it('keeps multi-byte characters whole across read chunks, and reads a last row without a line break', async () => {
    // 2-byte characters from byte 1 on: a 64 KiB chunk boundary falls inside one of them (the row stays under 1 MB).
    const name = 'ë'.repeat(400_000);
    const source = writeAudience(dir, 'csv', `email,first_name\nzoe@x.com,${name}\nyan@x.com,Zoë 😀`);
    const rows = await collect(source);
    expect(rows.map((r) => r.raw.first_name)).toEqual([name, 'Zoë 😀']);
  });

  it('makes a row with the wrong number of cells a per-row invalid_row', async () => {
    const source = writeAudience(dir, 'csv', 'email,first_name\na@x.com,A,extra\nb@x.com\nc@x.com,C\n');
    const rows = await collect(source);
    const results = rows.map((r) => normalizeRow(r.raw, r.row));
    expect(results[0]).toEqual({ ok: false, reject: { row: 1, reason: 'invalid_row', message: 'row has 3 cells but the header has 2 columns' } });
    expect(results[1]).toMatchObject({ ok: false, reject: { row: 2, reason: 'invalid_row' } });
    expect(results[2]).toMatchObject({ ok: true, email: 'c@x.com' });
  });

  it("gives each row a text of its cells that tells cells apart, a NUL in them too, in any read chunk", async () => {
    // The NUL rows sit in the file's last read chunk: the rows of earlier chunks are joined without looking for one.
    const filler = Array.from({ length: 2000 }, (_, i) => `p${i}@x.com,${'n'.repeat(40)}`).join('\n');
    const source = writeAudience(dir, 'csv', `email,first_name\n${filler}\na\u0000@x.com,b\na@x.com,\u0000b\na@x.com,b\n`);
    const texts: string[] = [];
    for await (const r of readAudienceRows(source)) texts.push(r.text);
    expect(texts[0]).toBe(`p0@x.com\u0000${'n'.repeat(40)}`);
    expect(texts.slice(-3)).toEqual([JSON.stringify(['a\u0000@x.com', 'b']), JSON.stringify(['a@x.com', '\u0000b']), 'a@x.com\u0000b']);
  });

  it('decodes a cell cut by a read chunk as its bytes decode whole, invalid UTF-8 too', async () => {
    const cellByte = fc.oneof(fc.integer({ min: 0x80, max: 0xff }), fc.constantFrom(0x41, 0x20, 0xef, 0xbb, 0xbf, 0xc3, 0xa9, 0xf0, 0x9f, 0x98, 0x80));
    await fc.assert(
      fc.asyncProperty(fc.array(cellByte, { minLength: 1, maxLength: 12 }), fc.integer({ min: 1, max: 12 }), async (bytes, before) => {
        // The first read chunk (64 KiB) ends `before` bytes into the cell.
        const head = 'email,first_name\na@x.com,';
        const filler = 'f@x.com,x\n'.repeat(6500);
        const pad = 'p'.repeat(65_536 - before - head.length - 1 - filler.length - 'b@x.com,'.length);
        const cell = Buffer.from(bytes);
        const source = writeAudience(dir, 'csv', Buffer.concat([Buffer.from(`${head}${pad}\n${filler}b@x.com,`), cell, Buffer.from('\n')]));
        const rows = await collect(source);
        expect(rows.at(-1)!.raw.first_name).toBe(cell.toString('utf8'));
      }),
      { numRuns: 60 },
    );
  });

  it('skips blank lines (they are not rows)', async () => {
    const rows = await collect(writeAudience(dir, 'csv', 'email\n\na@x.com\n\n\nb@x.com\n'));
    expect(rows.map((r) => [r.row, r.raw.email])).toEqual([
      [1, 'a@x.com'],
      [2, 'b@x.com'],
    ]);
  });

  it('names an unknown column, with the field it most resembles', async () => {
    const source = writeAudience(dir, 'csv', 'email,emial,first_name\na@x.com,b,c\n');
    const error = await collect(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(/audience column 'emial' .*is not a known field \(did you mean email\?\); known fields: email, first_name/);
  });

  it('names every unknown column, suggesting a field only where one is close', async () => {
    const source = writeAudience(dir, 'csv', 'email,frist_name,lastname,property.tier,phone,zzz\na@x.com,a,b,c,d,e\n');
    const error = await collect(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(
      /^audience columns 'frist_name' \(did you mean first_name\?\), 'lastname' \(did you mean last_name\?\), 'property\.tier' \(did you mean properties\.tier\?\), 'phone' \(did you mean phone_number\?\), 'zzz' \(in the CSV header\) are not known fields; known fields: email,/,
    );
  });

  it.each([
    ['an empty file', '', /empty: it has no header row/],
    ['a header without email', 'first_name\nAna\n', /no 'email' column/],
    ['a repeated column', 'email,email\na@x.com,b@x.com\n', /'email' appears more than once/],
    ['an unclosed quote', 'email,first_name\na@x.com,"Ana\nb@x.com,Ben\n', /not valid CSV: Quote Not Closed/],
  ])('rejects %s as a whole', async (_name, body, message) => {
    const error = await collect(writeAudience(dir, 'csv', body)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(message);
  });

  it('stops at a quote left open, naming the byte it opened at, instead of buffering the rest of the file', async () => {
    const source = writeAudience(dir, 'csv', `email,first_name\na@x.com,"${'x'.repeat(5_000_000)}\nb@x.com,B\n`);
    const error = await collect(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(/the quoted field opened at byte 25 never closes; is a quote left open\?/);
  });

  it.each([
    ['a 2 MB quoted cell', `"${'x'.repeat(2_000_000)}"`],
    ['a 10 MB quoted cell with quotes, commas and line breaks in it', `"${'ab""c,\n'.repeat(1_500_000)}"`],
    ['a 10 MB unquoted cell', 'y'.repeat(10_000_000)],
  ])('makes %s a rejected row and reads on', async (_name, cell) => {
    const body = `email,first_name\r\na@x.com,A\r\nbig@x.com,${cell}\r\nc@x.com,"C\r\nC"\r\nd@x.com,D\r\n`;
    const source = writeAudience(dir, 'csv', body);
    const rows = await collect(source);
    expect(rows.map((r) => r.raw.email)).toEqual(['a@x.com', undefined, 'c@x.com', 'd@x.com']);
    expect(normalizeRow(rows[1]!.raw, 2)).toMatchObject({ ok: false, reject: { reason: 'invalid_row', message: expect.stringMatching(/row is longer than 1000000 bytes/) } });
    expect(rows[2]!.raw.first_name).toBe('C\r\nC');
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4]);
  });

  it('refuses a header row longer than a row may be', async () => {
    const error = await collect(writeAudience(dir, 'csv', `email,${'h'.repeat(1_200_000)}\na@x.com,1\n`)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(/the CSV header row is longer than 1000000 bytes/);
  });

  it('reports a missing file as InvalidAudienceError', async () => {
    const error = await collect({ type: 'csv', path: join(dir, 'nope.csv') }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(/cannot read audience file .*nope\.csv: ENOENT/);
  });
});

describe('readAudienceRows: NDJSON', () => {
  it('makes a bad line a per-row invalid_row and keeps reading', async () => {
    const rows = await collect({ type: 'ndjson', path: join(fixtures, 'audience-small.ndjson') });
    const results = rows.map((r) => normalizeRow(r.raw, r.row));
    expect(results.map((r) => (r.ok ? 'ok' : r.reject.reason))).toEqual(['ok', 'ok', 'invalid_row', 'invalid_row', 'invalid_properties']);
    expect(rows.map((r) => r.row)).toEqual([1, 2, 3, 4, 5]);
    expect(results[2]).toMatchObject({ reject: { message: expect.stringMatching(/^line is not valid JSON/) } });
    expect(results[3]).toMatchObject({ reject: { message: expect.stringMatching(/must be a JSON object/) } });
    expect(results[0]).toMatchObject({ ok: true, profile: { attributes: { phone_number: '+14155552671', location: { latitude: 37.7749 } } } });
  });

  it('handles BOM, CRLF and a last line without a line break', async () => {
    const body = '{"email":"a@x.com"}\r\n\r\n{"email":"b@x.com"}';
    const source = writeAudience(dir, 'ndjson', Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body)]));
    const rows = await collect(source);
    expect(rows).toEqual([
      { row: 1, raw: { email: 'a@x.com' } },
      { row: 2, raw: { email: 'b@x.com' } },
    ]);
  });

  it('names an unknown key', async () => {
    const source = writeAudience(dir, 'ndjson', '{"email":"a@x.com"}\n{"email":"b@x.com","fist_name":"B"}\n');
    const error = await collect(source).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InvalidAudienceError);
    expect((error as Error).message).toMatch(/audience column 'fist_name' \(a key on data row 2\) is not a known field/);
  });

  it('reports an over-long line as a broken row without holding it in memory', async () => {
    const long = `{"email":"a@x.com","properties":{"x":"${'y'.repeat(1_100_000)}"}}`;
    const source = writeAudience(dir, 'ndjson', `${long}\n{"email":"b@x.com"}\n`);
    const rows = [];
    for await (const r of readAudienceRows(source)) rows.push({ row: r.row, ok: normalizeRow(r.raw, r.row).ok });
    expect(rows).toEqual([
      { row: 1, ok: false },
      { row: 2, ok: true },
    ]);
  });
});
