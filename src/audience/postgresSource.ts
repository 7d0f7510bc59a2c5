/**
 * Runs an audience query once and writes its rows as NDJSON lines: in a READ ONLY transaction with a
 * statement timeout, as `COPY (query) TO STDOUT`, so PostgreSQL streams the rows as text lines that are
 * encoded byte for byte (copyText.ts) rather than parsed into a string per value, and memory holds a
 * chunk at a time however large the result. The query's columns are the audience fields: PostgreSQL
 * describes them (without running the query) and they are checked before the first row is read.
 */
import { Client, type Connection, type FieldDef, type Submittable } from 'pg';
import { to as copyTo } from 'pg-copy-streams';
import type { PostgresSource } from '../shared';
import { assertValidHeader } from './fields';
import { classifyQueryError } from './postgresErrors';
import { CopyTextEncoder } from './copyText';
import { InvalidAudienceError } from './errors';
import { readOnlyQueryProblem, singleStatement } from './readOnlyQuery';

/** Encoded lines are written out in pieces of about this size. */
const WRITE_BYTES = 1 << 20;
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
  let detach = () => {};
  try {
    client = new Client({
      connectionString: opts.connectionString,
      connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
      application_name: 'klaviyo-audience-sync',
      keepAlive: true,
      // Whatever the database's encoding, text arrives as UTF-8 (which is how it is decoded).
      client_encoding: 'UTF8',
    });
    // Without a listener, a connection dropped between calls would crash the worker; the pending call fails anyway.
    client.on('error', () => undefined);
    await client.connect();
    await client.query('BEGIN READ ONLY');
    await client.query(`SET LOCAL statement_timeout = ${Math.round(opts.queryTimeoutMs)}`);
    // The type mapping reads values as PostgreSQL prints them in these settings, whatever the server's defaults.
    await client.query("SET LOCAL TimeZone = 'UTC'; SET LOCAL DateStyle = 'ISO, YMD'; SET LOCAL IntervalStyle = 'postgres'");
    const statement = singleStatement(source.query);
    const fields = await describeColumns(client, statement);
    assertValidHeader(
      fields.map((f) => f.name),
      "the query's columns",
    );
    // Only SQL_ASCII databases hold bytes PostgreSQL has not checked to be valid in their encoding.
    const encoding = await client.query<{ server_encoding: string }>('SHOW server_encoding');
    const encoder = new CopyTextEncoder(
      fields.map((f) => ({ name: f.name, typeId: f.dataTypeID })),
      encoding.rows[0]?.server_encoding !== 'SQL_ASCII',
    );
    // One statement, so one snapshot of the data; the newline ends a trailing -- comment.
    const copy = client.query(copyTo(`COPY (${statement}\n) TO STDOUT`));
    // Stops at once, even while PostgreSQL has sent nothing for a while.
    const stop = () => copy.destroy(opts.signal?.reason as Error);
    opts.signal?.addEventListener('abort', stop, { once: true });
    detach = () => opts.signal?.removeEventListener('abort', stop);
    for await (const chunk of copy as AsyncIterable<Buffer>) {
      opts.signal?.throwIfAborted();
      encoder.add(chunk);
      if (encoder.pendingBytes >= WRITE_BYTES) {
        await opts.write(encoder.take());
        opts.onProgress?.(encoder.rows);
      }
    }
    encoder.finish();
    if (encoder.pendingBytes > 0) await opts.write(encoder.take());
    opts.onProgress?.(encoder.rows);
    await client.query('ROLLBACK');
    return encoder.rows;
  } catch (err) {
    throw classify(err);
  } finally {
    detach();
    await client?.end().catch(() => undefined);
  }
}

/** The columns `statement` returns, from PostgreSQL's Describe: parsed, not run. */
function describeColumns(client: Client, statement: string): Promise<FieldDef[]> {
  return new Promise((resolve, reject) => {
    let fields: FieldDef[] = [];
    let settled = false;
    const describe: Submittable & Record<string, unknown> = {
      submit(connection: Connection) {
        connection.parse({ name: '', text: statement, types: [] }, true);
        connection.describe({ type: 'S', name: '' }, true);
        connection.sync();
      },
      handleRowDescription(msg: { fields: FieldDef[] }) {
        fields = msg.fields;
      },
      handleError(err: Error) {
        if (!settled) reject(err);
        settled = true;
      },
      handleReadyForQuery() {
        if (!settled) resolve(fields);
        settled = true;
      },
    };
    client.query(describe);
  });
}
