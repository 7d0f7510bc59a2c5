/**
 * audienceSync end to end on the real dev server and the emulator, for both sync-state stores: the list ends
 * up equal to the audience, and a refresh sends only what changed (counted at the emulator).
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { KlaviyoClient } from '../../src/klaviyo/client';
import { WORKFLOW_TYPE, type SyncReport } from '../../src/shared';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience, type AudienceRow } from '../support/audienceFiles';
import { storeEngines } from '../support/stateStores';

const MEMBER_READS = 'GET /api/lists/{id}/profiles';
const PROFILE_LOOKUPS = 'GET /api/profiles';

describe.each(storeEngines())('audienceSync with the %s store', (engine) => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness({ batchMaxProfiles: 1000, stateStore: engine });
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

  /** Runs a sync and says what the emulator saw: calls by endpoint and profiles sent in bulk jobs. */
  async function sync(input: Record<string, unknown>): Promise<{ report: SyncReport; calls: Record<string, number>; profilesSent: number }> {
    const before = await h.emulator.admin.stats();
    const report = await resultOf(await h.start(input as never));
    const after = await h.emulator.admin.stats();
    const calls = Object.fromEntries(Object.entries(after.calls).map(([k, n]) => [k, n - (before.calls[k] ?? 0)]).filter(([, n]) => n !== 0));
    return { report, calls, profilesSent: after.jobs!.profilesSubmitted - before.jobs!.profilesSubmitted };
  }

  const csv = (name: string, rows: AudienceRow[]) => ({ type: 'csv' as const, path: writeCsvAudience(h.dir, name, rows) });

  it('a first sync creates the list without reading any membership, and makes it equal the valid rows', async () => {
    const { rows, valid } = makeCustomers(2500, { invalidEvery: 50 });
    const { report, calls, profilesSent } = await sync({ listName: 'Spring VIP', audience: csv('spring.csv', rows) });

    const listId = await listIdByName('Spring VIP');
    expect(report).toMatchObject({ listId, listCreated: true });
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual([...valid].sort());
    expect(calls[MEMBER_READS]).toBeUndefined();
    expect(profilesSent).toBe(valid.length);
    expect(report.counts).toMatchObject({
      rowsRead: 2500,
      rowsValid: valid.length,
      rowsRejected: 50,
      rejectedByReason: { invalid_email: 25, invalid_phone: 25 },
      added: valid.length,
      updated: 0,
      unchanged: 0,
      removed: 0,
      // The 25 rows with a bad phone have valid e-mails, but nobody was on the new list to keep.
      keptWithRejectedRow: 0,
      listSize: valid.length,
    });
    expect(report.counts.batchesTotal).toBe(3);

    // The reject report names each rejected row and why (exported from the store); history never holds rows.
    const rejects = fs.readFileSync(report.reportLocation!, 'utf8').trim().split('\n');
    expect(rejects).toHaveLength(51);
    expect(rejects[0]).toMatch(/^row,email,reason/);
    expect(rejects.some((l) => l.includes('not-an-email-49') && l.includes('invalid_email'))).toBe(true);
    expect(await h.store.countRejects(report.runKey)).toBe(50);
    const history = JSON.stringify(await h.client.workflow.getHandle(report.runKey.split('/')[0]!).fetchHistory());
    expect(history).not.toContain('customer.1@example.com');
    expect(history).not.toContain(h.apiKey);
    expect(await h.emulator.admin.profile('customer.0@example.com')).toMatchObject({ first_name: 'First0', phone_number: rows[0]!.phone_number });
  });

  it('a refresh sends only the new and changed rows, removes leavers by stored id, and reads no membership', async () => {
    const v1 = makeCustomers(300, { prefix: 'member' });
    await sync({ listName: 'Members', audience: csv('members-v1.csv', v1.rows) });

    // Drop the first 100, change 10, add 50 new ones; the rest are as they were.
    const kept = v1.rows.slice(100).map((r, i) => (i < 10 ? { ...r, first_name: `Changed${i}` } : r));
    const added = makeCustomers(50, { prefix: 'newcomer' });
    const { report, calls, profilesSent } = await sync({ listName: 'Members', audience: csv('members-v2.csv', [...kept, ...added.rows]) });

    const listId = await listIdByName('Members');
    expect(report.listCreated).toBe(false);
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual([...v1.valid.slice(100), ...added.valid].sort());
    expect(profilesSent).toBe(60);
    expect(report.counts).toMatchObject({ added: 50, updated: 10, unchanged: 190, removed: 100, toSend: 60, profilesSent: 60, listSize: 250 });
    expect(calls[MEMBER_READS]).toBeUndefined();
    // The store had no ids for members sent by bulk import: looked up by e-mail, 100 a call (+1: the key check).
    expect(calls[PROFILE_LOOKUPS]).toBe(2);
    expect(calls['DELETE /api/lists/{id}/relationships/profiles']).toBe(1);
    expect(await h.emulator.admin.profile(String(v1.rows[100]!.email).trim().toLowerCase())).toMatchObject({ first_name: 'Changed0' });

    // Nothing changed: nothing sent, nothing read.
    const again = await sync({ listName: 'Members', audience: csv('members-v3.csv', [...kept, ...added.rows]) });
    expect(again.profilesSent).toBe(0);
    expect(again.report.counts).toMatchObject({ added: 0, updated: 0, unchanged: 250, removed: 0, listSize: 250 });
    // The key check and the list's lookup by name, nothing else.
    expect(Object.keys(again.calls).every((c) => ['GET /api/accounts', 'GET /api/lists', 'GET /api/profiles'].includes(c))).toBe(true);
  });

  it('a first sync sends sealed batches while the plan still runs, and an e-mail repeated across batches ends with its last row', async () => {
    // Phones repeat every 10,000 customers of a prefix (Klaviyo would merge those profiles): two prefixes.
    const [a, b] = [makeCustomers(10_000, { prefix: 'pipe' }), makeCustomers(10_000, { prefix: 'pipf' })];
    const rows = [...a.rows, ...b.rows];
    const valid = [...a.valid, ...b.valid];
    // 100,000 rows with a bad e-mail between the prefixes keep the plan running well after batch 0 is sealed
    // (20,000 rows alone were planned before a busy machine scheduled its upload). The last row (batch 20)
    // repeats the first e-mail (batch 0, sealed and perhaps sent by then) with a new name.
    const stall = Array.from({ length: 100_000 }, (_, i) => ({ ...rows[0]!, email: `stall-${i}` }));
    const audience = csv('pipe.csv', [...a.rows, ...stall, ...b.rows, { ...rows[0]!, first_name: 'Later' }]);
    const { report, profilesSent } = await sync({ listName: 'Pipelined', audience });
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
    expect(await h.emulator.admin.profile('pipe.0@example.com')).toMatchObject({ first_name: 'Later' });
    // Sent twice only if batch 0 went out before the plan reached the last row: then it was an update.
    expect(report.counts).toMatchObject({ added: 20_000, duplicateRows: 1, listSize: 20_000, batchesDone: 21, batchesTotal: 21, rowsRejected: 100_000 });
    expect(report.counts.updated).toBeLessThanOrEqual(1);
    expect(profilesSent).toBe(20_000 + report.counts.updated);
    // In history, the first batch is scheduled before the plan completed.
    const events = (await h.client.workflow.getHandle(report.runKey.split('/')[0]!).fetchHistory()).events ?? [];
    const scheduled = (name: string) => events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === name);
    const planId = String(events[scheduled('planAudience')]!.eventId);
    const planDone = events.findIndex((e) => String(e.activityTaskCompletedEventAttributes?.scheduledEventId) === planId);
    expect(planDone).toBeGreaterThan(0);
    expect(scheduled('upsertBatch')).toBeGreaterThan(0);
    expect(scheduled('upsertBatch')).toBeLessThan(planDone);
  });

  it('counts a repeated e-mail once, as added, and keeps members whose rows were rejected', async () => {
    const base = makeCustomers(30, { prefix: 'dup' });
    // Row 31 repeats row 1's e-mail with a new name: the last row wins; across batches of 10.
    const rows = [...base.rows, { ...base.rows[0]!, first_name: 'Later' }];
    const small = await createSyncHarness({ batchMaxProfiles: 10, stateStore: engine });
    try {
      const first = await resultOf(await small.start({ listName: 'Dups', audience: { type: 'csv', path: writeCsvAudience(small.dir, 'dups.csv', rows) } }));
      expect(first.counts).toMatchObject({ added: 30, updated: 0, duplicateRows: 1, listSize: 30 });
      expect(await small.emulator.admin.profile('dup.0@example.com')).toMatchObject({ first_name: 'Later' });
      // A member whose row now has a bad phone stays on the list and is reported as kept.
      const broken = rows.slice(0, 30).map((r, i) => (i === 5 ? { ...r, phone_number: '12' } : r));
      const second = await resultOf(await small.start({ listName: 'Dups', audience: { type: 'csv', path: writeCsvAudience(small.dir, 'dups2.csv', broken) } }));
      expect(second.counts).toMatchObject({ keptWithRejectedRow: 1, removed: 0, listSize: 30, rowsRejected: 1 });
      // Row 1 is back to its first name: that is a change from what was last sent.
      expect(second.counts.updated).toBe(1);
      expect((await small.emulator.admin.listMembers(first.listId!)).emails).toHaveLength(30);
    } finally {
      await small.close();
    }
  });

  it('a dry run reports the diff the real run then carries out, without writing', async () => {
    const base = makeCustomers(40, { prefix: 'dry' });
    await sync({ listName: 'Dry', audience: csv('dry-v1.csv', base.rows) });
    const next = csv('dry-v2.csv', [
      ...base.rows.slice(10, 35),
      ...base.rows.slice(35).map((r) => ({ ...r, last_name: 'Moved' })),
      ...makeCustomers(5, { prefix: 'drynew' }).rows,
      { email: 'not-an-email', first_name: 'Broken' },
    ]);
    const listId = await listIdByName('Dry');
    const membersBefore = (await h.emulator.admin.listMembers(listId)).emails;

    const dry = await sync({ listName: 'Dry', audience: next, dryRun: true });
    expect(dry.report).toMatchObject({ dryRun: true, wouldAdd: 5, wouldUpdate: 5, wouldRemove: 10 });
    expect(dry.report.counts).toMatchObject({ rowsRead: 36, rowsValid: 35, rowsRejected: 1, unchanged: 25, profilesSent: 0, listSize: 35 });
    expect(dry.profilesSent).toBe(0);
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual(membersBefore);

    const real = await sync({ listName: 'Dry', audience: next });
    expect(real.report.counts).toMatchObject({ added: 5, updated: 5, removed: 10, unchanged: 25, listSize: 35 });
    expect((await h.emulator.admin.listMembers(listId)).emails).toHaveLength(35);
  });

  it('repairs hand-made drift when asked to verify membership: strangers go, members removed by hand come back', async () => {
    const audience = makeCustomers(50, { prefix: 'drift' });
    const { report } = await sync({ listName: 'Drift', audience: csv('drift.csv', audience.rows) });
    const listId = report.listId!;
    // By hand in Klaviyo: one member removed, one stranger added.
    const klaviyo = new KlaviyoClient({ apiKey: h.apiKey, baseUrl: h.emulator.url, speedFactor: 50 });
    const removedByHand = (await h.emulator.admin.profile('drift.7@example.com'))!.id;
    await klaviyo.removeListMembers(listId, [removedByHand]);
    const strangerJob = await klaviyo.createBulkImportJob({ profiles: [{ attributes: { email: 'stranger@example.com' } }] });
    while ((await klaviyo.getBulkImportJob(strangerJob.id)).status !== 'complete') await new Promise((r) => setTimeout(r, 50));
    await klaviyo.addListMembers(listId, [(await h.emulator.admin.profile('stranger@example.com'))!.id]);

    // Without a drift check the store still believes the list is as it left it.
    const quiet = await sync({ listName: 'Drift', audience: csv('drift-same.csv', audience.rows) });
    expect(quiet.calls[MEMBER_READS]).toBeUndefined();
    expect(quiet.profilesSent).toBe(0);

    const checked = await sync({ listName: 'Drift', audience: csv('drift-same2.csv', audience.rows), verifyMembership: true });
    expect(checked.report.membershipCheck).toEqual({ reason: 'requested', listed: 50, strangers: 1, missing: 1 });
    expect(checked.calls[MEMBER_READS]).toBeGreaterThan(0);
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual([...audience.valid].sort());
    expect(checked.report.counts).toMatchObject({ added: 1, removed: 1, listSize: 50 });
    // The read refreshed stored ids: the stranger was removed by id, no lookup needed (the one call is the key check).
    expect(checked.calls[PROFILE_LOOKUPS]).toBe(1);
  });

  it('a stored id whose profile Klaviyo deleted does not break a run', async () => {
    const audience = makeCustomers(20, { prefix: 'deleted' });
    const { report } = await sync({ listName: 'Deleted', audience: csv('deleted.csv', audience.rows), verifyMembership: true });
    // A second run with a read stores every member's id.
    await sync({ listName: 'Deleted', audience: csv('deleted-b.csv', audience.rows), verifyMembership: true });
    await h.emulator.admin.deleteProfile('deleted.3@example.com');
    await h.emulator.admin.deleteProfile('deleted.4@example.com');
    // deleted.3 leaves the audience (removed by its stale id); deleted.4 stays (drift: repaired by the next check).
    const rows = audience.rows.filter((_, i) => i !== 3);
    const next = await sync({ listName: 'Deleted', audience: csv('deleted-2.csv', rows) });
    expect(next.report.counts.removed).toBe(1);
    const repaired = await sync({ listName: 'Deleted', audience: csv('deleted-3.csv', rows), verifyMembership: true });
    expect(repaired.report.counts).toMatchObject({ added: 1, listSize: 19 });
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual(audience.valid.filter((_, i) => i !== 3).sort());
  });

  it('reads the membership of a list the store does not know, once', async () => {
    const [listId] = await h.emulator.admin.seedLists(['Seeded']);
    const audience = makeCustomers(30, { prefix: 'seeded' });
    const first = await sync({ listId, audience: csv('seeded.csv', audience.rows) });
    expect(first.report.membershipCheck).toMatchObject({ reason: 'no_state', listed: 0 });
    const second = await sync({ listId, audience: csv('seeded2.csv', audience.rows) });
    expect(second.report.membershipCheck).toBeUndefined();
    expect(second.calls[MEMBER_READS]).toBeUndefined();
  });

  it('fails on a missing audience file before creating the list', async () => {
    const handle = await h.start({ listName: 'Never created', audience: { type: 'csv', path: `${h.dir}/missing.csv` } });
    const err = await handle.result().catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(String(err.cause?.message)).toContain('missing.csv');
    expect((await h.emulator.admin.lists()).lists.map((l) => l.name)).not.toContain('Never created');
  });
});

describe('audienceSync input', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness();
  });
  afterAll(async () => {
    await h?.close();
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
    expect(report.counts).toMatchObject({ rowsRead: 400, rowsRejected: 10, added: valid.length, batchesDone: report.counts.batchesTotal });
    expect(report.counts.batchesTotal).toBeGreaterThanOrEqual(19);
    expect((await long.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
    // One reject report across all runs of the chain.
    expect(fs.readFileSync(report.reportLocation!, 'utf8').trim().split('\n')).toHaveLength(11);
  });
});
