/**
 * Sits between the file and the CSV parser and bounds the memory one CSV record may take. It follows the
 * quoting as the parser reads it (a quote opens a field only at the field's start; `""` inside quotes is a
 * quote; other quotes are text), and when a record grows past the limit it stops passing the record's bytes
 * on until the record ends, then closes it (a closing quote if the cut fell inside quotes, then the file's
 * own line break). The parser thus sees a short record, which the reader asks about by its number among
 * the file's non-blank records (wasCut) and reports as an oversized row (a reject).
 *
 * Only a quote that never closes reaches the end of the file while a record is being skipped: that, and
 * only that, is reported as a quote left open, with the byte where it opened.
 */
import { Transform, type TransformCallback } from 'node:stream';
import { InvalidAudienceError } from './errors';

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const CLOSE_QUOTE = Buffer.from('"');

export class CsvRecordGuard extends Transform {
  private inQuotes = false;
  /** A quote seen inside quotes: the next byte says whether it was `""` or the closing quote. */
  private quotePending = false;
  private atFieldStart = true;
  private recordBytes = 0;
  private cutting = false;
  private cutInQuotes = false;
  private quoteOpenedAt = 0;
  private inPos = 0;
  /** Non-blank records ended so far: the number of the record being read. */
  private records = 0;
  private readonly cutRecords = new Set<number>();

  constructor(
    private readonly maxRecordBytes: number,
    private readonly path: string,
    /** false: look at every byte (the reference the skipping is tested against). */
    private readonly skipPlainBytes = true,
  ) {
    super();
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let from = 0; // first byte of this chunk not yet passed on or skipped
    // csv-parse drops a BOM before looking for an opening quote: so does the guard.
    const first = this.inPos === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    // The state in locals for the loop (several times faster than fields, byte by byte), stored back after.
    let { inQuotes, quotePending, atFieldStart, recordBytes } = this;
    const max = this.maxRecordBytes;
    // Where the next quote, LF and CR are (found natively, as needed): the bytes before them change nothing
    // but the counts, so they are skipped in one step rather than looked at one by one.
    let nextQuote = -1;
    let nextLf = -1;
    let nextCr = -1;
    const next = (byte: number, from: number) => {
      const at = chunk.indexOf(byte, from);
      return at < 0 ? chunk.length : at;
    };
    for (let i = first; i < chunk.length; i++) {
      if (this.skipPlainBytes && !this.cutting && !quotePending) {
        if (nextQuote < i) nextQuote = next(QUOTE, i);
        // Inside quotes only a quote matters; outside, a quote, LF or CR (a comma only for the byte after it).
        let stop = nextQuote;
        if (!inQuotes) {
          if (nextLf < i) nextLf = next(LF, i);
          if (nextCr < i) nextCr = next(CR, i);
          stop = Math.min(stop, nextLf, nextCr);
        }
        // Skipped only while the record stays under the limit: the byte loop below cuts it at the right byte.
        if (stop > i && recordBytes + (stop - i) < max) {
          if (!inQuotes) atFieldStart = chunk[stop - 1] === COMMA;
          recordBytes += stop - i;
          i = stop;
          if (i === chunk.length) break;
        }
      }
      const b = chunk[i]!;
      if (!this.cutting && recordBytes >= max && !quotePending) {
        this.pass(chunk.subarray(from, i));
        this.cutting = true;
        this.cutInQuotes = inQuotes;
      }
      if (inQuotes) {
        if (quotePending) {
          quotePending = false;
          if (b === QUOTE) {
            recordBytes++;
            continue;
          }
          inQuotes = false; // it was the closing quote: b is read as outside quotes
        } else {
          if (b === QUOTE) quotePending = true;
          recordBytes++;
          continue;
        }
      }
      if (b === LF || b === CR) {
        if (this.cutting) {
          this.endCut();
          from = i;
        }
        if (recordBytes > 0) this.records++;
        recordBytes = 0;
        atFieldStart = true;
        continue;
      }
      if (b === QUOTE && atFieldStart) {
        inQuotes = true;
        this.quoteOpenedAt = this.inPos + i;
      }
      atFieldStart = b === COMMA;
      recordBytes++;
    }
    [this.inQuotes, this.quotePending, this.atFieldStart, this.recordBytes] = [inQuotes, quotePending, atFieldStart, recordBytes];
    if (!this.cutting) this.pass(chunk.subarray(from));
    this.inPos += chunk.length;
    done();
  }

  override _flush(done: TransformCallback): void {
    if (this.cutting && this.inQuotes && !this.quotePending) {
      done(
        new InvalidAudienceError(
          `audience file ${this.path}: the quoted field opened at byte ${this.quoteOpenedAt} never closes; is a quote left open?`,
        ),
      );
      return;
    }
    if (this.cutting) this.endCut();
    done();
  }

  /** Whether the guard cut the record numbered `record` among the file's non-blank records (the header is 0). */
  wasCut(record: number): boolean {
    return this.cutRecords.delete(record);
  }

  private endCut(): void {
    if (this.cutInQuotes) this.pass(CLOSE_QUOTE);
    this.cutRecords.add(this.records);
    this.cutting = false;
  }

  private pass(bytes: Buffer): void {
    if (bytes.length > 0) this.push(bytes);
  }
}
