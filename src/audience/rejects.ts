/**
 * The per-run reject report. It holds e-mails, so it lives in files, never in workflow history.
 * Each batch writes its own file (temp file + rename: a retried batch replaces it atomically, so a
 * retry never duplicates rejects); finalize merges them in batch order into rejects.csv.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { excerpt, sanitizeMessage } from '../sanitize';
import type { RowReject } from './rowModel';

const BATCH_FILE = /^rejects-batch-(\d{6,})\.ndjson$/;
export const REJECT_REPORT_FILE = 'rejects.csv';
export const REJECT_COLUMNS = ['row', 'email', 'reason', 'field', 'message'] as const;

export function batchRejectsFile(reportDir: string, batchIndex: number): string {
  return join(reportDir, `rejects-batch-${String(batchIndex).padStart(6, '0')}.ndjson`);
}

function tempPath(path: string): string {
  return `${path}.${process.pid}.${Date.now()}.${Math.random().toString(36).slice(2)}.tmp`;
}

/** Replaces the batch's reject file; with no rejects, removes any earlier one. Idempotent on retry. */
export async function writeBatchRejects(reportDir: string, batchIndex: number, rejects: RowReject[]): Promise<void> {
  if (!(Number.isInteger(batchIndex) && batchIndex >= 0)) throw new RangeError(`invalid batch index ${batchIndex}`);
  const path = batchRejectsFile(reportDir, batchIndex);
  if (rejects.length === 0) {
    await rm(path, { force: true });
    return;
  }
  await mkdir(reportDir, { recursive: true });
  const tmp = tempPath(path);
  await writeFile(tmp, rejects.map((r) => `${JSON.stringify(sanitizeReject(r))}\n`).join(''));
  await rename(tmp, path);
}

/**
 * Every reject passes here on its way to the report, whatever produced it (a validator, a broken line,
 * Klaviyo's import errors): no key-shaped text, no unprintable characters, no cell of unbounded length.
 */
function sanitizeReject(r: RowReject): RowReject {
  const clean: RowReject = { row: r.row, reason: r.reason, message: sanitizeMessage(r.message, 300) };
  if (r.email !== undefined) clean.email = excerpt(r.email, 254);
  if (r.field !== undefined) clean.field = excerpt(r.field, 60);
  return clean;
}

/** Merges the batch files, in batch order, into rejects.csv (header row,email,reason,field,message). */
export async function finalizeRejectReport(reportDir: string): Promise<{ path: string; rows: number }> {
  await mkdir(reportDir, { recursive: true });
  const batchFiles = (await readdir(reportDir))
    .map((name) => ({ name, index: BATCH_FILE.exec(name)?.[1] }))
    .filter((f): f is { name: string; index: string } => f.index !== undefined)
    .sort((a, b) => Number(a.index) - Number(b.index));
  const path = join(reportDir, REJECT_REPORT_FILE);
  const tmp = tempPath(path);
  let rows = 0;
  async function* records(): AsyncGenerator<Record<string, unknown>> {
    for (const file of batchFiles) {
      const lines = createInterface({ input: createReadStream(join(reportDir, file.name)), crlfDelay: Infinity });
      for await (const line of lines) {
        if (line.trim() === '') continue;
        rows++;
        yield JSON.parse(line) as Record<string, unknown>;
      }
    }
  }
  // escape_formulas: the report is meant to be opened in spreadsheets; cells must not run as formulas.
  const csv = stringify({ header: true, columns: [...REJECT_COLUMNS], escape_formulas: true });
  await pipeline(records(), csv, createWriteStream(tmp));
  await rename(tmp, path);
  return { path, rows };
}
