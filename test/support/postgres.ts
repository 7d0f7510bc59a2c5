/**
 * A schema of its own on the test PostgreSQL (TEST_POSTGRES_URL, which .ci/run exports from
 * scripts/ensure-postgres.sh) for one test file. Without the variable the PostgreSQL tests are skipped,
 * loudly, on a developer's machine, and fail in CI.
 */
import { randomUUID } from 'node:crypto';
import { describe } from 'vitest';
import { Client } from 'pg';

export const TEST_POSTGRES_URL = process.env.TEST_POSTGRES_URL || undefined;

if (!TEST_POSTGRES_URL) {
  const how = 'export TEST_POSTGRES_URL="$(bash scripts/ensure-postgres.sh)"';
  if (process.env.CI) throw new Error(`TEST_POSTGRES_URL is not set; .ci/run must start PostgreSQL (${how})`);
  console.warn(`\n*** TEST_POSTGRES_URL is not set: the PostgreSQL tests in this file are SKIPPED. Run: ${how}\n`);
}

/** describe() that runs only with a test database. */
export const describeWithPostgres = describe.skipIf(!TEST_POSTGRES_URL);

export interface TestSchema {
  name: string;
  /** A connection string whose search_path is this schema, as the workers would be given. */
  url: string;
  /** The password in `url`: tests assert it never shows. */
  password: string;
  sql<R extends Record<string, unknown> = Record<string, unknown>>(text: string, params?: unknown[]): Promise<R[]>;
  close(): Promise<void>;
}

export async function createTestSchema(): Promise<TestSchema> {
  const base = new URL(TEST_POSTGRES_URL!);
  const name = `audience_test_${randomUUID().replace(/-/g, '').slice(0, 12)}`;
  const url = new URL(base.toString());
  url.searchParams.set('options', `-c search_path=${name}`);
  const client = new Client({ connectionString: base.toString() });
  await client.connect();
  await client.query(`create schema ${name}`);
  await client.query(`set search_path = ${name}`);
  return {
    name,
    url: url.toString(),
    password: decodeURIComponent(base.password),
    async sql(text, params) {
      return (await client.query(text, params)).rows;
    },
    async close() {
      await client.query(`drop schema ${name} cascade`).catch(() => undefined);
      await client.end();
    },
  };
}

/** `count` customers as SQL: person.<i>@<domain>, with a name, a phone and a city; `where` picks which i. */
export function customersTable(table: string, count: number, opts: { domain?: string; from?: number } = {}): string {
  const domain = opts.domain ?? 'example.com';
  const from = opts.from ?? 0;
  return (
    `create table ${table} as select 'person.' || i || '@${domain}' as email, 'First' || i as first_name, ` +
    `'Last' || i as last_name, 'Boston' as city, 'US' as country, i as "properties.n" ` +
    `from generate_series(${from}, ${from + count - 1}) i`
  );
}
