/**
 * Cuts the stream of rows into batches by byte range. A batch closes before a valid row that would
 * take it past maxProfiles valid rows or maxBytes of serialized profiles; invalid rows never start a
 * batch, so each belongs to the batch whose byte range contains it (and is reported by that batch).
 */
import type { RowRange } from './sourceTypes';

export interface BatchRange extends RowRange {
  index: number;
  /** Rows in the range, valid and invalid. */
  rows: number;
}

export interface BatchLimits {
  maxProfiles: number;
  maxBytes: number;
}

/** Klaviyo's bulk import takes at most 10,000 profiles per job. */
export const DEFAULT_MAX_PROFILES = 10_000;
/** Of serialized profiles; Klaviyo's limit is 5 MB for the whole request, so this leaves room for the envelope. */
export const DEFAULT_MAX_BYTES = 4_500_000;

export class BatchCutter {
  readonly batches: BatchRange[] = [];
  private start: number;
  private firstRow = 0;
  private rows = 0;
  private validRows = 0;
  private bytes = 0;
  private lastEnd: number;

  constructor(
    start: number,
    private readonly limits: BatchLimits,
  ) {
    this.start = start;
    this.lastEnd = start;
  }

  /** validBytes: the row's serialized profile size, or undefined for an invalid row. */
  add(row: number, endOffset: number, validBytes?: number): void {
    if (validBytes !== undefined) {
      const size = validBytes + 1; // + the comma between profiles
      const full = this.validRows + 1 > this.limits.maxProfiles || this.bytes + size > this.limits.maxBytes;
      if (full && this.validRows > 0) this.close();
      this.validRows++;
      this.bytes += size;
    }
    if (this.rows === 0) this.firstRow = row;
    this.rows++;
    this.lastEnd = endOffset;
  }

  finish(): BatchRange[] {
    if (this.rows > 0) this.close();
    return this.batches;
  }

  private close(): void {
    this.batches.push({ index: this.batches.length, start: this.start, end: this.lastEnd, firstRow: this.firstRow, rows: this.rows });
    this.start = this.lastEnd;
    this.rows = 0;
    this.validRows = 0;
    this.bytes = 0;
  }
}
