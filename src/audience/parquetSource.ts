/**
 * A Parquet file (what Snowflake, BigQuery, Redshift and Databricks unload to) -> NDJSON lines, with DuckDB:
 * its COPY streams row groups from the Parquet file to the JSON file inside DuckDB, so memory stays flat
 * and no row passes through JavaScript. Columns are checked first, as a CSV header is; timestamps become
 * ISO-8601 in UTC (a timestamp without time zone is read as UTC), decimals numbers, structs, maps and
 * JSON columns objects.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { InvalidAudienceError } from './errors';
import { assertValidHeader } from './fields';
import { statAudience } from './fingerprint';

interface ParquetColumn {
  name: string;
  type: string;
}

const ISO_FORMAT = "'%Y-%m-%dT%H:%M:%S.%gZ'";

/** Writes every row of the Parquet file at `path` to `out` (which must not exist) and returns the row count. */
export async function extractParquetRows(path: string, out: string): Promise<number> {
  return withParquet(path, async (connection, file, columns) => {
    await connection.run("SET TimeZone = 'UTC'");
    const select = columns.map((c) => `${valueOf(c)} AS ${identifier(c.name)}`).join(', ');
    const copied = await connection.run(`COPY (SELECT ${select} FROM ${file}) TO ${literal(out)} (FORMAT json)`);
    return copied.rowsChanged;
  });
}

/** The CLI's check before a run starts: the file is Parquet and its columns are audience fields. */
export async function checkParquetColumns(path: string): Promise<void> {
  await withParquet(path, async () => undefined);
}

/** Opens the file in a DuckDB instance of its own (nothing shared between runs, memory returned at the end) after checking its columns. */
async function withParquet<T>(path: string, use: (connection: DuckDBConnection, file: string, columns: ParquetColumn[]) => Promise<T>): Promise<T> {
  await statAudience(path);
  // Loaded on first use: DuckDB's library adds ~25 MiB to every worker's resident memory, Parquet or not.
  const { DuckDBInstance } = await import('@duckdb/node-api');
  const instance = await DuckDBInstance.create(':memory:', { threads: '2', memory_limit: '1GB' });
  const connection = await instance.connect();
  try {
    const file = `read_parquet(${literal(path)})`;
    const columns = await describe(connection, file, path);
    assertValidHeader(
      columns.map((c) => c.name),
      "the Parquet file's columns",
    );
    return await use(connection, file, columns);
  } catch (err) {
    if (err instanceof InvalidAudienceError) throw err;
    throw new InvalidAudienceError(`audience file ${path} could not be read as Parquet: ${firstLine(err)}`);
  } finally {
    connection.closeSync();
    instance.closeSync();
  }
}

async function describe(connection: DuckDBConnection, file: string, path: string): Promise<ParquetColumn[]> {
  try {
    const result = await connection.runAndReadAll(`DESCRIBE SELECT * FROM ${file}`);
    return result.getRowObjectsJson().map((r) => ({ name: String(r.column_name), type: String(r.column_type) }));
  } catch (err) {
    throw new InvalidAudienceError(`audience file ${path} is not a readable Parquet file: ${firstLine(err)}`);
  }
}

/** The column as the audience wants it; DuckDB's JSON writer already renders the other types well. */
function valueOf(column: ParquetColumn): string {
  const col = identifier(column.name);
  if (column.type === 'TIMESTAMP WITH TIME ZONE') return `strftime(timezone('UTC', ${col}), ${ISO_FORMAT})`;
  if (/^TIMESTAMP(_S|_MS|_NS)?$/.test(column.type)) return `strftime(CAST(${col} AS TIMESTAMP), ${ISO_FORMAT})`;
  if (column.type.startsWith('DECIMAL')) return `CAST(${col} AS DOUBLE)`;
  return col;
}

function identifier(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

function literal(text: string): string {
  return `'${text.replace(/'/g, "''")}'`;
}

function firstLine(err: unknown): string {
  return String((err as Error)?.message ?? err).split('\n')[0]!.trim();
}
