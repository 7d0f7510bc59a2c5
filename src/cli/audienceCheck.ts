/**
 * Checks the audience on this machine before a run or schedule starts, with the audience module's own
 * readers: a CSV's header (every unknown column named, with the field it most resembles) or the keys of
 * an NDJSON file's first rows, a Parquet file's columns. The worker reads the file again; this only refuses early what would fail.
 */
import fs from 'node:fs';
import type { AudienceSource } from '../shared';
import { usageError } from './errors';

/** NDJSON keys are checked on this many rows (a CSV's header covers every row). */
const ROWS_CHECKED = 1000;

export const SKIP_LOCAL_CHECK_FLAG = '--no-local-check';

export async function checkAudienceLocally(source: AudienceSource): Promise<void> {
  // A query is read by the workers, with their connection; its text was checked with the input.
  if (source.type === 'postgres') return;
  if (!fs.existsSync(source.path)) {
    throw usageError(
      `audience file ${source.path} does not exist on this machine; if the worker reads it from another filesystem ` +
        `(a container, a shared volume), pass ${SKIP_LOCAL_CHECK_FLAG}`,
    );
  }
  if (source.type === 'parquet') {
    const { checkParquetColumns } = require('../audience/parquetSource') as typeof import('../audience/parquetSource');
    return checkParquetColumns(source.path);
  }
  const { readAudienceRows } = require('../audience/source') as typeof import('../audience/source');
  let rows = 0;
  // Throws InvalidAudienceError (exit 2) for an unknown column, an empty or unreadable file. Rows parse
  // when their record is first asked for, so each record is built here: that is where an NDJSON key is checked.
  for await (const row of readAudienceRows({ type: source.type, path: source.path })) {
    if (row.raw && ++rows >= ROWS_CHECKED) break;
  }
}
