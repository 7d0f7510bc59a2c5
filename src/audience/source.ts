/**
 * Streams an audience file's rows, whole or one planned byte range, in constant memory.
 * Rows come out raw (not validated); normalizeRow (row.ts) decides what each becomes.
 */
import type { RowFileSource } from '../shared';
import { readCsvRows } from './csvSource';
import { readNdjsonRows } from './ndjsonSource';
import type { ReadHooks, RowRange } from './sourceTypes';

export type { ReadHooks, RowRange, SourceRow } from './sourceTypes';

/**
 * Without a range: every row of the file. With a range (a planned batch): exactly that batch's rows,
 * numbered from range.firstRow. CSV ranges use range.header, or read the header from the file.
 * Throws InvalidAudienceError for an unreadable file, unknown column or broken file structure.
 */
export function readAudienceRows(
  source: RowFileSource,
  range?: RowRange,
  hooks?: ReadHooks,
): AsyncGenerator<{ row: number; raw: Record<string, unknown>; endOffset: number }> {
  return source.type === 'csv' ? readCsvRows(source.path, range, hooks) : readNdjsonRows(source.path, range, hooks);
}
