/**
 * Versioned schema migrations, applied in order when a worker (or the CLI) opens the store. Each runs
 * once, in a transaction, recorded in schema_migrations; workers starting together serialise on the
 * write lock (SQLite) or an advisory lock (PostgreSQL). Never edit a released migration: add one.
 * The DDL is plain enough to be the same in both engines (BIGINT is an INTEGER in SQLite).
 */
import type { SqlEngine } from './engine';

export interface Migration {
  version: number;
  name: string;
  statements: string[];
}

export const MIGRATIONS: Migration[] = [
  {
    version: 1,
    name: 'members, lists, runs, rejects and run scratch',
    statements: [
      `CREATE TABLE lists (
        account TEXT NOT NULL, list_id TEXT NOT NULL, list_name TEXT,
        verified_at BIGINT, synced_at BIGINT NOT NULL,
        PRIMARY KEY (account, list_id))`,
      `CREATE TABLE members (
        account TEXT NOT NULL, list_id TEXT NOT NULL, email TEXT NOT NULL, email_key BIGINT NOT NULL,
        profile_id TEXT, row_hash BIGINT, attr_hash BIGINT, run_key TEXT,
        PRIMARY KEY (account, list_id, email))`,
      'CREATE INDEX members_by_key ON members (account, list_id, email_key, email)',
      `CREATE TABLE runs (
        run_key TEXT PRIMARY KEY, workflow_id TEXT NOT NULL, account TEXT NOT NULL, list_id TEXT, list_name TEXT,
        dry_run BIGINT NOT NULL, started_at TEXT NOT NULL, finished_at TEXT, report TEXT)`,
      'CREATE INDEX runs_by_workflow ON runs (workflow_id, started_at)',
      `CREATE TABLE run_rejects (
        run_key TEXT NOT NULL, source_row BIGINT NOT NULL, email TEXT, reason TEXT NOT NULL, field TEXT, message TEXT NOT NULL,
        PRIMARY KEY (run_key, source_row))`,
      `CREATE TABLE run_rows (
        run_key TEXT NOT NULL, email TEXT NOT NULL, email_key BIGINT NOT NULL, source_row BIGINT NOT NULL,
        batch BIGINT NOT NULL, kind TEXT NOT NULL, row_hash BIGINT NOT NULL, attr_hash BIGINT NOT NULL, attributes TEXT NOT NULL,
        PRIMARY KEY (run_key, email))`,
      'CREATE INDEX run_rows_by_batch ON run_rows (run_key, batch)',
      `CREATE TABLE run_departures (
        run_key TEXT NOT NULL, seq BIGINT NOT NULL, email TEXT, profile_id TEXT,
        PRIMARY KEY (run_key, seq))`,
      `CREATE TABLE run_members (
        run_key TEXT NOT NULL, profile_id TEXT NOT NULL, email TEXT, email_key BIGINT,
        PRIMARY KEY (run_key, profile_id))`,
      'CREATE INDEX run_members_by_key ON run_members (run_key, email_key, email)',
      'CREATE INDEX run_members_by_email ON run_members (run_key, email)',
    ],
  },
  {
    version: 2,
    name: 'run seals: how many of a first sync\'s batches the plan has sealed while it still runs',
    statements: [`CREATE TABLE run_seals (run_key TEXT NOT NULL PRIMARY KEY, sealed BIGINT NOT NULL, waits TEXT NOT NULL, done BIGINT NOT NULL)`],
  },
];

/** Applies the migrations this store has not seen; returns the versions applied. */
export async function migrate(db: SqlEngine): Promise<number[]> {
  // Several workers may start at once: one applies, the others then see it applied.
  const lock = async (tx: Pick<SqlEngine, 'run'>) => {
    if (db.engine === 'postgres') await tx.run('SELECT pg_advisory_xact_lock(7254117)');
  };
  await db.transaction(async (tx) => {
    await lock(tx);
    await tx.run('CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)');
  });
  const applied: number[] = [];
  for (const migration of MIGRATIONS) {
    const done = await db.transaction(async (tx) => {
      await lock(tx);
      const seen = await tx.all('SELECT version FROM schema_migrations WHERE version = ?', [migration.version]);
      if (seen.length > 0) return false;
      for (const statement of migration.statements) await tx.run(statement);
      await tx.run('INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)', [
        migration.version,
        migration.name,
        new Date().toISOString(),
      ]);
      return true;
    });
    if (done) applied.push(migration.version);
  }
  return applied;
}
