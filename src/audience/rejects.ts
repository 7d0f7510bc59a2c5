/**
 * The reject report as CSV (row,email,reason,field,message), written from the rows the store keeps for a
 * run: by the worker when AUDIENCE_REPORT_DIR asks for files, by the CLI's `report --rejects`, and served by
 * the operators' console.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline, Readable } from 'node:stream';
import { pipeline as pipelineAsync } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { excerpt, sanitizeMessage } from '../sanitize';
import type { RowReject } from './rowModel';

export const REJECT_REPORT_FILE = 'rejects.csv';
export const REJECT_COLUMNS = ['row', 'email', 'reason', 'field', 'message'] as const;

/**
 * Every reject passes here on its way to the report, whatever produced it (a validator, a broken line,
 * Klaviyo's import errors): no key-shaped text, no unprintable characters, no cell of unbounded length.
 */
export function sanitizeReject(r: RowReject): RowReject {
  const clean: RowReject = { row: r.row, reason: r.reason, message: sanitizeMessage(r.message, 300) };
  if (r.email !== undefined) clean.email = excerpt(r.email, 254);
  if (r.field !== undefined) clean.field = excerpt(r.field, 60);
  return clean;
}

/** The rejects as CSV text, header first (for a file, or the operators' console's download). */
export function rejectCsv(rejects: AsyncIterable<RowReject>, written: { rows: number } = { rows: 0 }): Readable {
  async function* records(): AsyncGenerator<Record<string, unknown>> {
    for await (const reject of rejects) {
      written.rows++;
      yield { ...sanitizeReject(reject) };
    }
  }
  // escape_formulas: the report is meant to be opened in spreadsheets; cells must not run as formulas.
  const csv = stringify({ header: true, columns: [...REJECT_COLUMNS], escape_formulas: true });
  // A failure reading the rejects destroys the CSV stream with it, so its reader sees the error.
  return pipeline(Readable.from(records()), csv, () => undefined);
}

/** Writes the rejects (atomically: a temp file renamed) and returns how many rows were written. */
export async function writeRejectCsv(path: string, rejects: AsyncIterable<RowReject>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  const written = { rows: 0 };
  await pipelineAsync(rejectCsv(rejects, written), createWriteStream(tmp));
  await rename(tmp, path);
  return written.rows;
}
