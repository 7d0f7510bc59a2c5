/**
 * Audiences from a PostgreSQL query and from Parquet, driven through the CLI binary against the suite's
 * Temporal dev server, the emulator, an in-process worker and the real PostgreSQL that .ci/run starts:
 * a 50k-row table synced exactly, a refresh that follows the table, every bad case, the pause on an
 * unreachable database, and no connection string or password in history, status or output.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { DuckDBInstance } from '@duckdb/node-api';
import { requireTemporalCli } from '../../dev/temporalDevServer';
import { scheduleIdForList } from '../../src/cli/naming';
import type { SyncReport, SyncStatus } from '../../src/shared';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { createTestSchema, customersTable, describeWithPostgres, type TestSchema } from '../support/postgres';
import { runCliProcess } from './cliProcess';

let h: SyncHarness;
let db: TestSchema;
let cli: (...args: string[]) => ReturnType<typeof runCliProcess>;
const CUSTOMERS = 50_000;

beforeAll(async () => {
  if (!process.env.TEST_POSTGRES_URL) return;
  h = await createSyncHarness({ speed: 50, batchMaxProfiles: 10_000, sourceAttempts: 2 });
  db = await createTestSchema();
  h.setConnection('warehouse', db.url);
  cli = (...args) => runCliProcess(args, h.env, 240_000);
  await db.sql(customersTable('customers', CUSTOMERS));
});
afterAll(async () => {
  await db?.close();
  await h?.close();
});

async function members(listName: string): Promise<string[]> {
  const list = (await h.emulator.admin.lists()).find((l) => l.name === listName);
  if (!list) throw new Error(`no list named ${listName}`);
  return h.emulator.admin.listMembers(list.id);
}

async function listExists(listName: string): Promise<boolean> {
  return (await h.emulator.admin.lists()).some((l) => l.name === listName);
}

async function emailsOf(sql: string): Promise<string[]> {
  return (await db.sql<{ email: string }>(sql)).map((r) => r.email.toLowerCase()).sort();
}

/** Every payload of the run's history as text: `temporal workflow show -o json` prints them base64-encoded. */
async function decodedHistory(workflowId: string): Promise<string> {
  const { stdout } = await promisify(execFile)(
    requireTemporalCli(),
    ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', h.address, '--namespace', h.namespace],
    { maxBuffer: 64 << 20 },
  );
  const texts: string[] = [];
  const visit = (node: unknown): void => {
    if (Array.isArray(node)) node.forEach(visit);
    else if (node && typeof node === 'object') {
      for (const [key, value] of Object.entries(node)) {
        if (key === 'data' && typeof value === 'string') texts.push(Buffer.from(value, 'base64').toString('utf8'));
        else visit(value);
      }
    }
  };
  visit(JSON.parse(stdout));
  return `${stdout}\n${texts.join('\n')}`;
}

function expectNoSecret(text: string): void {
  expect(text).not.toContain(db.password);
  expect(text).not.toContain(encodeURIComponent(db.password));
  expect(text).not.toMatch(/postgres(ql)?:\/\/[^\s"]*@/);
}

async function syncQuery(list: string, sql: string, workflowId = `pg-${randomUUID()}`) {
  const r = await cli('sync', '--list', list, '--query', sql, '--connection', 'warehouse', '--wait', '--json', '--workflow-id', workflowId);
  return { ...r, workflowId, report: r.code === 0 ? (JSON.parse(r.stdout) as { report: SyncReport }).report : undefined };
}

async function statusOf(workflowId: string): Promise<SyncStatus> {
  const r = await cli('status', workflowId, '--json');
  expect(r.code, r.stderr).toBe(0);
  expectNoSecret(r.stdout + r.stderr);
  return (JSON.parse(r.stdout) as { status: SyncStatus }).status;
}

async function statusUntil(workflowId: string, until: (s: SyncStatus) => boolean, timeoutMs = 90_000): Promise<SyncStatus> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const status = await statusOf(workflowId).catch(() => undefined);
    if (status && until(status)) return status;
    if (Date.now() > deadline) throw new Error(`status of ${workflowId} never matched; last: ${JSON.stringify(status)}`);
    await new Promise((r) => setTimeout(r, 500));
  }
}

describeWithPostgres('sync --query --connection', () => {
  const list = `Warehouse VIP ${randomUUID().slice(0, 8)}`;

  it('syncs a 50,000-row table exactly, and keeps the connection string out of history and output', async () => {
    const sql = 'select email, first_name, last_name, city, "properties.n" from customers';
    const r = await syncQuery(list, sql);
    expect(r.code, r.stderr).toBe(0);
    expectNoSecret(r.stdout + r.stderr);
    expect(r.report!.counts).toMatchObject({ rowsTotal: CUSTOMERS, rowsRead: CUSTOMERS, rowsValid: CUSTOMERS, rowsRejected: 0, added: CUSTOMERS });
    expect(r.report!.counts.batchesTotal).toBe(5);
    expect(await members(list)).toEqual(await emailsOf('select email from customers'));
    expect(await h.emulator.admin.profile('person.49999@example.com')).toMatchObject({ first_name: 'First49999', properties: { n: 49999 } });

    const history = await decodedHistory(r.workflowId);
    // The decoding works (the query text, which is no secret, is there) and no secret is.
    expect(history).toContain('\\"properties.n\\" from customers');
    expectNoSecret(history);
    expect(history).not.toContain('person.1@example.com');
  });

  it('a second run follows the table: removed rows leave the list, new rows join, changed rows update', async () => {
    await db.sql("delete from customers where email like 'person.1%'");
    await db.sql("update customers set first_name = 'Renamed' where email = 'person.2@example.com'");
    await db.sql(`insert into customers (email, first_name, last_name, city, "properties.n") select 'newcomer.' || i || '@example.com', 'New', 'Comer', 'Oslo', i from generate_series(1, 700) i`);
    const expected = await emailsOf('select email from customers');
    const r = await syncQuery(list, 'select email, first_name, last_name, city, "properties.n" from customers');
    expect(r.code, r.stderr).toBe(0);
    expect(await members(list)).toEqual(expected);
    expect(r.report!.counts.added).toBe(700);
    expect(r.report!.counts.removed).toBe(CUSTOMERS - (expected.length - 700));
    expect(await h.emulator.admin.profile('person.2@example.com')).toMatchObject({ first_name: 'Renamed' });
  });

  it('refuses a statement that writes before anything starts, and the table is unchanged', async () => {
    const before = await emailsOf('select email from customers');
    const deleting = await cli('sync', '--list', list, '--query', 'delete from customers returning email', '--connection', 'warehouse');
    expect(deleting.code).toBe(2);
    expect(deleting.stderr).toBe(
      'Invalid sync input: audience.query: query must only read: it must start with SELECT, WITH, VALUES or TABLE, not DELETE.\n',
    );
    const chained = await cli('dry-run', '--list', list, '--query', 'select email from customers; drop table customers', '--connection', 'warehouse');
    expect(chained.code).toBe(2);
    expect(chained.stderr).toMatch(/audience\.query: query must be a single statement/);
    expect(await emailsOf('select email from customers')).toEqual(before);
  });

  it.each([
    ['a syntax error', 'select email from customers where', /PostgreSQL refused the audience query: syntax error at end of input \(at character \d+\)/],
    ['a missing table', 'select email from customers_typo', /PostgreSQL refused the audience query: relation "customers_typo" does not exist/],
    ['an unknown column', 'select email, city as town from customers', /audience column 'town' \(in the query's columns\) is not a known field/],
  ])('fails the plan on %s with the reason, before any list is created', async (_case, sql, reason) => {
    const fresh = `Never created ${randomUUID().slice(0, 8)}`;
    const r = await syncQuery(fresh, sql);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(reason);
    expectNoSecret(r.stderr);
    expect(await listExists(fresh)).toBe(false);
  });

  it('pauses on source_unavailable when the database cannot be reached, and resumes after the connection is fixed', async () => {
    const offline = new URL(db.url);
    offline.port = '1';
    h.setConnection('crm', offline.toString());
    const target = `Paused list ${randomUUID().slice(0, 8)}`;
    const workflowId = `pg-paused-${randomUUID()}`;
    const started = await cli('sync', '--list', target, '--query', 'select email from customers where email like \'newcomer.%\'', '--connection', 'crm', '--workflow-id', workflowId);
    expect(started.code, started.stderr).toBe(0);

    const paused = await statusUntil(workflowId, (s) => s.state === 'needs_action');
    expect(paused.action).toMatchObject({ code: 'source_unavailable', title: 'The audience database cannot be read' });
    expect(paused.action!.message).toMatch(/cannot reach the database of connection "crm": connect ECONNREFUSED .* \(tried 2 times\)/);
    expect(paused.action!.steps.join('\n')).toMatch(/AUDIENCE_CONNECTIONS_FILE entry "crm".*AUDIENCE_CONNECTION_CRM/);
    expect(await listExists(target)).toBe(false);
    const text = await cli('status', workflowId);
    expect(text.stdout).toContain('source_unavailable');

    h.setConnection('crm', db.url);
    const resolved = await cli('resolve', workflowId);
    expect(resolved.code, resolved.stderr).toBe(0);
    const report = (await h.client.workflow.getHandle(workflowId).result()) as SyncReport;
    expect(report.actionsResolved).toBe(1);
    expect(await members(target)).toEqual(await emailsOf("select email from customers where email like 'newcomer.%'"));
    expectNoSecret(await decodedHistory(workflowId));
  });

  it('pauses at once on a refused login, saying so without the password', async () => {
    const wrong = new URL(db.url);
    wrong.password = 'Wr0ng-Passw0rd';
    h.setConnection('stale', wrong.toString());
    const workflowId = `pg-login-${randomUUID()}`;
    const started = await cli('sync', '--list', `Login ${randomUUID().slice(0, 8)}`, '--query', 'table customers', '--connection', 'stale', '--workflow-id', workflowId);
    expect(started.code, started.stderr).toBe(0);
    const paused = await statusUntil(workflowId, (s) => s.state === 'needs_action');
    expect(paused.action!.code).toBe('source_unavailable');
    expect(paused.action!.message).toMatch(/connection "stale" refused the login: password authentication failed/);
    const history = await decodedHistory(workflowId);
    expect(history).not.toContain('Wr0ng-Passw0rd');
    expectNoSecret(history);
    await h.client.workflow.getHandle(workflowId).terminate('test done');
  });

  it('estimate and dry-run read the same query; a schedule keeps the query and the name, not the connection string', async () => {
    const estimate = await cli('estimate', '--list', list, '--query', 'select email from customers', '--connection', 'warehouse', '--list-members', '0', '--json');
    expect(estimate.code, estimate.stderr).toBe(0);
    const rows = (await emailsOf('select email from customers')).length;
    expect(JSON.parse(estimate.stdout).audience).toMatchObject({ rows, validRows: rows, rejectedRows: 0 });
    expectNoSecret(estimate.stdout + estimate.stderr);

    const dry = await cli('dry-run', '--list', list, '--query', "select email from customers where email like 'newcomer.%'", '--connection', 'warehouse', '--json');
    expect(dry.code, dry.stderr).toBe(0);
    const report = (JSON.parse(dry.stdout) as { report: SyncReport }).report;
    expect([report.wouldAdd, report.wouldRemove]).toEqual([0, rows - 700]);

    const scheduled = `Scheduled ${randomUUID().slice(0, 8)}`;
    const created = await cli('schedule', 'create', '--list', scheduled, '--query', 'select email from customers', '--connection', 'warehouse', '--every', '6h', '--paused');
    expect(created.code, created.stderr).toBe(0);
    const described = await h.client.schedule.getHandle(scheduleIdForList(scheduled)).describe();
    const action = described.action as { args?: { audience: unknown }[] };
    expect(action.args?.[0]?.audience).toEqual({ type: 'postgres', connection: 'warehouse', query: 'select email from customers' });
    expect((await cli('schedule', 'delete', '--list', scheduled)).code).toBe(0);
  });

  it('syncs a Parquet file given with --audience', async () => {
    const file = path.join(h.dir, 'customers.parquet');
    const duck = await DuckDBInstance.create(':memory:');
    const conn = await duck.connect();
    await conn.run(`COPY (select 'parquet.' || i || '@example.com' as email, 'P' || i as first_name, (i % 90)::decimal(8,4) as latitude, 10.5::decimal(8,4) as longitude from range(1200) t(i)) TO '${file}' (FORMAT parquet)`);
    conn.closeSync();
    duck.closeSync();
    const target = `Parquet ${randomUUID().slice(0, 8)}`;
    const r = await cli('sync', '--list', target, '--audience', file, '--wait', '--json');
    expect(r.code, r.stderr).toBe(0);
    expect((await members(target)).length).toBe(1200);
    expect(await h.emulator.admin.profile('parquet.7@example.com')).toMatchObject({ first_name: 'P7', location: { latitude: 7, longitude: 10.5 } });
  });
});
