/**
 * CSV rows, streamed. Papa Parse's core parser (several times faster than csv-parse here) is fed the file
 * chunk by chunk; the incomplete last record of a chunk is carried into the next. Quoted fields may hold
 * commas and newlines; a BOM and CRLF line ends are handled; blank lines are not rows. A row with the wrong
 * number of cells is a broken row (a per-row reject), never a crash; a file whose quoting never closes is a
 * whole-audience error, raised as soon as the open field passes a size no real row has.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import Papa from 'papaparse';
import { CsvRecordGuard } from './csvRecordGuard';
import { InvalidAudienceError, toAudienceError } from './errors';
import { assertValidHeader } from './fields';
import { brokenRow, brokenSourceRow, type RawRow } from './rowModel';
import { MAX_ROW_BYTES, type ReadHooks, type SourceRow } from './sourceTypes';

/** Characters carried past the last complete record before the file is declared broken (an open quote). */
const RUNAWAY_FIELD_CHARS = MAX_ROW_BYTES * 4;
/**
 * Bytes read and parsed at a time. A chunk's rows stay live until the plan is through them: with 64 KiB
 * chunks every minor collection of the plan thread copied them (6.9 s of GC in a 1M plan under 2 MiB
 * semi-spaces, 2.3 s with 16 KiB chunks).
 */
const CHUNK_BYTES = 1 << 14;

interface ParseResult {
  data: string[][];
  errors: { code: string; message: string; row?: number }[];
  meta: { cursor: number };
}

/** The file's rows, a chunk's worth at a time (a row at a time costs the reader and the planner a promise each). */
export async function* readCsvRowBatches(path: string, hooks: ReadHooks = {}): AsyncGenerator<SourceRow[]> {
  const input = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  // Bounds the memory one record may take: an oversized record reaches the parser cut short, and is that
  // row's reject (the rest of the file is read on), never a whole-file failure.
  const guard = new CsvRecordGuard(MAX_ROW_BYTES, path);
  input.on('data', (chunk) => {
    hooks.onChunk?.(chunk as Buffer);
    bytesRead += chunk.length;
  });
  // Errors of either stream surface through the guard's iterator below.
  pipeline(input, guard, () => undefined);
  let record = 0; // non-blank records parsed, the header being 0: the guard's numbering of cut records
  // Twice as fast as StringDecoder, and the same text (invalid bytes too); the header's BOM is dropped below.
  const decoder = new TextDecoder('utf-8', { ignoreBOM: true });
  let parser: Papa.Parser | undefined;
  let carried = '';
  let bytesRead = 0;
  let header: string[] | undefined;
  let layout: CsvLayout | undefined;
  let row = 1;

  function records(text: string, final: boolean): SourceRow[] {
    const aggregate = carried + text;
    parser ??= new Papa.Parser({ delimiter: ',', quoteChar: '"', escapeChar: '"', newline: lineBreakOf(aggregate) });
    const result = parser.parse(aggregate, 0, !final) as ParseResult;
    const unclosed = result.errors.find((e) => e.code === 'MissingQuotes');
    if (final && unclosed) throw new InvalidAudienceError(`audience file ${path} is not valid CSV: Quote Not Closed (${unclosed.message})`);
    const malformed = new Set(result.errors.filter((e) => e.code !== 'MissingQuotes' && e.row !== undefined).map((e) => e.row));
    carried = final ? '' : aggregate.slice(result.meta.cursor);
    if (carried.length > RUNAWAY_FIELD_CHARS) {
      throw new InvalidAudienceError(
        `audience file ${path}: a row starting near byte ${bytesRead - Buffer.byteLength(carried)} runs past ${RUNAWAY_FIELD_CHARS} bytes; is a quote left open?`,
      );
    }
    const { data } = result;
    const out: SourceRow[] = [];
    // Cells are cut from this text: without a NUL in it, no row's cells need checking for one.
    const nulFree = aggregate.indexOf('\u0000') === -1;
    for (let i = 0; i < data.length; i++) {
      const cells = data[i]!;
      if (cells.length === 1 && cells[0] === '') continue; // a blank line
      const oversized = guard.wasCut(record++);
      if (!header) {
        if (oversized) throw new InvalidAudienceError(`audience file ${path}: the CSV header row is longer than ${MAX_ROW_BYTES} bytes; is it a CSV file?`);
        header = cells.map((name, n) => (n === 0 ? name.replace(/^\uFEFF/, '') : name).trim());
        assertValidHeader(header);
        layout = csvLayout(header);
        hooks.onHeader?.(header);
        continue;
      }
      if (oversized) {
        out.push(brokenSourceRow(row++, `row is longer than ${MAX_ROW_BYTES} bytes (a cell that large is not a profile field); the rest of the file was read on`));
      } else {
        out.push(malformed.has(i) ? brokenSourceRow(row++, 'row has a malformed quoted field') : new CsvRow(row++, layout!, cells, nulFree));
      }
    }
    return out;
  }

  try {
    for await (const chunk of guard as AsyncIterable<Buffer>) {
      const rows = records(decoder.decode(chunk, { stream: true }), false);
      if (rows.length > 0) yield rows;
    }
    const rows = records(decoder.decode(), true);
    if (rows.length > 0) yield rows;
  } catch (err) {
    throw toAudienceError(path, err);
  } finally {
    input.destroy();
    guard.destroy();
  }
  if (!header) throw new InvalidAudienceError(`audience file ${path} is empty: it has no header row`);
}

/** What every row of a file shares: its width, where its e-mail is, and how its record is built. */
interface CsvLayout {
  columns: number;
  emailAt: number;
  makeRecord: (cells: string[]) => RawRow;
}

/**
 * The record of a row is built by a function made once per header, returning `{ "<column>": cells[0], … }`:
 * V8 builds an object from a literal of fixed keys about ten times faster than key by key, and reads it
 * faster after. The keys are JSON string literals of checked column names (`__proto__` is computed, so it
 * stays a key); nothing of the cells goes into the code.
 */
function csvLayout(header: string[]): CsvLayout {
  const fields = header.map((name, i) => `${name === '__proto__' ? `[${JSON.stringify(name)}]` : JSON.stringify(name)}: cells[${i}]`);
  const makeRecord = new Function('cells', `return { ${fields.join(', ')} };`) as CsvLayout['makeRecord'];
  return { columns: header.length, emailAt: header.indexOf('email'), makeRecord };
}

/** A record's cells, made a record of columns when first asked for. */
class CsvRow implements SourceRow {
  private record?: RawRow;

  constructor(
    readonly row: number,
    private readonly layout: CsvLayout,
    private readonly cells: string[],
    /** No cell holds a NUL (known from the text they were cut from). */
    private readonly nulFree: boolean,
  ) {}

  get raw(): RawRow {
    const { cells, layout } = this;
    this.record ??=
      cells.length === layout.columns ? layout.makeRecord(cells) : brokenRow(`row has ${cells.length} cells but the header has ${layout.columns} columns`);
    return this.record;
  }

  get text(): string {
    return this.cells.length === this.layout.columns ? cellsText(this.cells, this.nulFree) : '';
  }

  get email(): unknown {
    return this.cells.length === this.layout.columns ? this.cells[this.layout.emailAt] : undefined;
  }
}

/** Cells joined by NUL, several times cheaper than JSON; JSON (which escapes NUL) in the odd row whose cells hold one, so cells never run together. */
function cellsText(cells: string[], nulFree: boolean): string {
  if (nulFree) return cells.join('\u0000');
  for (let i = 0; i < cells.length; i++) if (cells[i]!.includes('\u0000')) return JSON.stringify(cells);
  return cells.join('\u0000');
}

/** The file's line break, from its first one (CRLF or LF). */
function lineBreakOf(text: string): '\r\n' | '\n' {
  const lf = text.indexOf('\n');
  return lf > 0 && text.charCodeAt(lf - 1) === 13 ? '\r\n' : '\n';
}
