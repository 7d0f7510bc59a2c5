/**
 * The little a store needs from a SQL engine. SQL is written once with `?` placeholders; each engine
 * adapts it (PostgreSQL numbers them). Every integer column comes back as a BigInt in both engines.
 */
/** Buffers are BLOB (SQLite) or BYTEA (PostgreSQL) values. */
export type SqlValue = string | number | bigint | Buffer | null;
export type SqlRow = Record<string, SqlValue>;

/** A multi-row insert: statements of 50 rows (SQLite) or one statement per chunk (PostgreSQL). */
export interface BulkInsert {
  table: string;
  /** Column name and its PostgreSQL type. */
  columns: [name: string, pgType: 'text' | 'bigint'][];
  /** e.g. `ON CONFLICT (a, b) DO NOTHING`; the same text in both dialects. */
  onConflict?: string;
  /**
   * Rows carry long, quote-laden text (profiles' JSON): PostgreSQL gets them as a multi-row VALUES, each value a
   * parameter of its own, not as arrays (which pg quotes and escapes element by element: twice the worker's
   * CPU). Otherwise arrays: the server parses and plans them for less than a VALUES list.
   */
  longText?: boolean;
}

export interface SqlEngine {
  readonly engine: 'sqlite' | 'postgres';
  readonly location: string;
  all(sql: string, params?: SqlValue[]): Promise<SqlRow[]>;
  /** Returns the number of rows changed. */
  run(sql: string, params?: SqlValue[]): Promise<number>;
  insert(spec: BulkInsert, rows: SqlValue[][]): Promise<void>;
  /** Runs `fn` in one transaction (serialised against other writers where the engine needs it). */
  transaction<T>(fn: (tx: SqlTx) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

/** What a transaction's statements run on. */
export type SqlTx = Omit<SqlEngine, 'transaction' | 'close'>;

export function toBigInt(v: SqlValue): bigint {
  return typeof v === 'bigint' ? v : BigInt(v as string | number);
}

export function toNumber(v: SqlValue): number {
  return typeof v === 'number' ? v : Number(v);
}

export function bigOrNull(v: SqlValue): bigint | null {
  return v === null ? null : toBigInt(v);
}

export function textOrNull(v: SqlValue): string | null {
  return v === null ? null : String(v);
}
