/** Parquet audiences through DuckDB: the same columns and type mapping as a query, every row in order, bad files named. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DuckDBInstance, type DuckDBConnection } from '@duckdb/node-api';
import { rowFileFor } from '../../src/audience/snapshot';
import { planAudience } from '../../src/audience/plan';
import { SyncFailure } from '../../src/failures';
import { tempDir } from '../audience/helpers';

const dir = tempDir();
const sources = { connectionVariables: {}, queryTimeoutMs: 60_000, connectAttempts: 1, snapshotDir: dir };
let instance: DuckDBInstance;
let duck: DuckDBConnection;
let runs = 0;

beforeAll(async () => {
  instance = await DuckDBInstance.create(':memory:');
  duck = await instance.connect();
});
afterAll(() => {
  duck?.closeSync();
  instance?.closeSync();
});

/** Writes a Parquet file from a DuckDB SELECT, as a warehouse unload would. */
async function parquet(name: string, select: string): Promise<string> {
  const file = path.join(dir, name);
  await duck.run(`COPY (${select}) TO '${file}' (FORMAT parquet)`);
  return file;
}

async function snapshotOf(file: string) {
  return rowFileFor({ type: 'parquet', path: file }, { dir: path.join(dir, `run-${++runs}`), sources });
}

async function linesOf(file: string): Promise<Record<string, unknown>[]> {
  const snapshot = await snapshotOf(file);
  return fs.readFileSync(snapshot.path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('a Parquet audience', () => {
  it('keeps every row in order and plans like any file', async () => {
    const file = await parquet('many.parquet', "select 'person.' || i || '@example.com' as email, 'First' || i as first_name from range(30000) t(i)");
    const rows = await linesOf(file);
    expect(rows).toHaveLength(30_000);
    expect(rows[29_999]).toEqual({ email: 'person.29999@example.com', first_name: 'First29999' });
    const plan = await planAudience(await snapshotOf(file), { maxProfiles: 10_000 });
    expect([plan.rows, plan.validRows, plan.batches.length]).toEqual([30_000, 30_000, 3]);
  });

  it('maps types as a query does: timestamps to ISO-8601 UTC, decimals to numbers, structs, maps and JSON to objects', async () => {
    const file = await parquet(
      'typed.parquet',
      `select 'ana@example.com' as email, 52.520008::decimal(9,6) as latitude, 13.404954::decimal(9,6) as longitude,
        timestamptz '2024-05-31 16:00:00.123+02' as last_event_date, timestamp '2024-05-31 14:00:00' as "properties.seen",
        date '2024-05-31' as "properties.day", {'tier': 'gold', 'n': 3} as properties, map {'a': 1} as "properties.m",
        '{"x": [1, 2]}'::json as "properties.j", [1, 2] as "properties.l", true as "properties.vip", null::varchar as title`,
    );
    expect(await linesOf(file)).toEqual([
      {
        email: 'ana@example.com',
        latitude: 52.520008,
        longitude: 13.404954,
        last_event_date: '2024-05-31T14:00:00.123Z',
        'properties.seen': '2024-05-31T14:00:00.000Z',
        'properties.day': '2024-05-31',
        properties: { tier: 'gold', n: 3 },
        'properties.m': { a: 1 },
        'properties.j': { x: [1, 2] },
        'properties.l': [1, 2],
        'properties.vip': true,
        title: null,
      },
    ]);
  });

  it.each([
    ['an unknown column', "select 'a@example.com' as email, 1 as emial", /audience column 'emial' \(in the Parquet file's columns\) is not a known field/],
    ['no email column', "select 'Ana' as first_name", /no 'email' column; the Parquet file's columns: first_name/],
  ])('refuses %s, naming it', async (_case, select, message) => {
    const file = await parquet(`bad-${++runs}.parquet`, select);
    const err = await snapshotOf(file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncFailure);
    expect((err as SyncFailure).kind).toBe('invalid_audience');
    expect((err as Error).message).toMatch(message);
  });

  it('refuses a missing file and a file that is not Parquet', async () => {
    await expect(snapshotOf(path.join(dir, 'absent.parquet'))).rejects.toThrow(/cannot read audience file .*absent\.parquet: ENOENT/);
    const notParquet = path.join(dir, 'export.parquet');
    fs.writeFileSync(notParquet, 'email\nana@example.com\n');
    await expect(snapshotOf(notParquet)).rejects.toThrow(/audience file .*export\.parquet is not a readable Parquet file/);
  });
});
