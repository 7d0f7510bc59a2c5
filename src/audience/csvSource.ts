/**
 * CSV rows with the byte offset where each ends, so the planner can cut the file into byte ranges and a
 * batch can later re-read exactly its rows. Quoted fields may hold commas and newlines; BOM and CRLF are
 * handled by csv-parse. A row with the wrong number of cells is a broken row (a per-row reject), never a
 * crash; a file whose quoting never closes is a whole-audience error.
 */
import { createReadStream } from 'node:fs';
import { pipeline } from 'node:stream';
import { parse, type Info } from 'csv-parse';
import { InvalidAudienceError, toAudienceError } from './errors';
import { assertValidHeader } from './fields';
import { brokenRow, type RawRow } from './rowModel';
import { checkRange, MAX_ROW_BYTES, type ReadHooks, type RowRange, type SourceRow } from './sourceTypes';

/** Bytes read past the parser's last field boundary before the file is declared broken (an open quote). */
const RUNAWAY_FIELD_BYTES = MAX_ROW_BYTES * 4;

interface ParsedRecord {
  record: Record<string, string>;
  info: Info & { error?: Error; index: number };
}

export async function* readCsvRows(path: string, range?: RowRange, hooks: ReadHooks = {}): AsyncGenerator<SourceRow> {
  if (range) checkRange(range);
  const header = range ? (range.header ?? (await readCsvHeader(path))) : undefined;
  if (range && range.end === range.start) return;
  const base = range?.start ?? 0;
  let sawHeader = Boolean(header);
  let readBytes = base;
  const parser = parse({
    bom: true,
    info: true,
    // Wrong cell counts come through with info.error set, so they become per-row rejects.
    relax_column_count: true,
    // A stray quote inside a field is kept as text instead of failing the whole file.
    relax_quotes: true,
    skip_empty_lines: true,
    columns:
      header ??
      ((names: string[]) => {
        const trimmed = names.map((n) => n.trim());
        assertValidHeader(trimmed);
        sawHeader = true;
        hooks.onHeader?.(trimmed, parser.info.bytes);
        return trimmed;
      }),
  });
  const input = createReadStream(path, range ? { start: range.start, end: range.end - 1 } : {});
  input.on('data', (chunk) => {
    hooks.onChunk?.(chunk as Buffer);
    readBytes += chunk.length;
    // csv-parse's own max_record_size costs a third of its speed; this bounds memory the same way.
    // parser.info.bytes stays at the last field boundary while a field is being read.
    const fieldStart = base + parser.info.bytes;
    if (readBytes - fieldStart > RUNAWAY_FIELD_BYTES) {
      input.destroy(
        new InvalidAudienceError(
          `audience file ${path}: a field starting near byte ${fieldStart} runs past ${RUNAWAY_FIELD_BYTES} bytes; is a quote left open?`,
        ),
      );
    }
  });
  // Errors of either stream surface through the parser's iterator below.
  pipeline(input, parser, () => undefined);
  const columns = header?.length;
  let row = range?.firstRow ?? 1;
  try {
    for await (const { record, info } of parser as AsyncIterable<ParsedRecord>) {
      const raw: RawRow = info.error
        ? brokenRow(`row has ${info.index} cells but the header has ${columns ?? headerLength(parser.options.columns)} columns`)
        : record;
      yield { row: row++, raw, endOffset: base + info.bytes };
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
