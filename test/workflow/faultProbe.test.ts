/**
 * What a fault probe found, kept as tests: a worker killed during a short step hands it on within seconds,
 * a stuck Klaviyo import job is given up within its stall time, and `status` says what the run waits on.
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { runCliProcess } from '../cli/cliProcess';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ worker: false, batchMaxProfiles: 500, bulkJobStallMs: 15_000 });
});
afterAll(async () => {
  await h?.close();
});

async function untilPending(handle: WorkflowHandle, activity: string, ok: (a: { attempt?: number | null; state?: unknown }) => boolean = () => true) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const pending = (await handle.describe()).raw.pendingActivities ?? [];
    const found = pending.find((a) => a.activityType?.name === activity && ok(a));
    if (found) return found;
    if (Date.now() > deadline) throw new Error(`${activity} never became pending`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function statusText(workflowId: string): Promise<string> {
  const { stdout, code, stderr } = await runCliProcess(['status', workflowId], h.env);
  expect(code, stderr).toBe(0);
  return stdout;
}

it('a worker killed during a short step (the credential check) hands it to another worker within seconds', async () => {
  const file = writeCsvAudience(h.dir, 'short-step.csv', makeCustomers(20, { prefix: 'short' }).rows);
  // The credential check's first Klaviyo call takes 5 s: long enough to kill the worker in the middle of it.
  await h.emulator.admin.injectFault({ kind: 'latency', match: 'GET /api/lists', ms: 5_000, count: 1 });
  const child = h.startWorkerProcess();
  const handle = await h.start({ listName: 'Short step', audience: { type: 'csv', path: file } });
  await untilPending(handle, 'validateCredential', (a) => a.state === temporal.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED);
  child.kill('SIGKILL');
  const killedAt = Date.now();
  const worker = await h.startWorker();
  try {
    const report = await resultOf(handle);
    const recoverySeconds = (Date.now() - killedAt) / 1000;
    console.log(`worker killed during validateCredential: run finished ${recoverySeconds.toFixed(1)} s after the kill`);
    // Before every activity heartbeated, this waited out the 10-minute start-to-close timeout.
    expect(recoverySeconds).toBeLessThan(45);
    expect(report.counts.rowsValid).toBe(20);
  } finally {
    await worker.stop();
  }
});

it('gives up on a stuck import job after its stall time, and `status` says which job and for how long', async () => {
  const worker = await h.startWorker();
  try {
    const file = writeCsvAudience(h.dir, 'stuck.csv', makeCustomers(300, { prefix: 'stuck' }).rows);
    await h.emulator.admin.injectFault({ kind: 'stuck_jobs', count: 1 });
    const started = Date.now();
    const handle = await h.start({ listName: 'Stuck job', audience: { type: 'csv', path: file } });
    let text = '';
    for (const deadline = Date.now() + 30_000; !/waiting on: Klaviyo import job/.test(text) && Date.now() < deadline; ) {
      text = await statusText(handle.workflowId);
    }
    // A first sync sends sealed batches while its plan finishes: the step may still be the plan's.
    expect(text).toMatch(
      /step: {2}(sending profiles|reading the audience and comparing it with the last sync)\n {2}waiting on: Klaviyo import job \w+ unchanged for \d+ s \(processing, 0 of 300 done\)/,
    );
    const report = await resultOf(handle);
    const seconds = (Date.now() - started) / 1000;
    console.log(`stuck import job (stall time 15 s): run finished in ${seconds.toFixed(1)} s`);
    expect(seconds).toBeLessThan(45);
    expect(report.counts.profilesImported).toBe(300);
  } finally {
    await worker.stop();
  }
});

it('`status` says Klaviyo is unreachable, since when, and which attempt, while the step is retried', async () => {
  const worker = await h.startWorker();
  try {
    const file = writeCsvAudience(h.dir, 'unreachable.csv', makeCustomers(10, { prefix: 'down' }).rows);
    // Every connection is dropped: the client's own retries fail, then Temporal retries the step.
    await h.emulator.admin.injectFault({ kind: 'reset', count: 1_000 });
    const handle = await h.start({ listName: 'Klaviyo down', audience: { type: 'csv', path: file } });
    await untilPending(handle, 'validateCredential', (a) => (a.attempt ?? 1) >= 3);
    const text = await statusText(handle.workflowId);
    expect(text).toMatch(/waiting on: Klaviyo unreachable since \d\d:\d\d UTC, retrying \(attempt [3-9]/);
    expect(text).toMatch(/network error/);
    await h.emulator.admin.clearFaults();
    expect((await resultOf(handle)).counts.rowsValid).toBe(10);
  } finally {
    await worker.stop();
  }
});
