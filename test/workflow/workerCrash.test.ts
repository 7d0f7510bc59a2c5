/**
 * Workers die: one killed (SIGKILL) mid-upsert loses nothing (another worker finishes the run with the right
 * list), and the sync state outlives its workers: a refresh after a restart, by a new worker process, sends
 * only what changed. For both stores.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { storeEngines } from '../support/stateStores';

describe.each(storeEngines())('workers die (%s store)', (engine) => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness({ worker: false, batchMaxProfiles: 250, jobDelayMs: 1500, stateStore: engine });
  });
  afterAll(async () => {
    await h?.close();
  });

  it('finishes with the right membership after the worker is killed mid-upsert; a refresh after a restart sends only the changes', async () => {
    // 32 batches of 250: twice the 16 a first sync keeps in flight, so the kill lands with batches still to send.
    const { rows, valid } = makeCustomers(8000, { prefix: 'crash', invalidEvery: 100 });
    const file = writeCsvAudience(h.dir, 'crash.csv', rows);
    const child = h.startWorkerProcess();
    const handle = await h.start({ listName: 'Crash test', audience: { type: 'csv', path: file } });
    const mid = await h.waitForStatus(handle, (s) => s.counts.batchesDone >= 1, 90_000);
    expect(mid.counts.batchesDone).toBeLessThan(mid.counts.batchesTotal);
    child.kill('SIGKILL');

    const replacement = h.startWorkerProcess();
    const report = await resultOf(handle);
    expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
    expect(report.counts).toMatchObject({ rowsRead: 8000, rowsRejected: 80, added: valid.length, batchesDone: report.counts.batchesTotal });

    // A restart: the state is in the store, not in the worker.
    replacement.kill('SIGKILL');
    h.startWorkerProcess();
    const changed = rows.map((r, i) => (i === 5 ? { ...r, first_name: 'Renamed' } : r));
    const before = await h.emulator.admin.stats();
    const refresh = await resultOf(await h.start({ listName: 'Crash test', audience: { type: 'csv', path: writeCsvAudience(h.dir, 'crash-2.csv', changed) } }));
    const after = await h.emulator.admin.stats();
    expect(after.jobs!.profilesSubmitted - before.jobs!.profilesSubmitted).toBe(1);
    expect(refresh.counts).toMatchObject({ updated: 1, added: 0, unchanged: valid.length - 1, removed: 0 });
    expect(after.calls['GET /api/lists/{id}/profiles'] ?? 0).toBe(before.calls['GET /api/lists/{id}/profiles'] ?? 0);
  });
});
