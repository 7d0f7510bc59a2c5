/**
 * The two sync-state store engines for tests: SQLite in a temp folder, and PostgreSQL on the server named
 * by TEST_POSTGRES_URL (.ci/run starts one with scripts/ensure-postgres.sh), each test file in a database
 * of its own. Without TEST_POSTGRES_URL the PostgreSQL cases are skipped with a loud message, except in CI,
 * where its absence fails the run.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { isPostgresUrl, openStateStore } from '../../src/store/open';
import { PostgresEngine } from '../../src/store/postgresEngine';
import { SqliteEngine } from '../../src/store/sqliteEngine';
import type { SqlEngine } from '../../src/store/engine';
import type { SyncStateStore } from '../../src/store/types';

export interface StoreBackend {
  name: 'sqlite' | 'postgres';
  /** A fresh, empty store location (file path or URL); dropped by cleanup(). */
  fresh(): Promise<string>;
  cleanup(): Promise<void>;
}

const postgresUrl = process.env.TEST_POSTGRES_URL;
if (!postgresUrl) {
  if (process.env.CI) throw new Error('TEST_POSTGRES_URL is not set: .ci/run must start PostgreSQL (scripts/ensure-postgres.sh)');
  console.warn(
    '\n*** TEST_POSTGRES_URL is not set: the PostgreSQL store tests are SKIPPED. Run\n' +
      '***   export TEST_POSTGRES_URL=$(bash scripts/ensure-postgres.sh)\n*** to run them.\n',
  );
}

function sqliteBackend(): StoreBackend {
  const dirs: string[] = [];
  return {
    name: 'sqlite',
    async fresh() {
      const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-state-'));
      dirs.push(dir);
      return path.join(dir, 'state.sqlite');
    },
    async cleanup() {
      for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
    },
  };
}

function postgresBackend(url: string): StoreBackend {
  const databases: string[] = [];
  const admin = async <T>(fn: (c: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: url });
    await client.connect();
    try {
      return await fn(client);
    } finally {
      await client.end();
    }
  };
  return {
    name: 'postgres',
    async fresh() {
      const name = `t_${randomUUID().replace(/-/g, '')}`;
      await admin((c) => c.query(`CREATE DATABASE ${name}`));
      databases.push(name);
      const u = new URL(url);
      u.pathname = `/${name}`;
      return u.toString();
    },
    async cleanup() {
      for (const name of databases) await admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).catch(() => undefined);
    },
  };
}

/** The engines to run a suite against: always SQLite, PostgreSQL when a server is given. */
export function storeBackends(): StoreBackend[] {
  return [sqliteBackend(), ...(postgresUrl ? [postgresBackend(postgresUrl)] : [])];
}

/** The engine names a suite runs against (for describe.each). */
export function storeEngines(): StoreBackend['name'][] {
  return postgresUrl ? ['sqlite', 'postgres'] : ['sqlite'];
}

export function storeBackend(name: StoreBackend['name']): StoreBackend {
  if (name === 'sqlite') return sqliteBackend();
  if (!postgresUrl) throw new Error('TEST_POSTGRES_URL is not set: start PostgreSQL with scripts/ensure-postgres.sh');
  return postgresBackend(postgresUrl);
}

/** A store on a fresh location for a describe block: opened before its tests, closed and dropped after them. */
export function storeForSuite(backend: StoreBackend): { store: SyncStateStore; location: string } {
  const suite = {} as { store: SyncStateStore; location: string };
  beforeAll(async () => {
    suite.location = await backend.fresh();
    suite.store = await openStateStore(suite.location);
  });
  afterAll(async () => {
    await suite.store?.close();
    await backend.cleanup();
  });
  return suite;
}

/** The engine under a store, without its migrations: to set up an older schema, or look past the store's API. */
export function rawEngine(location: string): SqlEngine {
  return isPostgresUrl(location) ? new PostgresEngine(location) : new SqliteEngine(location);
}
