/**
 * Runs an audience query once and writes its rows as NDJSON lines: in a READ ONLY transaction with a
 * statement timeout, through a server-side cursor (pg-cursor), so memory holds one batch of rows however
 * large the result. The query's columns are the audience fields, checked before the first row is written.
 */
import { Client, type FieldDef } from 'pg';
import Cursor from 'pg-cursor';
import type { PostgresSource } from '../shared';
import { assertValidHeader } from './fields';
import { classifyQueryError } from './postgresErrors';
import { jsonEncoderFor, rawTextTypes, type JsonEncoder } from './postgresTypes';
import { InvalidAudienceError } from './errors';
import { readOnlyQueryProblem, singleStatement } from './readOnlyQuery';

/** Rows per round trip: large enough to amortise it, small enough that memory stays flat. */
const ROWS_PER_READ = 5_000;
const CONNECT_TIMEOUT_MS = 15_000;

export interface QueryExtractOptions {
  connectionString: string;
  queryTimeoutMs: number;
  /** Takes NDJSON lines; the buffer is reused once the returned promise settles. */
  write: (chunk: Buffer) => Promise<unknown>;
  onProgress?: (rows: number) => void;
  signal?: AbortSignal;
}

/** Returns the number of rows written. Throws a classified SyncFailure (see postgresErrors.ts). */
export async function extractQueryRows(source: PostgresSource, opts: QueryExtractOptions): Promise<number> {
  const problem = readOnlyQueryProblem(source.query);
  if (problem) throw new InvalidAudienceError(`the audience ${problem}`);
  const timeout = `${Math.round(opts.queryTimeoutMs / 1000)} s`;
  const classify = (err: unknown) => classifyQueryError(err, { connection: source.connection, connectionString: opts.connectionString, timeout });
  let client: Client | undefined;
  try {
    client = new Client({
      connectionString: opts.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'klaviyo-audience-sync',
      keepAlive: true,
      types: rawTextTypes,
    });
    // Without a listener, a connection dropped between calls would crash the worker; the pending call fails anyway.
    client.on('error', () => undefined);
    await client.connect();
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.round(opts.queryTimeoutMs)}`);
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const cursor = client.query(new Cursor(singleStatement(source.query), [], { rowMode: 'array', types: rawTextTypes }));
    const first = await read(cursor, ROWS_PER_READ);
    const columns = first.fields.map((f) => f.name);
    assertValidHeader(columns, "the query's columns");
    const encoders = first.fields.map((f) => columnEncoder(f));
    const out = new LineBuffer(opts.write);
    let rows = 0;
    for (let batch = first.rows; batch.length > 0; ) {
      opts.signal?.throwIfAborted();
      // PostgreSQL produces the next rows while this batch is written: at most two batches in memory.
      const next = read(cursor, ROWS_PER_READ);
      await out.addBatch(encoders, batch).catch(async (err: unknown) => {
        await next.catch(() => undefined);
        throw err;
      });
      rows += batch.length;
      opts.onProgress?.(rows);
      batch = (await next).rows;
    }
    await cursor.close();
    await client.query('ROLLBACK');
    return rows;
  } catch (err) {
    throw classify(err);
  } finally {
    await client?.end().catch(() => undefined);
  }
}

/** The next rows; the first read also gives the columns (a read after the last row gives none). */
function read(cursor: Cursor<(string | null)[]>, rows: number): Promise<{ rows: (string | null)[][]; fields: FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (err, batch, result) => (err ? reject(err) : resolve({ rows: batch, fields: result?.fields ?? [] })));
  });
}

/** `"name":value` for one column's raw text. */
type ColumnEncoder = (text: string) => string;

function columnEncoder(field: FieldDef): ColumnEncoder {
  const key = `${JSON.stringify(field.name)}:`;
  const value: JsonEncoder = jsonEncoderFor(field.dataTypeID);
  return (text) => key + value(text);
}

/** One JSON object per row; NULL columns are left out, as an empty CSV cell would be. */
function ndjsonLine(columns: ColumnEncoder[], values: (string | null)[]): string {
  let line = '';
  for (let i = 0; i < columns.length; i++) {
    const text = values[i];
    if (text === null || text === undefined) continue;
    line += (line ? ',' : '{') + columns[i]!(text);
  }
  return line ? `${line}}\n` : '{}\n';
}

/**
 * Lines encoded straight into one reused buffer, written out once per batch (or when it fills): a
 * string of a whole batch would cost more in concatenation and garbage collection than the query itself.
 */
class LineBuffer {
  private buffer = Buffer.allocUnsafe(4 << 20);
  private used = 0;

  constructor(private readonly write: (chunk: Buffer) => Promise<unknown>) {}

  async addBatch(columns: ColumnEncoder[], rows: (string | null)[][]): Promise<void> {
    for (const values of rows) {
      const line = ndjsonLine(columns, values);
      // A UTF-16 code unit takes at most 3 bytes in UTF-8.
      const room = line.length * 3;
      if (this.buffer.length - this.used < room) {
        await this.flush();
        if (this.buffer.length < room) this.buffer = Buffer.allocUnsafe(room);
      }
      this.used += this.buffer.write(line, this.used);
    }
    await this.flush();
  }

  private async flush(): Promise<void> {
    if (this.used === 0) return;
    await this.write(this.buffer.subarray(0, this.used));
    this.used = 0;
  }
}
