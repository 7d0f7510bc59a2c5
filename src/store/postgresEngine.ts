/**
 * PostgreSQL, for several workers on several machines sharing one store. Bulk inserts send whole chunks in
 * one statement (arrays through unnest(), or a multi-row VALUES): one round trip per chunk, not per row.
 */
import pg from 'pg';
import type { BulkInsert, SqlEngine, SqlRow, SqlValue } from './engine';

type Handle = Omit<SqlEngine, 'transaction' | 'close'>;
type Queryable = Pick<pg.Pool, 'query'>;

const INT8_OID = 20;
/** PostgreSQL's limit on a statement's parameters. */
const MAX_PARAMETERS = 65_535;
/** Every bigint as a BigInt (hashes use all 64 bits), like the SQLite engine. */
const types = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === INT8_OID ? (v: string) => BigInt(v) : pg.types.getTypeParser(oid, format as 'text')) as typeof pg.types.getTypeParser,
};

/**
 * How long opening a connection may take before it fails. Without it, a host that accepts the connection and
 * never answers (a firewall, a proxy, a stalled server) holds the worker's start or the console's page
 * forever. It is the client's own timeout, not the pool's: the pool's would also fail a query that waits
 * longer for a free connection while others run long transactions (a fold).
 */
export const DEFAULT_CONNECT_TIMEOUT_MS = 30_000;

function clientWithConnectTimeout(connectTimeoutMs: number): typeof pg.Client {
  return class extends pg.Client {
    constructor(config?: pg.ClientConfig) {
      super({ ...config, connectionTimeoutMillis: connectTimeoutMs });
    }
  };
}

export class PostgresEngine implements SqlEngine {
  readonly engine = 'postgres' as const;
  readonly location: string;
  private readonly pool: pg.Pool;

  constructor(url: string, connectTimeoutMs = DEFAULT_CONNECT_TIMEOUT_MS) {
    this.pool = new pg.Pool({ connectionString: url, max: 4, types, Client: clientWithConnectTimeout(connectTimeoutMs) });
    // An idle client's error (server restart) must not crash the worker; the next query reconnects.
    this.pool.on('error', () => undefined);
    this.location = redact(url);
  }

  private handle(db: Queryable): Handle {
    return {
      engine: 'postgres',
      location: this.location,
      all: async (sql, params = []) => (await db.query(numbered(sql), params)).rows as SqlRow[],
      run: async (sql, params = []) => (await db.query(numbered(sql), params)).rowCount ?? 0,
      insert: async (spec, rows) => {
        if (rows.length === 0) return;
        if (spec.longText) return insertValues(db, spec, rows);
        const arrays = spec.columns.map((_, i) => rows.map((r) => r[i] ?? null));
        const names = spec.columns.map(([name]) => name).join(', ');
        const unnest = spec.columns.map(([, type], i) => `$${i + 1}::${type}[]`).join(', ');
        await db.query(`INSERT INTO ${spec.table} (${names}) SELECT * FROM unnest(${unnest}) ${spec.onConflict ?? ''}`, arrays);
      },
    };
  }

  all(sql: string, params?: SqlValue[]): Promise<SqlRow[]> {
    return this.handle(this.pool).all(sql, params);
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.handle(this.pool).run(sql, params);
  }

  insert(spec: BulkInsert, rows: SqlValue[][]): Promise<void> {
    return this.handle(this.pool).insert(spec, rows);
  }

  async transaction<T>(fn: (tx: Handle) => Promise<T>): Promise<T> {
    const client = await this.pool.connect();
    try {
      await client.query('BEGIN');
      const result = await fn(this.handle(client));
      await client.query('COMMIT');
      return result;
    } catch (err) {
      await client.query('ROLLBACK').catch(() => undefined);
      throw err;
    } finally {
      client.release();
    }
  }

  async close(): Promise<void> {
    await this.pool.end();
  }
}

/** A multi-row INSERT ... VALUES, split where it would pass PostgreSQL's limit on parameters. */
async function insertValues(db: Queryable, spec: BulkInsert, rows: SqlValue[][]): Promise<void> {
  const width = spec.columns.length;
  const perStatement = Math.floor(MAX_PARAMETERS / width);
  const names = spec.columns.map(([name]) => name).join(', ');
  for (let start = 0; start < rows.length; start += perStatement) {
    const chunk = rows.slice(start, start + perStatement);
    const tuples = chunk.map((_, r) => `(${spec.columns.map(([, type], c) => `$${r * width + c + 1}::${type}`).join(', ')})`);
    await db.query(`INSERT INTO ${spec.table} (${names}) VALUES ${tuples.join(', ')} ${spec.onConflict ?? ''}`, chunk.flat());
  }
}

/** `?` placeholders to `$1, $2, ...` (the store's SQL has no `?` in literals). */
function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** The URL without its password, for logs and reports. */
export function redact(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://(unparsable url)';
  }
}
