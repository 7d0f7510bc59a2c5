/** Shapes shared by the CSV and NDJSON readers (public ones are re-exported by source.ts). */
import type { RawRow } from './rowModel';

export interface RowRange {
  /** Byte offsets into the file; end exclusive. */
  start: number;
  end: number;
  /** Row number of the first row in the range (1-based data rows). */
  firstRow: number;
  /** CSV only: the header from the plan; read from the file when absent. */
  header?: string[];
}

export interface SourceRow {
  row: number;
  raw: RawRow;
  /** Byte offset just past this row (including its line break): where the next row starts. */
  endOffset: number;
}

/** Observers used by the planner: the file's bytes (for its sha256) and the CSV header with its end offset. */
export interface ReadHooks {
  onChunk?: (chunk: Buffer) => void;
  onHeader?: (header: string[], endOffset: number) => void;
}

/** A row longer than this is unusable anyway (Klaviyo's limit is 100 KB per profile); it caps reader memory. */
export const MAX_ROW_BYTES = 1_000_000;

export function checkRange(range: RowRange): void {
  if (!(Number.isInteger(range.start) && Number.isInteger(range.end) && range.start >= 0 && range.end >= range.start)) {
    throw new RangeError(`invalid byte range ${range.start}..${range.end}`);
  }
  if (!(Number.isInteger(range.firstRow) && range.firstRow >= 1)) throw new RangeError(`invalid first row ${range.firstRow}`);
}
