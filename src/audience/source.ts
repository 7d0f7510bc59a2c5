/**
 * Streams an audience file's rows in constant memory, read once per run (the plan). Rows come out raw
 * (not validated); normalizeRow (row.ts) decides what each becomes.
 */
import type { RowFileSource } from '../shared';
import { readCsvRowBatches } from './csvSource';
import { readNdjsonRowBatches } from './ndjsonSource';
import type { ReadHooks, SourceRow } from './sourceTypes';

export type { ReadHooks, SourceRow } from './sourceTypes';

/** Every row of the file. Throws InvalidAudienceError for an unreadable file, unknown column or broken file structure. */
export async function* readAudienceRows(source: RowFileSource, hooks?: ReadHooks): AsyncGenerator<SourceRow> {
  for await (const rows of readAudienceRowBatches(source, hooks)) yield* rows;
}

/** The same rows in runs of consecutive rows (what one chunk of the file held), for a reader that keeps pace with millions of rows. */
export function readAudienceRowBatches(source: RowFileSource, hooks?: ReadHooks): AsyncGenerator<SourceRow[]> {
  return source.type === 'csv' ? readCsvRowBatches(source.path, hooks) : readNdjsonRowBatches(source.path, hooks);
}
