/**
 * Opens the store AUDIENCE_STATE_URL names (see src/config.ts): a `postgres://` URL is PostgreSQL, anything
 * else a SQLite file. Migrations are applied on open, so a new worker brings an old store up to date.
 */
import fs from 'node:fs';
import { migrate } from './migrations';
import { PostgresEngine } from './postgresEngine';
import { SqliteEngine, type SqliteOptions } from './sqliteEngine';
import { SqlSyncStateStore } from './sqlStore';
import type { SyncStateStore } from './types';

export type { SyncStateStore } from './types';

export function isPostgresUrl(url: string): boolean {
  return /^postgres(ql)?:\/\//i.test(url);
}

export interface StoreOptions extends SqliteOptions {
  /** Pending members per list that recordSent folds at (sqlStore.ts FOLD_AT; tests lower it). */
  foldAt?: number;
  /** A PostgreSQL store's connect timeout (postgresEngine.ts DEFAULT_CONNECT_TIMEOUT_MS); an embedded store ignores it. */
  connectTimeoutMs?: number;
}

/** The SqliteOptions are settings for an embedded store's connection; a PostgreSQL store ignores them. */
export async function openStateStore(location: string, options: StoreOptions = {}): Promise<SyncStateStore> {
  const engine = isPostgresUrl(location) ? new PostgresEngine(location, options.connectTimeoutMs) : new SqliteEngine(location, options);
  try {
    await migrate(engine);
  } catch (err) {
    await engine.close().catch(() => undefined);
    throw new Error(`cannot open the sync-state store at ${engine.location}: ${(err as Error).message}`);
  }
  return new SqlSyncStateStore(engine, options.foldAt);
}

/**
 * For readers (the CLI's report, status and estimate, the console): the store the workers keep, or undefined
 * when its embedded file does not exist. A reader never creates one: an empty store would read as "no runs".
 */
export async function openExistingStateStore(location: string, options: StoreOptions = {}): Promise<SyncStateStore | undefined> {
  if (!isPostgresUrl(location) && !fs.existsSync(location)) return undefined;
  return openStateStore(location, options);
}
