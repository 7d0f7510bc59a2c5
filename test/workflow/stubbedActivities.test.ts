/**
 * The workflow's control flow in seconds, on the suite's real dev server with stubbed activities (no
 * emulator, no files): pause and resolve, the daily list-creation cap's durable timer run to completion,
 * and continue-as-new. The end-to-end versions (emulator, real activities) live beside this file.
 *
 * Not on Temporal's time-skipping test server: it cannot register the AudienceSyncState search attribute
 * that every run upserts (its OperatorService is unimplemented), so the daily-cap test waits out the
 * workflow's one-minute floor in real time.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { NativeConnection, Worker } from '@temporalio/worker';
import type { AudienceSyncActivities } from '../../src/activities';
import type { AudiencePlan } from '../../src/audience/plan';
import type { PlanResult } from '../../src/activities/audience';
import type { FailureKind } from '../../src/failures';
import { LIST_LOCK_REPLY_SIGNAL, RESOLVE_SIGNAL, STATUS_QUERY, WORKFLOW_TYPE, type SyncInputRaw, type SyncReport, type SyncStatus } from '../../src/shared';

let client: Client;
let workerConnection: NativeConnection;
beforeAll(async () => {
  const address = inject('temporalAddress');
  client = new Client({ connection: await Connection.connect({ address }) });
  workerConnection = await NativeConnection.connect({ address });
});
afterAll(async () => {
  await client?.connection.close();
  await workerConnection?.close();
});

const failure = (kind: FailureKind, message: string, details?: unknown) =>
  ApplicationFailure.create({ type: kind, message, nonRetryable: true, details: details ? [details] : undefined });

function planOf(batches: number): PlanResult {
  const plan: AudiencePlan = {
    fingerprint: { size: 1, mtimeMs: 1, sha256: 'x' },
    rows: batches * 10,
    validRows: batches * 10,
    rejectedRows: 0,
    rejectedByReason: {},
    duplicateRows: 0,
    uniqueEmails: batches * 10,
    toAdd: batches * 10,
    toUpdate: 0,
    unchanged: 0,
    keptWithRejectedRow: 0,
    batches,
  };
  return { plan, listSize: 0, toRemove: 0 };
}

/** Activities that succeed, with `overrides` for the step under test; records each call's name. */
function stubActivities(batches: number, overrides: Partial<Record<keyof AudienceSyncActivities, (...args: never[]) => Promise<unknown>>> = {}) {
  const calls: string[] = [];
  const apiCalls = {};
  const base = {
    validateCredential: async () => ({ account: 'A1', apiCalls }),
    // The list is granted at once: the stub answers as the list's lock would.
    requestListLock: async ({ request }: { request: { workflowId: string } }) => {
      await client.workflow.getHandle(request.workflowId).signal(LIST_LOCK_REPLY_SIGNAL, { outcome: 'granted', holder: request.workflowId });
      return { lockId: 'stub-lock', listName: 'VIP', apiCalls };
    },
    findList: async () => ({ listId: null, listName: 'VIP', apiCalls }),
    planAudience: async () => planOf(batches),
    ensureList: async () => ({ listId: 'L1', listName: 'VIP', created: true, apiCalls }),
    confirmList: async () => ({ apiCalls }),
    upsertBatch: async ({ batch }: { batch: number }) => ({ index: batch, sent: 10, imported: 10, added: 10, updated: 0, klaviyoRejected: 0, jobs: 1, apiCalls }),
    finalizeReport: async () => ({ listSize: batches * 10, rejectRows: 0 }),
    sendAlert: async () => ({ sent: false }),
    ...overrides,
  };
  const recorded = Object.fromEntries(
    Object.entries(base).map(([name, fn]) => [
      name,
      async (...args: unknown[]) => {
        calls.push(name);
        return (fn as (...a: unknown[]) => Promise<unknown>)(...args);
      },
    ]),
  );
  return { activities: recorded, calls };
}

async function runWith<T>(activities: object, fn: (taskQueue: string) => Promise<T>): Promise<T> {
  const taskQueue = `stubbed-${Math.random().toString(36).slice(2)}`;
  const worker = await Worker.create({
    connection: workerConnection,
    taskQueue,
    activities,
    workflowBundle: { codePath: inject('workflowBundlePath') },
  });
  return worker.runUntil(fn(taskQueue));
}

const input: SyncInputRaw = { listName: 'VIP', audience: { type: 'csv', path: '/data/vip.csv' } };

describe('audienceSync with stubbed activities', () => {
  it('pauses on invalid_credentials with the table’s steps, and resolve repeats the step and completes', async () => {
    let attempts = 0;
    const { activities, calls } = stubActivities(2, {
      validateCredential: async () => {
        if (++attempts === 1) throw failure('invalid_credentials', 'Klaviyo said 401');
        return { account: 'A1', apiCalls: {} };
      },
    });
    const report = await runWith(activities, async (taskQueue) => {
      const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `pause-${taskQueue}`, args: [input] });
      let status: SyncStatus;
      do status = await handle.query<SyncStatus>(STATUS_QUERY);
      while (status.state !== 'needs_action');
      expect(status.action).toMatchObject({ code: 'invalid_credentials', title: 'Klaviyo rejected the API key' });
      expect(status.action!.message).toContain('Klaviyo said 401');
      expect(status.action!.steps.at(-1)).toContain(`resolve pause-${taskQueue}`);
      await handle.signal(RESOLVE_SIGNAL);
      return handle.result() as Promise<SyncReport>;
    });
    expect(report.actionsResolved).toBe(1);
    expect(calls.filter((c) => c === 'validateCredential')).toHaveLength(2);
    // One alert for the one pause.
    expect(calls.filter((c) => c === 'sendAlert')).toHaveLength(1);
    expect(calls.filter((c) => c === 'upsertBatch')).toHaveLength(2);
  });

  it('waits out the daily list-creation cap on a durable timer, then creates the list and completes', async () => {
    const attemptsAt: number[] = [];
    const { activities } = stubActivities(1, {
      ensureList: async () => {
        attemptsAt.push(Date.now());
        // Klaviyo's Retry-After below the workflow's one-minute floor: the floor is what is waited.
        if (attemptsAt.length === 1) throw failure('daily_list_cap', 'daily cap', { retryAfterSeconds: 5 });
        return { listId: 'L1', listName: 'VIP', created: true, apiCalls: {} };
      },
    });
    const report = await runWith(activities, async (taskQueue) => {
      const handle = await client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId: `cap-${taskQueue}`, args: [input] });
      return handle.result() as Promise<SyncReport>;
    });
    expect(attemptsAt).toHaveLength(2);
    expect(attemptsAt[1]! - attemptsAt[0]!).toBeGreaterThanOrEqual(59_000);
    expect(report.listCreated).toBe(true);
    expect(report.counts.batchesDone).toBe(1);
  }, 150_000);

  it('continues as new when history is long, carrying the batches done, and finishes every batch once', async () => {
    const { activities, calls } = stubActivities(30);
    const { report, firstRunId, lastRunId } = await runWith(activities, async (taskQueue) => {
      const handle = await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `can-${taskQueue}`,
        args: [{ ...input, continueAsNewAfterEvents: 40 }],
      });
      const result = (await handle.result()) as SyncReport;
      return { report: result, firstRunId: handle.firstExecutionRunId, lastRunId: (await handle.describe()).runId };
    });
    expect(lastRunId).not.toBe(firstRunId);
    expect(report.counts.batchesDone).toBe(30);
    expect(calls.filter((c) => c === 'upsertBatch')).toHaveLength(30);
    // The plan travels with the continuation: the audience is read once for the whole chain.
    expect(calls.filter((c) => c === 'planAudience')).toHaveLength(1);
  });
});
