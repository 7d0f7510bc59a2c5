/**
 * NDJSON rows (one JSON object per line). Lines are split on \n over raw bytes, so a multi-byte character
 * is never cut; a trailing \r (CRLF) and a leading BOM are dropped; blank lines are not rows. A line that is not a JSON object is a broken row (a
 * per-row reject); a key that is not a known field is an error for the whole audience.
 */
import { createReadStream } from 'node:fs';
import { toAudienceError } from './errors';
import { assertKnownColumns } from './fields';
import { brokenRow, brokenSourceRow, type RawRow } from './rowModel';
import { MAX_ROW_BYTES, type ReadHooks, type SourceRow } from './sourceTypes';

const NEWLINE = 0x0a;

/** The file's rows, a chunk's worth at a time (a row at a time costs the reader and the planner a promise each). */
export async function* readNdjsonRowBatches(path: string, hooks: ReadHooks = {}): AsyncGenerator<SourceRow[]> {
  const input = createReadStream(path, { highWaterMark: 1 << 16 });
  let row = 1;
  let offset = 0; // offset of the current chunk's first byte
  let lineStart = offset;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversized = false;
  const lineAt = (endOffset: number, tail: Buffer): SourceRow | undefined => {
    const text = oversized ? undefined : lineText(carry.length ? Buffer.concat([...carry, tail]) : tail, lineStart === 0);
    const wasOversized = oversized;
    carry = [];
    carryBytes = 0;
    oversized = false;
    lineStart = endOffset;
    if (wasOversized) return brokenSourceRow(row++, `line is longer than ${MAX_ROW_BYTES} bytes`);
    return text === undefined ? undefined : new NdjsonRow(row++, text);
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      hooks.onChunk?.(chunk);
      let from = 0;
      const rows: SourceRow[] = [];
      for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
        const line = lineAt(offset + nl + 1, chunk.subarray(from, nl));
        if (line) rows.push(line);
        from = nl + 1;
      }
      if (from < chunk.length) keep(chunk.subarray(from));
      offset += chunk.length;
      if (rows.length > 0) yield rows;
    }
  } catch (err) {
    throw toAudienceError(path, err);
  }
  if (carryBytes > 0 || oversized) {
    const line = lineAt(offset, Buffer.alloc(0));
    if (line) yield [line];
  }

  function keep(part: Buffer): void {
    if (oversized) return;
    carryBytes += part.length;
    // Bounded memory: past the limit the rest of the line is skipped and the row reported as broken.
    if (carryBytes > MAX_ROW_BYTES) {
      oversized = true;
      carry = [];
    } else {
      carry.push(Buffer.from(part)); // copy: the stream may reuse its chunk
    }
  }
}

/** The line's text; undefined for a blank line (not a row). */
function lineText(bytes: Buffer, atFileStart: boolean): string | undefined {
  let line = bytes.toString('utf8');
  if (atFileStart && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  if (line.endsWith('\r')) line = line.slice(0, -1);
  return line.trim() === '' ? undefined : line;
}

/** A line, parsed when its record is first asked for. */
class NdjsonRow implements SourceRow {
  private parsed?: RawRow;

  constructor(
    readonly row: number,
    readonly text: string,
  ) {}

  get raw(): RawRow {
    this.parsed ??= parseLine(this.text, this.row);
    return this.parsed;
  }

  get email(): unknown {
    return this.raw.email;
  }
}

function parseLine(line: string, row: number): RawRow {
  let value: unknown;
  try {
    value = JSON.parse(line);
  } catch (err) {
    return brokenRow(`line is not valid JSON${whereJsonBroke(err)}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    return brokenRow('line must be a JSON object such as {"email":"ana@example.com"}');
  }
  assertKnownColumns(Object.keys(value), `a key on data row ${row}`);
  return value as RawRow;
}

/** Where JSON.parse gave up, without its quote of the line (which could be anything, a key included). */
function whereJsonBroke(err: unknown): string {
  const message = (err as Error).message ?? '';
  const position = /position (\d+)/.exec(message);
  if (position) return ` (at character ${Number(position[1]) + 1})`;
  if (/end of JSON input/i.test(message)) return ' (it ends too early)';
  return '';
}
