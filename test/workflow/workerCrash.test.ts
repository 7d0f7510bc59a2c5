/** A worker killed (SIGKILL) mid-upsert loses nothing: another worker finishes the run with the right list. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ worker: false, batchMaxProfiles: 250, jobDelayMs: 1500 });
});
afterAll(async () => {
  await h?.close();
});

it('finishes with the right membership after the worker is killed mid-upsert', async () => {
  const { rows, valid } = makeCustomers(2000, { prefix: 'crash', invalidEvery: 100 });
  const file = writeCsvAudience(h.dir, 'crash.csv', rows);
  const child = h.startWorkerProcess();
  const handle = await h.start({ listName: 'Crash test', audience: { type: 'csv', path: file } });
  const mid = await h.waitForStatus(handle, (s) => s.counts.batchesDone >= 1, 90_000);
  expect(mid.counts.batchesDone).toBeLessThan(mid.counts.batchesTotal);
  child.kill('SIGKILL');

  await h.startWorker();
  const report = await resultOf(handle);
  expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
  expect(report.counts.rowsRead).toBe(2000);
  expect(report.counts.rowsRejected).toBe(20);
  expect(report.counts.batchesDone).toBe(report.counts.batchesTotal);
});
