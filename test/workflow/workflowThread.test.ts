/**
 * The worker runs its workflows in its main thread (the SDK's debugMode: one V8 heap fewer, ~30 MiB), and a
 * workflow activation is still limited to the SDK's usual 5 s, which debugMode alone would lift: a workflow
 * stuck in a loop fails its task instead of hanging the worker and its activities.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { writeAudience } from '../audience/helpers';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness();
});
afterAll(async () => {
  await h?.close();
});

it('runs workflows in the main thread, with the 5 s limit on an activation', async () => {
  const { worker } = await h.startWorker();
  expect(worker.options).toMatchObject({ debugMode: true, isolateExecutionTimeoutMs: 5000 });
  const source = writeAudience(h.dir, 'csv', 'email\na@x.com\nb@x.com\n');
  const report = await resultOf(await h.start({ listName: 'Main thread list', audience: source }));
  expect(report.counts).toMatchObject({ added: 2, listSize: 2 });
});
