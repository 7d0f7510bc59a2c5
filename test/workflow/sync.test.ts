/** audienceSync end to end on the real dev server and the emulator: the list ends up equal to the audience. */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../../src/shared';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ batchMaxProfiles: 1000 });
});
afterAll(async () => {
  await h?.close();
});

async function listIdByName(name: string): Promise<string> {
  const { lists } = await h.emulator.admin.lists();
  const list = lists.find((l) => l.name === name);
  if (!list) throw new Error(`no list named ${name}`);
  return list.id;
}

describe('audienceSync', () => {
  it('creates the list and makes its members equal the valid rows, reporting each invalid row', async () => {
    const { rows, valid } = makeCustomers(2500, { invalidEvery: 50 });
    const path = writeCsvAudience(h.dir, 'spring.csv', rows);
    const handle = await h.start({ listName: 'Spring VIP', audience: { type: 'csv', path } });
    const report = await resultOf(handle);

    const listId = await listIdByName('Spring VIP');
    expect(report.listId).toBe(listId);
    expect(report.listCreated).toBe(true);
    const { emails } = await h.emulator.admin.listMembers(listId);
    expect(emails).toEqual([...valid].sort());
    expect(report.counts.rowsRead).toBe(2500);
    expect(report.counts.rowsValid).toBe(valid.length);
    expect(report.counts.rowsRejected).toBe(50);
    expect(report.counts.rejectedByReason).toMatchObject({ invalid_email: 25, invalid_phone: 25 });
    expect(report.counts.batchesTotal).toBeGreaterThanOrEqual(3);
    expect(report.counts.added).toBe(valid.length);
    expect(report.counts.apiCalls['POST /api/profile-bulk-import-jobs']).toBeGreaterThanOrEqual(3);

    // The reject report names each rejected row and why; the workflow history never holds rows.
    const rejects = fs.readFileSync(report.reportLocation, 'utf8').trim().split('\n');
    expect(rejects).toHaveLength(51);
    expect(rejects[0]).toMatch(/^row,email,reason/);
    expect(rejects.some((l) => l.includes('not-an-email-49') && l.includes('invalid_email'))).toBe(true);
    const history = JSON.stringify(await handle.fetchHistory());
    expect(history).not.toContain('customer.1@example.com');
    expect(history).not.toContain(h.apiKey);

    // Profile fields were normalised and written.
    const profile = await h.emulator.admin.profile('customer.0@example.com');
    expect(profile).toMatchObject({ first_name: 'First0', phone_number: rows[0].phone_number });
  });

  it('a second run after rows were added, changed and removed makes the list match again', async () => {
    const before = makeCustomers(300, { prefix: 'member' });
    const first = writeCsvAudience(h.dir, 'members-v1.csv', before.rows);
    await resultOf(await h.start({ listName: 'Members', audience: { type: 'csv', path: first } }));

    // Drop the first 100, change 10, add 50 new ones.
    const kept = before.rows.slice(100).map((r, i) => (i < 10 ? { ...r, first_name: `Changed${i}` } : r));
    const added = makeCustomers(50, { prefix: 'newcomer' });
    const second = writeCsvAudience(h.dir, 'members-v2.csv', [...kept, ...added.rows]);
    const report = await resultOf(await h.start({ listName: 'Members', audience: { type: 'csv', path: second } }));

    const listId = await listIdByName('Members');
    expect(report.listCreated).toBe(false);
    const { emails } = await h.emulator.admin.listMembers(listId);
    expect(emails).toEqual([...before.valid.slice(100), ...added.valid].sort());
    expect(report.counts.removed).toBe(100);
    expect(report.counts.added).toBe(50);
    expect(report.counts.updated).toBe(200);
    const changed = await h.emulator.admin.profile(String(before.rows[100].email).trim().toLowerCase());
    expect(changed).toMatchObject({ first_name: 'Changed0' });
  });

  it('a dry run reports what it would add, update and remove without writing', async () => {
    const base = makeCustomers(40, { prefix: 'dry' });
    const first = writeCsvAudience(h.dir, 'dry-v1.csv', base.rows);
    await resultOf(await h.start({ listName: 'Dry', audience: { type: 'csv', path: first } }));
    const next = writeCsvAudience(h.dir, 'dry-v2.csv', [
      ...base.rows.slice(10),
      ...makeCustomers(5, { prefix: 'drynew' }).rows,
      { email: 'not-an-email', first_name: 'Broken' },
    ]);
    const listId = await listIdByName('Dry');
    const membersBefore = (await h.emulator.admin.listMembers(listId)).emails;

    const report = await resultOf(await h.start({ listName: 'Dry', audience: { type: 'csv', path: next }, dryRun: true }));
    expect(report).toMatchObject({ dryRun: true, wouldAdd: 5, wouldUpdate: 30, wouldRemove: 10 });
    expect(report.counts).toMatchObject({ rowsRead: 36, rowsValid: 35, rowsRejected: 1, profilesImported: 0 });
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual(membersBefore);
    // The dry run reports the rows a real run would reject.
    const rejects = fs.readFileSync(report.reportLocation, 'utf8').trim().split('\n');
    expect(rejects).toHaveLength(2);
    expect(rejects[1]).toContain('not-an-email');
  });

  it('fails on a missing audience file before creating the list', async () => {
    const handle = await h.start({ listName: 'Never created', audience: { type: 'csv', path: `${h.dir}/missing.csv` } });
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String(err.cause?.message)).toContain('missing.csv');
    expect((await h.emulator.admin.lists()).lists.map((l) => l.name)).not.toContain('Never created');
  });

  it('fails at once on bad input, naming the field, without calling Klaviyo', async () => {
    const callsBefore = await h.emulator.admin.stats();
    const handle = await h.start({ listName: 'X', audience: { type: 'xlsx', path: '/tmp/a' }, removeMising: true } as never);
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    const message = String((err as WorkflowFailedError).cause?.message);
    expect(message).toContain('audience.type');
    expect(message).toContain('removeMising: unknown field');
    const callsAfter = await h.emulator.admin.stats();
    expect(callsAfter.calls).toEqual(callsBefore.calls);
  });
});

describe('continue-as-new', () => {
  // Many batches from a small audience: 20 profiles a job.
  let long: SyncHarness;
  beforeAll(async () => {
    long = await createSyncHarness({ batchMaxProfiles: 20 });
  });
  afterAll(async () => {
    await long?.close();
  });

  it('carries the list, the plan, finished batches and counts into new runs, and ends with the right list', async () => {
    const { rows, valid } = makeCustomers(400, { prefix: 'long', invalidEvery: 40 });
    const path = writeCsvAudience(long.dir, 'long.csv', rows);
    const workflowId = `continue-as-new-${Date.now()}`;
    const handle = await long.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: long.taskQueue,
      workflowId,
      args: [{ listName: 'Long history', audience: { type: 'csv', path }, continueAsNewAfterEvents: 40 }],
    });
    const report = await resultOf(handle);

    const runs = [];
    for await (const run of long.client.workflow.list({ query: `WorkflowId="${workflowId}"` })) runs.push(run);
    expect(runs.length).toBeGreaterThan(1);
    expect(report.listCreated).toBe(true);
    expect(report.counts).toMatchObject({ rowsRead: 400, rowsRejected: 10, batchesDone: report.counts.batchesTotal });
    expect(report.counts.batchesTotal).toBeGreaterThanOrEqual(20);
    expect((await long.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
    // One reject report across all runs of the chain.
    expect(fs.readFileSync(report.reportLocation, 'utf8').trim().split('\n')).toHaveLength(11);
  });
});
