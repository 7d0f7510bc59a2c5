/**
 * CSV rows with the byte offset where each ends, so the planner can cut the file into byte ranges and a
 * batch can later re-read exactly its rows. Quoted fields may hold commas and newlines; BOM and CRLF are
 * handled by csv-parse. A row with the wrong number of cells is a broken row (a per-row reject), never a
 * crash; a file whose quoting never closes is a whole-audience error.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { CsvRecordGuard } from './csvRecordGuard';
import { InvalidAudienceError, toAudienceError } from './errors';
import { assertValidHeader } from './fields';
import { brokenRow, type RawRow } from './rowModel';
import { checkRange, MAX_ROW_BYTES, type ReadHooks, type RowRange, type SourceRow } from './sourceTypes';

interface ParsedRecord {
  record: Record<string, string>;
  info: Info & { error?: Error; index: number };
}

export async function* readCsvRows(path: string, range?: RowRange, hooks: ReadHooks = {}): AsyncGenerator<SourceRow> {
  if (range) checkRange(range);
  const header = range ? (range.header ?? (await readCsvHeader(path))) : undefined;
  if (range && range.end === range.start) return;
  let sawHeader = Boolean(header);
  // csv-parse's own max_record_size costs a third of its speed and fails the whole file; the guard bounds
  // memory the same way and turns an oversized row into that row's reject.
  const guard = new CsvRecordGuard(MAX_ROW_BYTES, path, range?.start ?? 0);
  const parser = parse({
    bom: true,
    info: true,
    // Wrong cell counts come through with info.error set, so they become per-row rejects.
    relax_column_count: true,
    // A stray quote inside a field is kept as text instead of failing the whole file.
    relax_quotes: true,
    skip_empty_lines: true,
    // Fixed, not discovered: discovery looks at the first line break of what it reads, so a batch's range
    // could split a file of mixed line breaks differently than the whole-file read that planned it.
    record_delimiter: ['\r\n', '\n', '\r'],
    columns:
      header ??
      ((names: string[]) => {
        if (guard.wasCut(parser.info.bytes)) {
          throw new InvalidAudienceError(`audience file ${path}: the CSV header row is longer than ${MAX_ROW_BYTES} bytes; is it a CSV file?`);
        }
        const trimmed = names.map((n) => n.trim());
        assertValidHeader(trimmed);
        sawHeader = true;
        hooks.onHeader?.(trimmed, parser.info.bytes);
        return trimmed;
      }),
  });
  const input = createReadStream(path, range ? { start: range.start, end: range.end - 1 } : {});
  if (hooks.onChunk) input.on('data', (chunk) => hooks.onChunk!(chunk as Buffer));
  // Errors of any stream surface through the parser's iterator below.
  pipeline(input, guard, parser, () => undefined);
  const columns = header?.length;
  let row = range?.firstRow ?? 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      const { fileOffset, oversized } = guard.mapRecordEnd(info.bytes);
      const raw: RawRow = oversized
        ? brokenRow(`row is longer than ${MAX_ROW_BYTES} bytes (a cell that large is not a profile field); the rest of the file was read on`)
        : info.error
          ? brokenRow(`row has ${info.index} cells but the header has ${columns ?? headerLength(parser.options.columns)} columns`)
          : record;
      yield { row: row++, raw, endOffset: fileOffset };
    }
  } catch (err) {
    throw toAudienceError(path, err);
  }
  if (!sawHeader) throw new InvalidAudienceError(`audience file ${path} is empty: it has no header row`);
}

function headerLength(columns: unknown): number | string {
  return Array.isArray(columns) ? columns.length : '?';
}

/** The header alone, for a range read without the plan's header. */
export async function readCsvHeader(path: string): Promise<string[]> {
  let header: string[] | undefined;
  for await (const _ of readCsvRows(path, undefined, { onHeader: (h) => (header = h) })) break;
  if (!header) throw new InvalidAudienceError(`audience file ${path} is empty: it has no header row`);
  return header;
}
