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
