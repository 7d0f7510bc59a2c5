/**
 * The reject report as CSV (row,email,reason,field,message), written from the rows the store keeps for a
 * run: by the worker when AUDIENCE_REPORT_DIR asks for files, and by the CLI's `report --rejects`.
 */
import { createWriteStream } from 'node:fs';
import { mkdir, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { pipeline } from 'node:stream/promises';
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

/** Writes the rejects (atomically: a temp file renamed) and returns how many rows were written. */
export async function writeRejectCsv(path: string, rejects: AsyncIterable<RowReject>): Promise<number> {
  await mkdir(dirname(path), { recursive: true });
  const tmp = `${path}.${process.pid}.${Date.now()}.tmp`;
  let rows = 0;
  async function* records(): AsyncGenerator<Record<string, unknown>> {
    for await (const reject of rejects) {
      rows++;
      yield { ...sanitizeReject(reject) };
    }
  }
  // escape_formulas: the report is meant to be opened in spreadsheets; cells must not run as formulas.
  const csv = stringify({ header: true, columns: [...REJECT_COLUMNS], escape_formulas: true });
  await pipeline(records(), csv, createWriteStream(tmp));
  await rename(tmp, path);
  return rows;
}
