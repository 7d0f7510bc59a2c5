/**
 * The embedded engine: one SQLite file (better-sqlite3), in WAL mode so the worker, the CLI and tests can
 * use it from several processes at once (one writer at a time, readers never blocked).
 *
 * better-sqlite3 is synchronous; calls are serialised through one queue so that a transaction held open
 * across awaits by one activity never takes in another activity's statements.
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import type { BulkInsert, SqlEngine, SqlRow, SqlValue } from './engine';

type Handle = { -readonly [K in keyof Omit<SqlEngine, 'transaction' | 'close'>]: SqlEngine[K] };

/** How long a statement waits for another connection's write lock in all, and how much of that blocking. */
const BUSY_TIMEOUT_MS = 15_000;
const BLOCKING_BUSY_MS = 100;
const BUSY_RETRY_MS = 25;
/** Rows a bulk insert's statement takes (fewer parameters than SQLite's 32,766 at any width). */
const ROWS_PER_INSERT = 50;
/** The write-ahead log's size at which a commit checkpoints it, and to which it is cut back after. */
const WAL_BYTES = 64 * 1024 * 1024;
/**
 * Page cache per connection unless the opener says otherwise. 4 MiB: a fold's sort of pending members also
 * holds up to the cache's size, so the activities' connection held up to twice it at a first sync's peak. In
 * the first-sync store replay (scripts/bench-first-sync-store.ts) recordSent took 7.5 CPU-s with 4 MiB (and
 * 50-row inserts); in the 1M bench the worker's peak fell from 257-262 MiB (8 MiB) to 249-251, its CPU within
 * the runs' noise.
 */
const DEFAULT_CACHE_MIB = 4;

export interface SqliteOptions {
  /** This connection's page cache, MiB (SQLite's default is 2). */
  cacheMiB?: number;
  /**
   * How long a statement blocks its thread waiting for another connection's write lock before untilNotBusy
   * waits on without blocking (BLOCKING_BUSY_MS by default). A connection whose thread has other work while
   * it waits (the plan thread parses on while its writes wait) takes 0.
   */
  blockingBusyMs?: number;
  /**
   * The log's size, MiB, at which this connection's commits checkpoint it (WAL_BYTES by default). A checkpoint
   * blocks the committing thread while it copies the log; a connection given more leaves them to the others.
   */
  checkpointMiB?: number;
}

/**
 * Runs `fn` again while it fails on another connection's write lock, until BUSY_TIMEOUT_MS. What failed on
 * the lock did nothing (an autocommit statement, or BEGIN IMMEDIATE before any write). Also the wait that holds
 * when a signal cuts SQLite's own sleeps short: busy_timeout counts sleeps, not time, and V8's sampling
 * profiler (--cpu-prof) signals a profiled thread every millisecond, ending a 15 s busy_timeout in 0.2 s.
 */
async function untilNotBusy<T>(fn: () => Promise<T>): Promise<T> {
  const deadline = Date.now() + BUSY_TIMEOUT_MS;
  for (;;) {
    try {
      return await fn();
    } catch (err) {
      if (!String((err as { code?: unknown }).code).startsWith('SQLITE_BUSY') || Date.now() >= deadline) throw err;
      await new Promise((resolve) => setTimeout(resolve, BUSY_RETRY_MS));
    }
  }
}

export class SqliteEngine implements SqlEngine {
  readonly engine = 'sqlite' as const;
  private readonly db: Database.Database;
  private readonly statements = new Map<string, Database.Statement>();
  private queue: Promise<unknown> = Promise.resolve();

  constructor(
    readonly location: string,
    { cacheMiB = DEFAULT_CACHE_MIB, blockingBusyMs = BLOCKING_BUSY_MS, checkpointMiB = WAL_BYTES / 2 ** 20 }: SqliteOptions = {},
  ) {
    fs.mkdirSync(path.dirname(location), { recursive: true });
    this.db = new Database(location);
    this.db.pragma('journal_mode = WAL');
    // NORMAL in WAL mode: a power cut may lose the last commits, never corrupt the file.
    this.db.pragma('synchronous = NORMAL');
    // Other connections (the CLI, a second worker, the plan thread) may hold the write lock for a moment:
    // a short wait here, blocking, then untilNotBusy waits without blocking the event loop.
    this.db.pragma(`busy_timeout = ${blockingBusyMs}`);
    // A run's snapshot passes through the log; once checkpointed, the log file shrinks back to this.
    this.db.pragma(`journal_size_limit = ${WAL_BYTES}`);
    // A checkpoint once the log holds WAL_BYTES, not SQLite's 4 MiB: a fold of pending members rewrites
    // thousands of the members' pages, and the snapshot's batches pass through, which a checkpoint then copies
    // once for many commits instead of once per commit.
    this.db.pragma(`wal_autocheckpoint = ${(checkpointMiB * 2 ** 20) / (this.db.pragma('page_size', { simple: true }) as number)}`);
    // Filled only as pages are read, and held after.
    this.db.pragma(`cache_size = ${-cacheMiB * 1024}`);
    this.direct.location = location;
  }

  private statement(sql: string): Database.Statement {
    let stmt = this.statements.get(sql);
    if (!stmt) {
      stmt = this.db.prepare(sql);
      if (stmt.reader) stmt.safeIntegers(true);
      this.statements.set(sql, stmt);
    }
    return stmt;
  }

  private readonly direct: Handle = {
    engine: 'sqlite',
    location: '',
    all: async (sql, params = []) => this.statement(sql).all(...params) as SqlRow[],
    run: async (sql, params = []) => this.statement(sql).run(...params).changes,
    insert: async (spec, rows) => {
      // Rows go ROWS_PER_INSERT to a statement: a statement's call costs about what binding its values does,
      // so a first sync's 1M pending members cost 1.6 CPU-s, not 2.5 (SQLite applies ON CONFLICT row by row either way).
      // The values go in one array, filled in place: spread into arguments, and pushed into an array emptied
      // each time, they were ~170 MB of garbage per 1M-row first sync.
      let i = 0;
      if (rows.length >= ROWS_PER_INSERT) {
        const stmt = this.statement(insertSql(spec, ROWS_PER_INSERT));
        const width = spec.columns.length;
        const params = new Array<SqlValue>(ROWS_PER_INSERT * width);
        for (; i + ROWS_PER_INSERT <= rows.length; i += ROWS_PER_INSERT) {
          for (let r = 0; r < ROWS_PER_INSERT; r++) {
            const row = rows[i + r]!;
            for (let c = 0; c < width; c++) params[r * width + c] = row[c];
          }
          stmt.run(params);
        }
      }
      if (i < rows.length) {
        const stmt = this.statement(insertSql(spec, 1));
        for (; i < rows.length; i++) stmt.run(rows[i]!);
      }
    },
  };

  private serial<T>(fn: () => Promise<T>): Promise<T> {
    const run = () => untilNotBusy(fn);
    const result = this.queue.then(run, run);
    this.queue = result.catch(() => undefined);
    return result;
  }

  all(sql: string, params?: SqlValue[]): Promise<SqlRow[]> {
    return this.serial(() => this.direct.all(sql, params));
  }

  run(sql: string, params?: SqlValue[]): Promise<number> {
    return this.serial(() => this.direct.run(sql, params));
  }

  insert(spec: BulkInsert, rows: SqlValue[][]): Promise<void> {
    return this.transaction((tx) => tx.insert(spec, rows));
  }

  transaction<T>(fn: (tx: Handle) => Promise<T>): Promise<T> {
    return this.serial(async () => {
      // IMMEDIATE: take the write lock now (waiting up to busy_timeout), not on the first write.
      this.db.exec('BEGIN IMMEDIATE');
      try {
        const result = await fn(this.direct);
        this.db.exec('COMMIT');
        return result;
      } catch (err) {
        if (this.db.inTransaction) this.db.exec('ROLLBACK');
        throw err;
      }
    });
  }

  async close(): Promise<void> {
    await this.serial(async () => this.db.close());
  }
}

function insertSql(spec: BulkInsert, rows: number): string {
  const names = spec.columns.map(([name]) => name);
  const row = `(${names.map(() => '?').join(', ')})`;
  return `INSERT INTO ${spec.table} (${names.join(', ')}) VALUES ${Array.from({ length: rows }, () => row).join(', ')} ${spec.onConflict ?? ''}`;
}
