import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { writeRejectCsv } from '../../src/audience/rejects';
import type { RowReject } from '../../src/audience/row';
import { tempDir } from './helpers';

const dir = tempDir();

async function* each(rejects: RowReject[]): AsyncGenerator<RowReject> {
  yield* rejects;
}

describe('reject report CSV', () => {
  it('writes a header and one line per reject, and says how many', async () => {
    const path = join(dir, 'a', 'rejects.csv');
    const rows = await writeRejectCsv(path, each([
      { row: 2, email: 'x@', reason: 'invalid_email', field: 'email', message: 'email "x@" is not a valid e-mail address' },
      { row: 5, reason: 'missing_email', field: 'email', message: 'email is required' },
    ]));
    expect(rows).toBe(2);
    expect(parse(readFileSync(path), { columns: true })).toEqual([
      { row: '2', email: 'x@', reason: 'invalid_email', field: 'email', message: 'email "x@" is not a valid e-mail address' },
      { row: '5', email: '', reason: 'missing_email', field: 'email', message: 'email is required' },
    ]);
  });

  it('writes just the header when nothing was rejected', async () => {
    const path = join(dir, 'empty.csv');
    expect(await writeRejectCsv(path, each([]))).toBe(0);
    expect(readFileSync(path, 'utf8')).toBe('row,email,reason,field,message\n');
  });

  it('neutralises spreadsheet formulas in cells', async () => {
    const path = join(dir, 'formula.csv');
    await writeRejectCsv(path, each([{ row: 1, email: '=HYPERLINK("http://evil")@x.com', reason: 'invalid_email', message: 'bad' }]));
    const [record] = parse(readFileSync(path), { columns: true }) as Record<string, string>[];
    expect(record!.email.startsWith('=')).toBe(false);
    expect(record!.email).toContain('HYPERLINK');
  });
});
