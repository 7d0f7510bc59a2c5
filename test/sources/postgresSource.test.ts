/**
 * Audience queries against a real PostgreSQL: the snapshot holds exactly the query's rows with clean
 * types, is written once per run, and every bad case fails with a classified failure whose message
 * never holds the connection string or its password.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Client, type CustomTypesConfig } from 'pg';
import { jsonEncoderFor } from '../../src/audience/postgresTypes';
import type { SourceSettings } from '../../src/config';
import { SourceUnreachableError } from '../../src/audience/errors';
import { extractQueryRows } from '../../src/audience/postgresSource';
import { rowFileFor } from '../../src/audience/snapshot';
import { planAudience } from '../../src/audience/plan';
import { SyncFailure } from '../../src/failures';
import type { PostgresSource } from '../../src/shared';
import { createTestSchema, customersTable, describeWithPostgres, type TestSchema } from '../support/postgres';

let db: TestSchema;
let dir: string;
let settings: SourceSettings;
let runs = 0;

beforeAll(async () => {
  if (!process.env.TEST_POSTGRES_URL) return;
  db = await createTestSchema();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-source-'));
  settings = {
    connectionVariables: { AUDIENCE_CONNECTION_WAREHOUSE: db.url },
    queryTimeoutMs: 60_000,
    connectAttempts: 3,
    snapshotDir: dir,
  };
  await db.sql(customersTable('customers', 50_000));
});
afterAll(async () => {
  await db?.close();
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

const query = (sql: string, connection = 'warehouse'): PostgresSource => ({ type: 'postgres', connection, query: sql });

/** A fresh run folder each time, as each run has its own. */
async function snapshotLines(sql: string, overrides: Partial<SourceSettings> = {}): Promise<Record<string, unknown>[]> {
  const file = await rowFileFor(query(sql), { dir: path.join(dir, `run-${++runs}`), sources: { ...settings, ...overrides } });
  return fs.readFileSync(file.path, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>);
}

/** The snapshot's text, in a fresh run folder. */
async function snapshotText(sql: string): Promise<string> {
  const file = await rowFileFor(query(sql), { dir: path.join(dir, `run-${++runs}`), sources: settings });
  return fs.readFileSync(file.path, 'utf8');
}

/** The lines the query's rows make when pg reads each value as text and the column's type encoder turns it into JSON. */
async function valueByValueLines(sql: string): Promise<string> {
  const client = new Client({ connectionString: db.url, types: { getTypeParser: () => (text: string) => text } as CustomTypesConfig });
  await client.connect();
  try {
    await client.query("set TimeZone = 'UTC'");
    const result = await client.query<(string | null)[]>({ text: sql, rowMode: 'array' });
    const encoders = result.fields.map((f) => ({ key: `${JSON.stringify(f.name)}:`, value: jsonEncoderFor(f.dataTypeID) }));
    return result.rows
      .map((values) => `{${values.flatMap((text, i) => (text === null ? [] : [encoders[i]!.key + encoders[i]!.value(text)])).join(',')}}\n`)
      .join('');
  } finally {
    await client.end();
  }
}

/** The failure a snapshot attempt ends in, checked for secrets. */
async function failureOf(sql: string, overrides: Partial<SourceSettings> = {}, connection = 'warehouse'): Promise<SyncFailure> {
  const runDir = path.join(dir, `run-${++runs}`);
  const err = await rowFileFor(query(sql, connection), { dir: runDir, sources: { ...settings, ...overrides } }).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SyncFailure);
  const failure = err as SyncFailure;
  expect(failure.message).not.toContain(db.password);
  expect(failure.message).not.toContain(db.url);
  // Nothing half-written is left where a retry would take it for a snapshot.
  expect(fs.existsSync(path.join(runDir, 'audience.ndjson'))).toBe(false);
  expect(fs.existsSync(runDir) ? fs.readdirSync(runDir) : []).toEqual([]);
  return failure;
}

describeWithPostgres('a PostgreSQL audience query', () => {
  it('snapshots a 50,000-row table exactly, in order, and plans it like a file', async () => {
    const rows = await snapshotLines('select email, first_name, last_name, city, country, "properties.n" from customers order by "properties.n"');
    expect(rows).toHaveLength(50_000);
    expect(rows[0]).toEqual({ email: 'person.0@example.com', first_name: 'First0', last_name: 'Last0', city: 'Boston', country: 'US', 'properties.n': 0 });
    expect(new Set(rows.map((r) => r.email)).size).toBe(50_000);
    expect(rows.every((r, i) => r['properties.n'] === i)).toBe(true);
    const file = await rowFileFor(query('table customers'), { dir: path.join(dir, `run-${++runs}`), sources: settings });
    const plan = await planAudience(file, { maxProfiles: 10_000 });
    expect([plan.rows, plan.validRows, plan.batches]).toEqual([50_000, 50_000, 5]);
  });

  it('maps PostgreSQL types: timestamps to ISO-8601 UTC, numerics to numbers, json(b) to objects; NULLs are left out', async () => {
    await db.sql(`create table typed (
      email text, first_name varchar(40), latitude numeric(9,6), longitude double precision, last_event_date timestamptz,
      "properties.seen" timestamp, "properties.day" date, properties jsonb, "properties.extra" json, "properties.big" bigint,
      "properties.ratio" numeric, "properties.vip" boolean, "properties.tags" text[], "properties.wait" interval, title text)`);
    await db.sql(`insert into typed values ('Ana@Example.com', 'Ana', 52.520008, 13.404954, '2024-05-31 16:00:00.123456+02',
      '2024-05-31 14:00:00', '2024-05-31', '{"tier":"gold","n":3}', '{"a":[1,2]}', 9007199254740993, 12.50, true, '{x,y}', '1 hour', null)`);
    const [row] = await snapshotLines('select * from typed');
    expect(row).toEqual({
      email: 'Ana@Example.com',
      first_name: 'Ana',
      latitude: 52.520008,
      longitude: 13.404954,
      last_event_date: '2024-05-31T14:00:00.123Z',
      'properties.seen': '2024-05-31T14:00:00.000Z',
      'properties.day': '2024-05-31',
      properties: { tier: 'gold', n: 3 },
      'properties.extra': { a: [1, 2] },
      // Past 2^53 a double would change it: kept as PostgreSQL prints it.
      'properties.big': '9007199254740993',
      'properties.ratio': 12.5,
      'properties.vip': true,
      'properties.tags': ['x', 'y'],
      'properties.wait': '01:00:00',
    });
  });

  it("maps types the same whatever the server's DateStyle and IntervalStyle are", async () => {
    const sql = `select 'a@x.com' as email, timestamptz '2024-05-31 16:00:00.5+02' as last_event_date, date '2024-05-31' as "properties.day",
      interval '1 hour' as "properties.wait"`;
    const odd = `${db.url}${db.url.includes('?') ? '&' : '?'}options=${encodeURIComponent('-c DateStyle=SQL,DMY -c IntervalStyle=iso_8601')}`;
    const rows = await snapshotLines(sql.replace(/\s+/g, ' '), { connectionVariables: { AUDIENCE_CONNECTION_WAREHOUSE: odd } });
    expect(rows).toEqual([{ email: 'a@x.com', last_event_date: '2024-05-31T14:00:00.500Z', 'properties.day': '2024-05-31', 'properties.wait': '01:00:00' }]);
  });

  it('writes, byte for byte, what each value as pg reads it becomes through its type encoder, for every type and awkward value', async () => {
    // SQL literals per column; row i takes each column's i-th value (NULL past the end), so NULLs mix in.
    const columns: [name: string, type: string, values: string[]][] = [
      ['email', 'text', ["'a@example.com'", "''", "'with space'", `'quote " backslash \\ end\\'`, "E'new\\nline\\ttab\\rcr\\bbs\\fff\\vvt\\x01\\x1f\\x7f'", "'Zoë 🎉 ñ 中 \u2028'", `'\\N'`, "'\\'"]],
      ['first_name', 'varchar(20)', ["'Ana'", "'tab\there'"]],
      ['"properties.code"', 'char(5)', ["'ab'", "'abcde'"]],
      ['"properties.name"', 'name', ["'n'"]],
      ['"properties.id"', 'uuid', ["'0b6f6c2e-5b3c-4c1e-9a53-1b2c3d4e5f60'"]],
      ['"properties.day"', 'date', ["'2024-05-31'", "'infinity'", "'0044-03-15 BC'"]],
      ['"properties.at"', 'time', ["'14:00:00.5'"]],
      ['"properties.attz"', 'timetz', ["'14:00:00+02'"]],
      ['"properties.wait"', 'interval', ["'1 day 02:00:00'", "'-3 years'"]],
      ['"properties.blob"', 'bytea', ["'\\x00ff'::bytea"]],
      ['"properties.cash"', 'money', ["12.5"]],
      ['"properties.i2"', 'int2', ['0', '-32768', '32767']],
      ['"properties.i4"', 'int4', ['-42', '2147483647']],
      ['"properties.i8"', 'int8', ['9007199254740991', '9007199254740993', '-9007199254740991', '1000000000000000', '-999999999999999', '-99999999999999', '0', '-9223372036854775808']],
      ['"properties.oid"', 'oid', ['4294967295']],
      ['latitude', 'numeric', ['12.50', "'NaN'", "'Infinity'", "'-Infinity'", '0.000001', '-0.5', '1e20', '0']],
      ['longitude', 'float8', ['1.5e-7', "'Infinity'", "'-Infinity'", "'NaN'", "'-0'", '1e100', '0.1', '123456789012345678']],
      ['"properties.f4"', 'float4', ['3.4028235e+38', '1.5', "'NaN'"]],
      ['"properties.vip"', 'bool', ['true', 'false']],
      ['last_event_date', 'timestamptz', ["'2024-05-31 16:00:00.123456+02'", "'2024-05-31 14:00:00+00'", "'2024-05-31 14:00:00.5+00'", "'infinity'", "'-infinity'", "'0044-03-15 12:00:00+00 BC'", "'10000-01-01 00:00:00+00'", "'1900-01-01 00:00:00.999999+00'"]],
      ['"properties.seen"', 'timestamp', ["'2024-05-31 14:00:00'", "'2024-05-31 14:00:00.000001'", "'infinity'", "'2024-05-31 14:00:00.12'"]],
      ['properties', 'jsonb', [`'{"tier":"gold","n":3,"s":"a\\"b\\\\c\\nd","u":"é","nul":null,"arr":[1.5,true]}'`, "'[]'", "'\"text\"'", "'null'"]],
      ['"properties.extra"', 'json', [`'{"a": [1, 2],  "b":"x\\ty"}'`, `'{"a":1,"a":2}'`, "E'{\\r\\n  \"pretty\": true\\n}'"]],
      ['"properties.tags"', 'text[]', [`'{x,"y z",NULL,"q\\"uote","back\\\\slash"}'`, "'{}'"]],
      ['"properties.nums"', 'int4[]', ["'{1,2,NULL}'"]],
      ['"properties.ratios"', 'numeric[]', ["'{1.50,NaN}'"]],
      ['"properties.times"', 'timestamptz[]', ["'{\"2024-05-31 14:00:00+00\"}'"]],
      ['"properties.flags"', 'bool[]', ["'{t,f,t}'"]],
      ['"properties.docs"', 'jsonb[]', [`'{"{\\"a\\": 1}"}'`]],
      ['"properties.ñ "" odd"', 'text', ["'odd key'"]],
      ['"properties.point"', 'point', ["'(1,2)'"]],
    ];
    const rowCount = Math.max(...columns.map(([, , values]) => values.length)) + 1;
    await db.sql(`create table every_type (${columns.map(([name, type]) => `${name} ${type}`).join(', ')})`);
    for (let i = 0; i < rowCount; i++) {
      await db.sql(`insert into every_type values (${columns.map(([, , values]) => values[i] ?? 'null').join(', ')})`);
    }
    const sql = 'select * from every_type';
    expect((await snapshotText(sql)).split('\n').length - 1).toBe(rowCount);
    expect(await snapshotText(sql)).toBe(await valueByValueLines(sql));
    // Many ordinary rows too, and a few values long enough to cross many reads.
    await db.sql(`create table many as select email, first_name, case when "properties.n" % 2000 = 0 then repeat('é"\\', 100000) end as "properties.long",
      timestamptz '2024-05-31 14:00:00+00' + "properties.n" * interval '1.001 second' as last_event_date, "properties.n" / 7.0 as latitude
      from customers`);
    const many = 'select * from many order by latitude';
    expect(await snapshotText(many)).toBe(await valueByValueLines(many));
  });

  it('refuses an unknown column, a missing email column and a doubled column before writing a row', async () => {
    expect((await failureOf('select email, emial from (select email, email as emial from customers) c')).message).toMatch(
      /audience column 'emial' \(in the query's columns\) is not a known field/,
    );
    expect((await failureOf('select first_name from customers')).message).toMatch(/no 'email' column; the query's columns: first_name/);
    expect((await failureOf('select email, email from customers')).message).toMatch(/'email' appears more than once/);
    expect((await failureOf('select email, 1 as nope from customers')).kind).toBe('invalid_audience');
  });

  it("fails a syntax error or a missing table with PostgreSQL's own message", async () => {
    const syntax = await failureOf('select email from customers where');
    expect(syntax.kind).toBe('invalid_audience');
    expect(syntax.message).toBe('PostgreSQL refused the audience query: syntax error at end of input (at character 34)');
    const missing = await failureOf('select email from no_such_table');
    expect(missing.message).toMatch(/^PostgreSQL refused the audience query: relation "no_such_table" does not exist/);
  });

  it('refuses statements that write, and changes nothing, even when the write hides in a function', async () => {
    await db.sql(customersTable('precious', 10));
    await db.sql("create function forget() returns int language sql as 'delete from precious; select 1'");
    await db.sql('create sequence tick');
    const refused = [
      await failureOf('delete from precious returning email'),
      await failureOf('with gone as (delete from precious returning email) select email from gone'),
      await failureOf('select email from precious; delete from precious'),
      await failureOf('select email, forget() as "properties.x" from precious'),
      await failureOf('select email, nextval(\'tick\') as "properties.n" from precious'),
    ];
    expect(refused.map((f) => f.kind)).toEqual(Array(5).fill('invalid_audience'));
    expect(refused[0]!.message).toMatch(/must only read: it must start with SELECT, WITH, VALUES or TABLE, not DELETE/);
    expect(refused[3]!.message).toMatch(/must only read; PostgreSQL refused it in a read-only transaction: cannot execute DELETE in a read-only transaction/);
    expect(refused[4]!.message).toMatch(/read-only transaction/);
    expect((await db.sql<{ n: string }>('select count(*) as n from precious'))[0]!.n).toBe('10');
  });

  it('stops a query that runs past AUDIENCE_QUERY_TIMEOUT and pauses the run for an operator', async () => {
    const slow = await failureOf('select email, pg_sleep(3)::text as "properties.slept" from customers limit 1', { queryTimeoutMs: 1000 });
    expect(slow.kind).toBe('source_unavailable');
    expect(slow.message).toMatch(/ran longer than AUDIENCE_QUERY_TIMEOUT \(1 s\)/);
  });

  it('tells a refused login and an unconfigured name (pause) from an unreachable database (retry), never showing the password', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'not-the-password';
    const login = await failureOf('select email from customers', { connectionVariables: { AUDIENCE_CONNECTION_WAREHOUSE: wrong.toString() } });
    expect(login.kind).toBe('source_unavailable');
    expect(login.message).toMatch(/connection "warehouse" refused the login: password authentication failed/);
    expect(login.message).not.toContain('not-the-password');

    const closed = new URL(db.url);
    closed.port = '1';
    const unreachable = await failureOf('select email from customers', { connectionVariables: { AUDIENCE_CONNECTION_WAREHOUSE: closed.toString() } });
    expect(unreachable).toBeInstanceOf(SourceUnreachableError);
    expect(unreachable.kind).toBe('transient');
    expect(unreachable.message).toMatch(/cannot reach the database of connection "warehouse": connect ECONNREFUSED/);
    const gaveUp = (unreachable as SourceUnreachableError).giveUp(3);
    expect([gaveUp.kind, gaveUp.message]).toEqual(['source_unavailable', `${unreachable.message} (tried 3 times)`]);

    const unnamed = await failureOf('select email from customers', {}, 'crm-eu');
    expect(unnamed.kind).toBe('source_unavailable');
    expect(unnamed.message).toMatch(/No connection string is configured for connection "crm-eu": add AUDIENCE_CONNECTION_CRM_EU/);
  });

  it('reads one snapshot per run: a retry reuses it, whatever the table does meanwhile', async () => {
    await db.sql(customersTable('members', 100));
    const runDir = path.join(dir, 'run-retried');
    const first = await rowFileFor(query('select email from members'), { dir: runDir, sources: settings });
    const before = fs.readFileSync(first.path, 'utf8');
    await db.sql("delete from members where email like 'person.1%'");
    const retried = await rowFileFor(query('select email from members'), { dir: runDir, sources: settings });
    expect(retried).toEqual(first);
    expect(fs.readFileSync(retried.path, 'utf8')).toBe(before);
    expect(before.trim().split('\n')).toHaveLength(100);
  });

  it('stops reading when its signal aborts, mid-result', async () => {
    const controller = new AbortController();
    let writes = 0;
    const err: unknown = await extractQueryRows(query('select c.* from customers c cross join generate_series(1, 20)'), {
      connectionString: db.url,
      queryTimeoutMs: 60_000,
      signal: controller.signal,
      write: async () => {
        writes++;
        controller.abort();
      },
    }).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SyncFailure);
    expect((err as SyncFailure).message).toMatch(/aborted/);
    expect(writes).toBe(1);
  });

  it('sees the table as it was when the query started, while rows are inserted and deleted under it', async () => {
    // Lines are written a megabyte at a time: 200,000 rows are several writes, the change comes after the first.
    await db.sql(customersTable('moving', 200_000));
    const lines: string[] = [];
    let changed = false;
    let writesAfterChange = 0;
    const rows = await extractQueryRows(query('select email from moving'), {
      connectionString: db.url,
      queryTimeoutMs: 60_000,
      write: async (chunk) => {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        if (changed) return void writesAfterChange++;
        changed = true;
        // Another session changes the table after the first rows were read.
        await db.sql("delete from moving where email like 'person.1%'");
        await db.sql(customersTable('moving_new', 500, { domain: 'late.example.com' }).replace('create table moving_new as', 'insert into moving'));
      },
    });
    expect(writesAfterChange).toBeGreaterThan(2);
    expect(rows).toBe(200_000);
    const emails = new Set(lines.map((l) => (JSON.parse(l) as { email: string }).email));
    expect(emails.size).toBe(200_000);
    expect(emails.has('person.199999@example.com')).toBe(true);
    expect([...emails].some((e) => e.endsWith('late.example.com'))).toBe(false);
    expect((await db.sql<{ n: string }>('select count(*) as n from moving'))[0]!.n).not.toBe('200000');
  });
});

