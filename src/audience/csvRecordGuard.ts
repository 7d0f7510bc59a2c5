/**
 * Sits between the file and csv-parse and bounds the memory one CSV record may take. It follows the
 * quoting exactly as csv-parse reads it here (a quote opens a field only at the field's start; `""` inside
 * quotes is a quote; relax_quotes keeps other quotes as text), and when a record grows past the limit it
 * stops passing the record's bytes on until the record ends, then closes it (a closing quote if the cut
 * fell inside quotes, then the file's own line break). The parser thus sees a short record the reader
 * reports as an oversized row (a reject), and the byte offsets of later rows are mapped back to the file's.
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

interface Cut {
  /** Output offset where the record resumed (after any closing quote the guard added). */
  outAt: number;
  /** Input offset minus output offset from there on. */
  delta: number;
}

export class CsvRecordGuard extends Transform {
  private inQuotes = false;
  /** A quote seen inside quotes: the next byte says whether it was `""` or the closing quote. */
  private quotePending = false;
  private atFieldStart = true;
  private recordBytes = 0;
  private cutting = false;
  private cutInQuotes = false;
  private quoteOpenedAt = 0;
  private inPos: number;
  private outPos = 0;
  private readonly cuts: Cut[] = [];
  private nextCut = 0;
  private delta: number;

  /** `start`: the file offset the stream begins at (a batch's range), always a record boundary. */
  constructor(
    private readonly maxRecordBytes: number,
    private readonly path: string,
    start = 0,
  ) {
    super();
    this.inPos = start;
    this.delta = start;
  }

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    let from = 0; // first byte of this chunk not yet passed on or skipped
    // csv-parse drops a BOM before looking for an opening quote: so does the guard.
    const first = this.inPos === 0 && chunk[0] === 0xef && chunk[1] === 0xbb && chunk[2] === 0xbf ? 3 : 0;
    for (let i = first; i < chunk.length; i++) {
      const b = chunk[i]!;
      if (!this.cutting && this.recordBytes >= this.maxRecordBytes && !this.quotePending) {
        this.pass(chunk.subarray(from, i));
        this.cutting = true;
        this.cutInQuotes = this.inQuotes;
      }
      if (this.inQuotes) {
        if (this.quotePending) {
          this.quotePending = false;
          if (b === QUOTE) {
            this.recordBytes++;
            continue;
          }
          this.inQuotes = false; // it was the closing quote: b is read as outside quotes
        } else {
          if (b === QUOTE) this.quotePending = true;
          this.recordBytes++;
          continue;
        }
      }
      if (b === LF || b === CR) {
        if (this.cutting) {
          this.endCut(this.inPos + i);
          from = i;
        }
        this.recordBytes = 0;
        this.atFieldStart = true;
        continue;
      }
      if (b === QUOTE && this.atFieldStart) {
        this.inQuotes = true;
        this.quoteOpenedAt = this.inPos + i;
      }
      this.atFieldStart = b === COMMA;
      this.recordBytes++;
    }
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
    if (this.cutting) this.endCut(this.inPos);
    done();
  }

  /** The file offset for an output offset the parser reports at a record's end; `oversized` for the record the guard cut. */
  mapRecordEnd(outEnd: number): { fileOffset: number; oversized: boolean } {
    let oversized = false;
    while (this.nextCut < this.cuts.length && this.cuts[this.nextCut]!.outAt <= outEnd) {
      this.delta = this.cuts[this.nextCut++]!.delta;
      oversized = true;
    }
    return { fileOffset: outEnd + this.delta, oversized };
  }

  /** Whether the record ending at output offset `outEnd` (the header, before any row was mapped) was cut. */
  wasCut(outEnd: number): boolean {
    return this.cuts.length > this.nextCut && this.cuts[this.nextCut]!.outAt <= outEnd;
  }

  private endCut(inAt: number): void {
    if (this.cutInQuotes) this.pass(CLOSE_QUOTE);
    this.cuts.push({ outAt: this.outPos, delta: inAt - this.outPos });
    this.cutting = false;
  }

  private pass(bytes: Buffer): void {
    if (bytes.length === 0) return;
    this.outPos += bytes.length;
    this.push(bytes);
  }
}
