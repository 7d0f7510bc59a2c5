import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'csv-parse/sync';
import { describe, expect, it } from 'vitest';
import { batchRejectsFile, finalizeRejectReport, writeBatchRejects } from '../../src/audience/rejects';
import type { RowReject } from '../../src/audience/row';
import { tempDir } from './helpers';

const root = tempDir();
let n = 0;
const reportDir = () => join(root, `run-${++n}`, 'report'); // not created yet: writers must mkdir -p

const reject = (row: number, extra: Partial<RowReject> = {}): RowReject => ({ row, reason: 'invalid_phone', field: 'phone_number', email: `p${row}@x.com`, message: `bad phone on ${row}`, ...extra });

describe('reject report', () => {
  it('names batch files with a zero-padded index', () => {
    expect(batchRejectsFile('/r', 12)).toBe('/r/rejects-batch-000012.ndjson');
  });

  it('merges batch files in batch order (numeric, not by write order) into rejects.csv', async () => {
    const dir = reportDir();
    await writeBatchRejects(dir, 10, [reject(1001)]);
    await writeBatchRejects(dir, 2, [reject(201), reject(205, { reason: 'invalid_email', field: 'email', message: 'has, comma and "quotes"' })]);
    await writeBatchRejects(dir, 0, [reject(3, { email: undefined, field: undefined, reason: 'invalid_row', message: 'line is not valid JSON' })]);
    const { path, rows } = await finalizeRejectReport(dir);
    expect(path).toBe(join(dir, 'rejects.csv'));
    expect(rows).toBe(4);
    const records = parse(readFileSync(path), { columns: true }) as Record<string, string>[];
    expect(records).toEqual([
      { row: '3', email: '', reason: 'invalid_row', field: '', message: 'line is not valid JSON' },
      { row: '201', email: 'p201@x.com', reason: 'invalid_phone', field: 'phone_number', message: 'bad phone on 201' },
      { row: '205', email: 'p205@x.com', reason: 'invalid_email', field: 'email', message: 'has, comma and "quotes"' },
      { row: '1001', email: 'p1001@x.com', reason: 'invalid_phone', field: 'phone_number', message: 'bad phone on 1001' },
    ]);
  });

  it('is idempotent: a retried batch replaces its file, finalize twice gives the same report', async () => {
    const dir = reportDir();
    await writeBatchRejects(dir, 1, [reject(10), reject(11)]);
    await writeBatchRejects(dir, 1, [reject(10), reject(11)]);
    const first = await finalizeRejectReport(dir);
    const firstText = readFileSync(first.path, 'utf8');
    const second = await finalizeRejectReport(dir);
    expect(second.rows).toBe(2);
    expect(readFileSync(second.path, 'utf8')).toBe(firstText);
    // No temp files left behind.
    expect(readdirSync(dir).sort()).toEqual(['rejects-batch-000001.ndjson', 'rejects.csv']);
  });

  it('a retry with no rejects removes the batch file', async () => {
    const dir = reportDir();
    await writeBatchRejects(dir, 4, [reject(1)]);
    await writeBatchRejects(dir, 4, []);
    expect(existsSync(batchRejectsFile(dir, 4))).toBe(false);
    expect(await finalizeRejectReport(dir)).toEqual({ path: join(dir, 'rejects.csv'), rows: 0 });
    expect(readFileSync(join(dir, 'rejects.csv'), 'utf8')).toBe('row,email,reason,field,message\n');
  });

  it('neutralises spreadsheet formulas in cells', async () => {
    const dir = reportDir();
    await writeBatchRejects(dir, 0, [reject(1, { email: '=HYPERLINK("http://evil")@x.com', reason: 'invalid_email' })]);
    const { path } = await finalizeRejectReport(dir);
    const [record] = parse(readFileSync(path), { columns: true }) as Record<string, string>[];
    expect(record!.email.startsWith('=')).toBe(false);
    expect(record!.email).toContain('HYPERLINK');
  });
});
