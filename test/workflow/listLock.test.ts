/**
 * One writer per list, on the real dev server and the emulator: runs of the same list queue behind the
 * run holding it (however they were started), a holder that dies frees the list, a dry run takes no lock,
 * and `ifListBusy: "fail"` refuses at once. Membership is checked exactly at the emulator.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError, type WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { KlaviyoClient } from '../../src/klaviyo/client';
import {
  LIST_LOCK_RELEASE_SIGNAL,
  LIST_LOCK_REPLY_SIGNAL,
  LIST_LOCK_STATE_QUERY,
  RESOLVE_SIGNAL,
  STATE_SEARCH_ATTRIBUTE,
  WORKFLOW_TYPE,
  type ListLockReply,
  type SyncInputRaw,
} from '../../src/shared';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { runCliProcess } from '../cli/cliProcess';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ batchMaxProfiles: 100, jobDelayMs: 200 });
});
afterAll(async () => {
  await h?.close();
});

function audience(prefix: string, count: number) {
  const { rows, valid } = makeCustomers(count, { prefix });
  return { file: { type: 'csv' as const, path: writeCsvAudience(h.dir, `${prefix}.csv`, rows) }, valid };
}

function sync(listName: string, file: { type: 'csv'; path: string }, extra: Partial<SyncInputRaw> = {}): SyncInputRaw {
  // Each run replaces the other's members: the shrink guard is not what these tests are about.
  return { listName, audience: file, maxRemovalShare: 1, ...extra };
}

async function listsNamed(name: string) {
  return (await h.emulator.admin.lists()).lists.filter((l) => l.name === name);
}

async function membersOf(name: string): Promise<string[]> {
  const lists = await listsNamed(name);
  expect(lists).toHaveLength(1);
  return (await h.emulator.admin.listMembers(lists[0]!.id)).emails;
}

const sorted = (emails: string[]) => [...emails].sort();

/** The lock's replies a run received, in order. */
async function lockReplies(handle: WorkflowHandle): Promise<ListLockReply[]> {
  const history = await handle.fetchHistory();
  return (history.events ?? [])
    .map((e) => e.workflowExecutionSignaledEventAttributes)
    .filter((a) => a?.signalName === LIST_LOCK_REPLY_SIGNAL)
    .map((a) => defaultPayloadConverter.fromPayload(a!.input!.payloads![0]!) as ListLockReply);
}

/** Event times (ms) of a run's activities by type, for checking two runs never wrote at once. */
async function activityTimes(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const byScheduledId = new Map<string, { type: string; scheduledAt: number; closedAt?: number }>();
  for (const e of history.events ?? []) {
    const at = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    const scheduled = e.activityTaskScheduledEventAttributes;
    if (scheduled) byScheduledId.set(String(e.eventId), { type: scheduled.activityType!.name!, scheduledAt: at });
    const closed = e.activityTaskCompletedEventAttributes ?? e.activityTaskFailedEventAttributes;
    const entry = closed && byScheduledId.get(String(closed.scheduledEventId));
    if (entry) entry.closedAt = at;
  }
  return [...byScheduledId.values()];
}

async function eventually(check: () => Promise<void>, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

async function stateAttribute(handle: WorkflowHandle): Promise<unknown> {
  return (await handle.describe()).searchAttributes[STATE_SEARCH_ATTRIBUTE]?.[0];
}

/**
 * A run that holds the list and stays paused (on audience_shrink, in reconciliation) until resolved:
 * the list first gets 40 members, then the holder's 5-row audience would remove them all.
 */
async function pausedHolder(listName: string, prefix: string, start?: (input: SyncInputRaw) => Promise<WorkflowHandle>) {
  await resultOf(await h.start(sync(listName, audience(`${prefix}-seed`, 40).file)));
  const tiny = audience(`${prefix}-tiny`, 5);
  const handle = await (start ?? ((input) => h.start(input)))({ listName, audience: tiny.file });
  await h.waitForStatus(handle, (s) => s.state === 'needs_action' && s.action?.code === 'audience_shrink');
  return { handle, valid: tiny.valid };
}

describe('one writer per list', () => {
  it('two runs started at the same instant: the second waits, the list ends as its audience, and one list exists', async () => {
    const listName = `Same instant ${randomUUID().slice(0, 8)}`;
    const first = audience('instant-a', 300);
    const second = audience('instant-b', 250);
    const [a, b] = await Promise.all([h.start(sync(listName, first.file)), h.start(sync(listName, second.file))]);
    const [reportA, reportB] = await Promise.all([resultOf(a), resultOf(b)]);

    // Exactly one run was queued, behind the other.
    const [repliesA, repliesB] = await Promise.all([lockReplies(a), lockReplies(b)]);
    const aWaited = repliesA.some((r) => r.outcome === 'queued');
    const bWaited = repliesB.some((r) => r.outcome === 'queued');
    expect(aWaited !== bWaited, JSON.stringify({ repliesA, repliesB })).toBe(true);
    const [holder, waiter, later] = aWaited ? [b, a, first] : [a, b, second];
    expect((aWaited ? repliesA : repliesB).find((r) => r.outcome === 'queued')?.holder).toBe(holder.workflowId);

    expect(await listsNamed(listName)).toHaveLength(1);
    expect(sorted(await membersOf(listName))).toEqual(sorted(later.valid));
    expect(reportA.listId).toBe(reportB.listId);
    expect([reportA.listCreated, reportB.listCreated].sort()).toEqual([false, true]);

    // The waiter touched the list only after the holder's last Klaviyo call.
    const holderTimes = await activityTimes(holder);
    const waiterTimes = await activityTimes(waiter);
    const holderDone = Math.max(...holderTimes.map((t) => t.closedAt ?? Infinity));
    // The waiter first touches the list (finds it) only after the holder is done with it.
    const waiterEnsured = waiterTimes.find((t) => t.type === 'findList')!.scheduledAt;
    expect(waiterEnsured).toBeGreaterThanOrEqual(holderDone);
  });

  it.each([
    ['terminated', async (holder: WorkflowHandle) => holder.terminate('test: the holder is killed')],
    ['timed out', async () => undefined],
  ])('a holder that is %s without releasing frees the list for the run waiting for it', async (how, kill) => {
    const listName = `Dead holder ${randomUUID().slice(0, 8)}`;
    const prefix = how === 'terminated' ? 'term' : 'timeout';
    const { handle: holder } = await pausedHolder(listName, prefix, (input) =>
      h.client.workflow.start(WORKFLOW_TYPE, {
        taskQueue: h.taskQueue,
        workflowId: `holder-${randomUUID()}`,
        args: [input],
        // The timed-out holder's run ends a few seconds in, while it holds the list.
        ...(how === 'timed out' && { workflowExecutionTimeout: '10s' }),
      }),
    );
    const next = audience(`${prefix}-next`, 120);
    const waiter = await h.start(sync(listName, next.file));
    const waiting = await h.waitForStatus(waiter, (s) => s.state === 'waiting_for_list');
    expect(waiting.waitingFor).toBe(holder.workflowId);
    expect(waiting.listLock).toMatch(/^audience-list-lock\/[\w-]+\/Dead-holder-[0-9a-f]{8}-[0-9a-f]{16}$/);
    expect(await stateAttribute(waiter)).toBe('waiting_for_list');

    await kill(holder);
    const report = await resultOf(waiter);
    expect((await holder.describe()).status.name).toBe(how === 'terminated' ? 'TERMINATED' : 'TIMED_OUT');
    expect(report.listCreated).toBe(false);
    expect(sorted(await membersOf(listName))).toEqual(sorted(next.valid));
    expect(await stateAttribute(waiter)).toBe('completed');
  });

  it('a dry run takes no lock: it reports while another run holds the list', async () => {
    const listName = `Dry no lock ${randomUUID().slice(0, 8)}`;
    const { handle: holder, valid } = await pausedHolder(listName, 'drylock');
    const dry = await h.start(sync(listName, audience('drylock-dry', 30).file, { dryRun: true }));
    const report = await resultOf(dry);
    expect(report).toMatchObject({ dryRun: true, wouldAdd: 30 });
    expect((await activityTimes(dry)).map((t) => t.type)).not.toContain('requestListLock');
    expect((await holder.describe()).status.name).toBe('RUNNING');

    await holder.signal(RESOLVE_SIGNAL);
    await resultOf(holder);
    expect(sorted(await membersOf(listName))).toEqual(sorted(valid));
  });

  it('ifListBusy "fail" refuses at once, naming the holder, also for a run by list id', async () => {
    const listName = `Busy fail ${randomUUID().slice(0, 8)}`;
    const { handle: holder, valid } = await pausedHolder(listName, 'busy');
    const [list] = await listsNamed(listName);
    const refused = await h.start({ listId: list!.id, audience: audience('busy-refused', 20).file, ifListBusy: 'fail' });
    const err = await resultOf(refused).catch((e) => e);
    expect(err).toBeInstanceOf(WorkflowFailedError);
    expect(err.cause?.type).toBe('list_busy');
    expect(err.cause?.message).toContain(`run ${holder.workflowId} is syncing it`);
    expect(err.cause?.message).toContain(`List "${listName}" is busy`);
    expect((await activityTimes(refused)).map((t) => t.type)).not.toContain('upsertBatch');

    await holder.signal(RESOLVE_SIGNAL);
    await resultOf(holder);
    expect(sorted(await membersOf(listName))).toEqual(sorted(valid));
  });

  it('a run keeps the list across continue-as-new; the next run starts only after the whole chain', async () => {
    const listName = `Long holder ${randomUUID().slice(0, 8)}`;
    const first = audience('chain-a', 1000);
    const second = audience('chain-b', 50);
    const holder = await h.client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: h.taskQueue,
      workflowId: `chain-${randomUUID()}`,
      args: [sync(listName, first.file, { continueAsNewAfterEvents: 40 })],
    });
    await h.waitForStatus(holder, (s) => s.step === 'upserting');
    const waiter = await h.start(sync(listName, second.file));
    expect((await h.waitForStatus(waiter, (s) => s.state === 'waiting_for_list')).waitingFor).toBe(holder.workflowId);
    await Promise.all([resultOf(holder), resultOf(waiter)]);

    const runs = [];
    for await (const run of h.client.workflow.list({ query: `WorkflowId="${holder.workflowId}"` })) runs.push(run);
    expect(runs.length).toBeGreaterThan(1);
    const lastRunDone = Math.max(...(await activityTimes(holder)).map((t) => t.closedAt ?? Infinity));
    const waiterEnsured = (await activityTimes(waiter)).find((t) => t.type === 'findList')!.scheduledAt;
    expect(waiterEnsured).toBeGreaterThanOrEqual(lastRunDone);
    expect(sorted(await membersOf(listName))).toEqual(sorted(second.valid));
  });

  it('cancelling a waiting run leaves the queue; cancelling the holder frees the list at once', async () => {
    const listName = `Cancelled ${randomUUID().slice(0, 8)}`;
    const { handle: holder } = await pausedHolder(listName, 'cancel');
    const leaving = await h.start(sync(listName, audience('cancel-leaving', 10).file));
    const staying = audience('cancel-staying', 30);
    const waiter = await h.start(sync(listName, staying.file));
    const { listLock } = await h.waitForStatus(waiter, (s) => s.state === 'waiting_for_list');
    const lock = h.client.workflow.getHandle(listLock!);
    await h.waitForStatus(leaving, (s) => s.state === 'waiting_for_list');

    await leaving.cancel();
    await expect(resultOf(leaving)).rejects.toThrow();
    await eventually(async () => expect(await lock.query(LIST_LOCK_STATE_QUERY)).toMatchObject({ holder: holder.workflowId, waiting: [waiter.workflowId] }));

    await holder.cancel();
    await resultOf(waiter);
    expect(sorted(await membersOf(listName))).toEqual(sorted(staying.valid));
    // Both sent `release` on their way out.
    const released = ((await lock.fetchHistory()).events ?? [])
      .map((e) => e.workflowExecutionSignaledEventAttributes)
      .filter((a) => a?.signalName === LIST_LOCK_RELEASE_SIGNAL)
      .map((a) => (defaultPayloadConverter.fromPayload(a!.input!.payloads![0]!) as { workflowId: string }).workflowId);
    expect(released).toEqual(expect.arrayContaining([leaving.workflowId, holder.workflowId]));
  });

  it('keys the lock by the Klaviyo account id', async () => {
    const account = await new KlaviyoClient({ apiKey: h.apiKey, baseUrl: h.emulator.url, speedFactor: 50 }).accountId();
    const listName = `Account key ${randomUUID().slice(0, 8)}`;
    const handle = await h.start(sync(listName, audience('account', 10).file));
    await resultOf(handle);
    const status = await h.waitForStatus(handle, () => true);
    expect(status.listLock?.startsWith(`audience-list-lock/${account}/Account-key-`)).toBe(true);
  });
});

describe('the CLI', () => {
  const cli = (...args: string[]) => runCliProcess(args, h.env);

  it('says a run is already syncing the list, shows whom --wait waits for (FIFO), and refuses with --if-list-busy fail', async () => {
    const listName = `CLI busy ${randomUUID().slice(0, 8)}`;
    const { handle: holder } = await pausedHolder(listName, 'clibusy');

    const second = audience('clibusy-second', 2);
    const queued = await cli('sync', '--list', listName, '--audience', second.file.path);
    expect(queued.code, queued.stderr).toBe(0);
    const secondId = queued.stdout.trim();
    expect(queued.stderr).toContain(`Run ${holder.workflowId} is already syncing list '${listName}'; this run (${secondId}) waits for it`);
    expect(queued.stderr).toContain(`klaviyo-audience-sync status ${secondId}`);

    const status = await cli('status', secondId);
    expect(status.stdout).toContain('state: waiting_for_list');
    expect(status.stdout).toContain(`waiting for run ${holder.workflowId} to finish with this list`);

    const refused = await cli('sync', '--list', listName, '--audience', second.file.path, '--if-list-busy', 'fail');
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(new RegExp(`The run failed: List "${listName}" is busy: run ${holder.workflowId} is syncing it`));

    // A third run waits behind both and hears when the list passes from the holder to the second run,
    // which pauses too (its 2 rows would remove most of the list) until it is resolved.
    const third = audience('clibusy-third', 70);
    const thirdId = `third-${randomUUID()}`;
    const waiting = cli('sync', '--list', listName, '--audience', third.file.path, '--wait', '--workflow-id', thirdId);
    const thirdHandle = h.client.workflow.getHandle(thirdId);
    const cliPolls = () => new Promise((r) => setTimeout(r, 1500));
    await h.waitForStatus(thirdHandle, (s) => s.waitingFor === holder.workflowId);
    await cliPolls();
    await holder.signal(RESOLVE_SIGNAL);
    const secondHandle = h.client.workflow.getHandle(secondId);
    await h.waitForStatus(secondHandle, (s) => s.state === 'needs_action');
    await h.waitForStatus(thirdHandle, (s) => s.waitingFor === secondId);
    await cliPolls();
    await secondHandle.signal(RESOLVE_SIGNAL);
    const r = await waiting;
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`Waiting for run ${holder.workflowId} to finish with this list`);
    expect(r.stderr).toContain(`Waiting for run ${secondId} to finish with this list`);
    expect(sorted(await membersOf(listName))).toEqual(sorted(third.valid));
  });
});

describe('a worker killed while one run holds the list and another waits', () => {
  let k: SyncHarness;
  beforeAll(async () => {
    k = await createSyncHarness({ worker: false, batchMaxProfiles: 100, jobDelayMs: 1500 });
  });
  afterAll(async () => {
    await k?.close();
  });

  it('both finish on another worker, one after the other, and the list is the later audience', async () => {
    const child = k.startWorkerProcess();
    const listName = `Killed worker ${randomUUID().slice(0, 8)}`;
    const write = (prefix: string, count: number) => {
      const { rows, valid } = makeCustomers(count, { prefix });
      return { file: { type: 'csv' as const, path: writeCsvAudience(k.dir, `${prefix}.csv`, rows) }, valid };
    };
    const first = write('killed-a', 1200);
    const second = write('killed-b', 200);
    const holder = await k.start(sync(listName, first.file));
    await k.waitForStatus(holder, (s) => s.step === 'upserting' && s.counts.batchesDone >= 1, 90_000);
    const waiter = await k.start(sync(listName, second.file));
    const waiting = await k.waitForStatus(waiter, (s) => s.state === 'waiting_for_list', 30_000);
    expect(waiting.waitingFor).toBe(holder.workflowId);
    child.kill('SIGKILL');

    await k.startWorker();
    const [holderReport] = await Promise.all([resultOf(holder), resultOf(waiter)]);
    expect(holderReport.counts.batchesDone).toBe(holderReport.counts.batchesTotal);
    const lists = (await k.emulator.admin.lists()).lists.filter((l) => l.name === listName);
    expect(lists).toHaveLength(1);
    expect(sorted((await k.emulator.admin.listMembers(lists[0]!.id)).emails)).toEqual(sorted(second.valid));
  });
});
