/** Workflow actions: the run pauses with the operator's steps, and `resolve` continues it where it stopped. */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { RESOLVE_SIGNAL, STATE_SEARCH_ATTRIBUTE } from '../../src/shared';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { batchesScheduledAfterCompletion, scheduledBatchIndexes } from '../support/history';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ batchMaxProfiles: 200, jobDelayMs: 400 });
});
afterAll(async () => {
  await h?.close();
});

async function stateAttribute(handle: WorkflowHandle): Promise<unknown> {
  const described = await handle.describe();
  return described.searchAttributes[STATE_SEARCH_ATTRIBUTE]?.[0];
}

describe('workflow actions', () => {
  it('pauses as invalid_credentials when the key is revoked mid-upsert, and resumes after rotation without redoing finished batches', async () => {
    // 40 batches of 200: when 2 are done, at most 16 are in flight and the rest still to go.
    const { rows, valid } = makeCustomers(8000, { prefix: 'rotate' });
    const path = writeCsvAudience(h.dir, 'rotate.csv', rows);
    const handle = await h.start({ listName: 'Rotation', audience: { type: 'csv', path } });

    const progressed = await h.waitForStatus(handle, (s) => s.counts.batchesDone >= 2);
    await h.emulator.admin.revokeKey(h.apiKey);
    const paused = await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    expect(paused.action?.code).toBe('invalid_credentials');
    expect(paused.action?.steps.length).toBeGreaterThanOrEqual(3);
    expect(paused.action?.steps.join(' ')).toContain('resolve');
    expect(await stateAttribute(handle)).toBe('needs_action');
    const doneAtPause = paused.counts.batchesDone;
    expect(doneAtPause).toBeGreaterThanOrEqual(progressed.counts.batchesDone);
    expect(doneAtPause).toBeLessThan(paused.counts.batchesTotal);

    // Resolve before fixing anything: the run tries the step again and pauses again.
    await handle.signal(RESOLVE_SIGNAL);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action' && s.action?.since !== paused.action?.since);

    await h.rotateKey();
    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.actionsResolved).toBeGreaterThanOrEqual(1);
    expect(await stateAttribute(handle)).toBe('completed');

    const listId = report.listId!;
    expect((await h.emulator.admin.listMembers(listId)).emails).toEqual([...valid].sort());
    // Every batch was sent, and none was sent again once it had finished (batches in flight at the pause were).
    expect(new Set(await scheduledBatchIndexes(handle)).size).toBe(report.counts.batchesTotal);
    expect(await batchesScheduledAfterCompletion(handle)).toEqual([]);
    expect(report.counts.batchesDone).toBe(report.counts.batchesTotal);
  });

  it('pauses as max_lists_exceeded when the account holds 1000 lists and segments, and creates the list after some are removed', async () => {
    const existing = (await h.emulator.admin.lists()).lists.length;
    const seeded = await h.emulator.admin.seedLists(Array.from({ length: 990 - existing }, (_, i) => `Old campaign ${i}`));
    await h.emulator.admin.seedSegments(10);
    const path = writeCsvAudience(h.dir, 'full.csv', makeCustomers(20, { prefix: 'full' }).rows);
    const handle = await h.start({ listName: 'Brand new list', audience: { type: 'csv', path } });

    const paused = await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    expect(paused.action?.code).toBe('max_lists_exceeded');
    expect(paused.action?.steps[0]).toMatch(/number of lists and segments/);
    expect(paused.step).toBe('ensuring_list');

    for (const id of seeded.ids.slice(0, 5)) await h.emulator.admin.deleteList(id);
    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.listCreated).toBe(true);
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toHaveLength(20);
    for (const id of seeded.ids.slice(5)) await h.emulator.admin.deleteList(id);
  });

  it('with a key that cannot read segments, relies on Klaviyo refusing the create and still pauses as max_lists_exceeded', async () => {
    const fullKey = h.apiKey;
    h.useKey(await h.emulator.admin.createKey({ scopes: ['lists:read', 'lists:write', 'profiles:read', 'profiles:write'] }));
    const existing = (await h.emulator.admin.lists()).lists.length;
    const seeded = await h.emulator.admin.seedLists(Array.from({ length: 1000 - existing }, (_, i) => `Old list ${i}`));
    try {
      const path = writeCsvAudience(h.dir, 'noseg.csv', makeCustomers(5, { prefix: 'noseg' }).rows);
      const handle = await h.start({ listName: 'No segments scope', audience: { type: 'csv', path } });
      const paused = await h.waitForStatus(handle, (s) => s.state === 'needs_action');
      expect(paused.action?.code).toBe('max_lists_exceeded');
      expect(paused.action?.message).toMatch(/maximum number of lists and segments/);
      await handle.terminate('test done');
    } finally {
      for (const id of seeded.ids) await h.emulator.admin.deleteList(id);
      h.useKey(fullKey);
    }
  });

  it('pauses as audience_shrink instead of emptying most of a list for a truncated audience; resolve confirms the removals', async () => {
    const customers = makeCustomers(60, { prefix: 'shrink' }).rows;
    const full = writeCsvAudience(h.dir, 'shrink-full.csv', customers);
    const first = await resultOf(await h.start({ listName: 'Shrink guard', audience: { type: 'csv', path: full } }));
    const truncated = writeCsvAudience(h.dir, 'shrink-truncated.csv', customers.slice(0, 5));

    const handle = await h.start({ listName: 'Shrink guard', audience: { type: 'csv', path: truncated } });
    const paused = await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    expect(paused.action?.code).toBe('audience_shrink');
    expect(paused.action?.message).toMatch(/remove 55 of the list's 60 members/);
    expect((await h.emulator.admin.listMembers(first.listId!)).emails).toHaveLength(60);

    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.counts.removed).toBe(55);
    expect((await h.emulator.admin.listMembers(first.listId!)).emails).toHaveLength(5);
  });

  it('pauses on list_deleted, naming the list, when the list is deleted mid-run; resolve recreates it and sends everyone', async () => {
    // 40 batches of 200: more than twice the 16 a first sync keeps in flight, so the deletion lands with batches to send.
    const { rows, valid } = makeCustomers(8000, { prefix: 'gone' });
    const file = writeCsvAudience(h.dir, 'gone.csv', rows);
    const handle = await h.start({ listName: 'Deleted by hand', audience: { type: 'csv', path: file } });
    const mid = await h.waitForStatus(handle, (s) => s.counts.batchesDone >= 1 && s.listId !== undefined);
    await h.emulator.admin.deleteList(mid.listId!);

    const paused = await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    expect(paused.action?.code).toBe('list_deleted');
    expect(paused.action?.message).toMatch(new RegExp(`Klaviyo list "Deleted by hand" no longer exists: list id ${mid.listId} was deleted`));
    expect(paused.action?.steps.join('\n')).toMatch(/Resolving creates list "Deleted by hand" again/);

    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.listId).not.toBe(mid.listId);
    expect(report.listCreated).toBe(true);
    expect(report.actionsResolved).toBe(1);
    expect(report.counts.batchesDone).toBe(report.counts.batchesTotal);
    expect(report.counts.rowsRead).toBe(8000);
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
  });

  it('fails the plan of an audience without a valid row before any list exists', async () => {
    const headerOnly = writeCsvAudience(h.dir, 'header-only.csv', [], ['email', 'first_name']);
    const binary = path.join(h.dir, 'binary.ndjson');
    fs.writeFileSync(binary, Buffer.from(Array.from({ length: 5000 }, (_, i) => (i * 7919 + 13) % 256)));
    for (const [audience, message] of [
      [{ type: 'csv', path: headerOnly }, /has no data rows \(only a header\)/],
      [{ type: 'ndjson', path: binary }, /has no valid row: all \d+ rows were rejected, most \(\d+\) as invalid_row/],
    ] as const) {
      const handle = await h.start({ listName: 'Never created', audience });
      const failure = await handle.result().catch((e: WorkflowFailedError) => e);
      expect(failure).toBeInstanceOf(WorkflowFailedError);
      expect(String((failure as WorkflowFailedError).cause?.message)).toMatch(message);
    }
    expect((await h.emulator.admin.lists()).lists.map((l) => l.name)).not.toContain('Never created');
  });

  it("waits on a durable timer, not a failure, when Klaviyo's daily list-creation cap is reached", async () => {
    await h.emulator.admin.setLimits({ dailyListCreates: 0 });
    try {
      const path = writeCsvAudience(h.dir, 'daily.csv', makeCustomers(5, { prefix: 'daily' }).rows);
      const handle = await h.start({ listName: 'Created tomorrow', audience: { type: 'csv', path } });
      const timer = await waitForTimer(handle);
      expect(Number(timer.startToFireTimeout?.seconds)).toBeGreaterThan(60);
      const status = await h.waitForStatus(handle, () => true);
      expect(status).toMatchObject({ state: 'running', step: 'ensuring_list' });
      expect((await handle.describe()).status.name).toBe('RUNNING');
      await handle.terminate('test done');
    } finally {
      await h.emulator.admin.setLimits({ dailyListCreates: 150 });
    }
  });
});

async function waitForTimer(handle: WorkflowHandle) {
  const deadline = Date.now() + 30_000;
  for (;;) {
    const history = await handle.fetchHistory();
    const events = history.events ?? [];
    const createdAt = events.findIndex((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'ensureList');
    const started = createdAt < 0 ? undefined : events.slice(createdAt).find((e) => e.timerStartedEventAttributes)?.timerStartedEventAttributes;
    if (started) return started;
    if (Date.now() > deadline) throw new Error('no timer was started');
    await new Promise((r) => setTimeout(r, 250));
  }
}
