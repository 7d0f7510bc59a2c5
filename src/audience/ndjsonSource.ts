/**
 * NDJSON rows (one JSON object per line) with the byte offset where each ends. Lines are split on \n
 * over raw bytes, so offsets are exact whatever the text encoding; a trailing \r (CRLF) and a leading
 * BOM are dropped; blank lines are not rows. A line that is not a JSON object is a broken row (a
 * per-row reject); a key that is not a known field is an error for the whole audience.
 */
import { createReadStream } from 'node:fs';
import { toAudienceError } from './errors';
import { assertKnownColumns } from './fields';
import { brokenRow, type RawRow } from './rowModel';
import { checkRange, MAX_ROW_BYTES, type ReadHooks, type RowRange, type SourceRow } from './sourceTypes';

const NEWLINE = 0x0a;

export async function* readNdjsonRows(path: string, range?: RowRange, hooks: ReadHooks = {}): AsyncGenerator<SourceRow> {
  if (range) checkRange(range);
  if (range && range.end === range.start) return;
  const input = createReadStream(path, range ? { start: range.start, end: range.end - 1 } : {});
  let row = range?.firstRow ?? 1;
  let offset = range?.start ?? 0; // absolute offset of the current chunk's first byte
  let lineStart = offset;
  let carry: Buffer[] = [];
  let carryBytes = 0;
  let oversized = false;
  const lineAt = (endOffset: number, tail: Buffer): SourceRow | undefined => {
    const raw = oversized
      ? brokenRow(`line is longer than ${MAX_ROW_BYTES} bytes`)
      : parseLine(carry.length ? Buffer.concat([...carry, tail]) : tail, lineStart === 0, row);
    carry = [];
    carryBytes = 0;
    oversized = false;
    lineStart = endOffset;
    return raw === undefined ? undefined : { row: row++, raw, endOffset };
  };
  try {
    for await (const chunk of input as AsyncIterable<Buffer>) {
      hooks.onChunk?.(chunk);
      let from = 0;
      for (let nl = chunk.indexOf(NEWLINE, from); nl !== -1; nl = chunk.indexOf(NEWLINE, from)) {
        const line = lineAt(offset + nl + 1, chunk.subarray(from, nl));
        if (line) yield line;
        from = nl + 1;
      }
      if (from < chunk.length) keep(chunk.subarray(from));
      offset += chunk.length;
    }
  } catch (err) {
    throw toAudienceError(path, err);
  }
  if (carryBytes > 0 || oversized) {
    const line = lineAt(offset, Buffer.alloc(0));
    if (line) yield line;
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

/** undefined for a blank line (not a row). */
function parseLine(bytes: Buffer, atFileStart: boolean, row: number): RawRow | undefined {
  let line = bytes.toString('utf8');
  if (atFileStart && line.charCodeAt(0) === 0xfeff) line = line.slice(1);
  if (line.trim() === '') return undefined;
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
