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
import { audienceQueryTypes } from './postgresTypes';
import { InvalidAudienceError } from './errors';
import { readOnlyQueryProblem, singleStatement } from './readOnlyQuery';

/** Rows per round trip: large enough to amortise it, small enough that memory stays flat. */
const ROWS_PER_READ = 5_000;
const CONNECT_TIMEOUT_MS = 15_000;

export interface QueryExtractOptions {
  connectionString: string;
  queryTimeoutMs: number;
  /** Takes a batch of NDJSON lines; awaited before the next batch is read. */
  write: (lines: string) => Promise<unknown>;
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
      types: audienceQueryTypes,
    });
    // Without a listener, a connection dropped between calls would crash the worker; the pending call fails anyway.
    client.on('error', () => undefined);
    await client.connect();
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.round(opts.queryTimeoutMs)}`);
    await client.query("SET LOCAL TimeZone = 'UTC'");
    const cursor = client.query(new Cursor(singleStatement(source.query), [], { rowMode: 'array', types: audienceQueryTypes }));
    let columns: string[] | undefined;
    let rows = 0;
    for (;;) {
      opts.signal?.throwIfAborted();
      const batch = await read(cursor, ROWS_PER_READ);
      if (!columns) {
        columns = batch.fields.map((f) => f.name);
        assertValidHeader(columns, "the query's columns");
      }
      if (batch.rows.length === 0) break;
      await opts.write(ndjsonLines(columns, batch.rows));
      rows += batch.rows.length;
      opts.onProgress?.(rows);
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
function read(cursor: Cursor<unknown[]>, rows: number): Promise<{ rows: unknown[][]; fields: FieldDef[] }> {
  return new Promise((resolve, reject) => {
    cursor.read(rows, (err, batch, result) => (err ? reject(err) : resolve({ rows: batch, fields: result?.fields ?? [] })));
  });
}

/** One JSON object per row; NULL columns are left out, as an empty CSV cell would be. */
function ndjsonLines(columns: string[], rows: unknown[][]): string {
  let text = '';
  for (const values of rows) {
    const row: Record<string, unknown> = {};
    for (let i = 0; i < columns.length; i++) {
      const value = values[i];
      if (value !== null && value !== undefined) row[columns[i]!] = value;
    }
    text += `${JSON.stringify(row)}\n`;
  }
  return text;
}
