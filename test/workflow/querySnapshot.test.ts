/**
 * One run, one audience: a query's rows are taken once, into the run's snapshot, and every batch, the
 * continue-as-new runs and reconciliation read that snapshot, so rows inserted and deleted while the run
 * works do not change its result. The snapshot is removed when the run ends.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { createTestSchema, customersTable, describeWithPostgres, type TestSchema } from '../support/postgres';

let h: SyncHarness;
let db: TestSchema;

beforeAll(async () => {
  if (!process.env.TEST_POSTGRES_URL) return;
  // Small batches that Klaviyo takes a while to process: the run is mid-way for seconds.
  h = await createSyncHarness({ batchMaxProfiles: 40, jobDelayMs: 300 });
  db = await createTestSchema();
  h.setConnection('warehouse', db.url);
});
afterAll(async () => {
  await db?.close();
  await h?.close();
});

async function emails(sql: string): Promise<string[]> {
  return (await db.sql<{ email: string }>(sql)).map((r) => r.email).sort();
}

describeWithPostgres('a query source during a run', () => {
  it("ends with the query's result at the start of the run, while rows are inserted and deleted, across continue-as-new", async () => {
    await db.sql(customersTable('members', 600));
    const atStart = await emails('select email from members');
    const handle = await h.start({
      listName: 'Snapshot list',
      audience: { type: 'postgres', connection: 'warehouse', query: 'select email, first_name from members' },
      continueAsNewAfterEvents: 40,
    });
    // Planned (the snapshot is taken) and sending batches: now change the table under the run.
    const midway = await h.waitForStatus(handle, (s) => s.step === 'upserting' && s.counts.batchesDone >= 1 && s.counts.batchesDone < 10);
    expect(midway.counts.batchesTotal).toBe(15);
    await db.sql("delete from members where email like 'person.1%'");
    await db.sql(customersTable('late', 200, { domain: 'late.example.com' }).replace('create table late as', 'insert into members'));
    expect((await h.waitForStatus(handle, () => true)).state).toBe('running');

    const report = await resultOf(handle);
    const runs = [];
    for await (const run of h.client.workflow.list({ query: `WorkflowId="${handle.workflowId}"` })) runs.push(run);
    expect(runs.length).toBeGreaterThan(1);
    expect(report.counts).toMatchObject({ rowsTotal: 600, rowsRead: 600, rowsValid: 600, removed: 0 });
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual(atStart);
    expect(await emails('select email from members')).not.toEqual(atStart);
    // Nothing reads the snapshot after the report: it is gone.
    expect(fs.readdirSync(h.snapshotDir, { recursive: true }).filter((f) => String(f).endsWith('.ndjson'))).toEqual([]);

    // The next run takes the table as it is now.
    const next = await resultOf(
      await h.start({ listName: 'Snapshot list', audience: { type: 'postgres', connection: 'warehouse', query: 'select email from members' } }),
    );
    expect((await h.emulator.admin.listMembers(next.listId!)).emails).toEqual(await emails('select email from members'));
    expect(next.counts.removed).toBe(atStart.filter((e) => e.startsWith('person.1')).length);
  });
});
