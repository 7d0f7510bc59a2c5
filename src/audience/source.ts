/**
 * Streams an audience file's rows in constant memory, read once per run (the plan). Rows come out raw
 * (not validated); normalizeRow (row.ts) decides what each becomes.
 */
import type { RowFileSource } from '../shared';
import { readCsvRows } from './csvSource';
import { readNdjsonRows } from './ndjsonSource';
import type { ReadHooks, SourceRow } from './sourceTypes';

export type { ReadHooks, SourceRow } from './sourceTypes';

/** Every row of the file. Throws InvalidAudienceError for an unreadable file, unknown column or broken file structure. */
export function readAudienceRows(source: RowFileSource, hooks?: ReadHooks): AsyncGenerator<SourceRow> {
  return source.type === 'csv' ? readCsvRows(source.path, hooks) : readNdjsonRows(source.path, hooks);
}
