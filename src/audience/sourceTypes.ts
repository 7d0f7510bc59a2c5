/** Shapes shared by the CSV and NDJSON readers (public ones are re-exported by source.ts). */
import type { RawRow } from './rowModel';

export interface SourceRow {
  /** 1-based data row number (the CSV header is not a row; blank lines are not rows). */
  readonly row: number;
  /** The row as a record of its columns; built when first asked for (a refresh skips it for unchanged rows). */
  readonly raw: RawRow;
  /** The row's content as text (NDJSON: the line; CSV: the cells), to tell whether it changed since the last sync; '' for a broken row. */
  readonly text: string;
  /** The e-mail cell, as read (CSV reads it without building the record). */
  readonly email: unknown;
}

/** Observers used by the planner: the file's bytes (for its sha256) and the CSV header (a row's text means nothing without it). */
export interface ReadHooks {
  onChunk?: (chunk: Buffer) => void;
  onHeader?: (header: string[]) => void;
}

/** A row longer than this is unusable anyway (Klaviyo's limit is 100 KB per profile); it caps reader memory. */
export const MAX_ROW_BYTES = 1_000_000;
