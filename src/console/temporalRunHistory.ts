/**
 * RunHistory read from Temporal: visibility lists the runs (by workflow type and task queue, paused ones
 * by the AudienceSyncState search attribute); an open run answers the `status` query; a closed run's
 * result or failure comes from its close event; the input (list, audience) from its first event. What
 * cannot change any more (input, result, failure) is kept per run id.
 */
import { describeAudienceSource } from '../shared';
import fs from 'node:fs';
import path from 'node:path';
import type { Readable } from 'node:stream';
import { WorkflowNotFoundError, type Client, type WorkflowExecutionDescription, type WorkflowExecutionInfo } from '@temporalio/client';
import { decodeFirstPayload } from '../temporal/decode';
import { liveProgress } from '../temporal/pendingWork';
import { asSentence } from '../cli/errors';
import { STATE_SEARCH_ATTRIBUTE, STATUS_QUERY, WORKFLOW_TYPE, type SyncInputRaw, type SyncReport, type SyncStatus } from '../shared';
import { ConsoleProblem, type ConsoleRun, type RunState, type TemporalRuns } from './runHistory';

/** How long an open run's status query may take: with no worker polling, the server would hold it much longer. */
const QUERY_PATIENCE_MS = 3000;
/** Runs whose settled facts are kept (a few times the pages' 100 recent runs). */
const SETTLED_KEPT = 2000;

const CLOSED_STATES: Partial<Record<string, RunState>> = {
  COMPLETED: 'completed',
  FAILED: 'failed',
  CANCELLED: 'cancelled',
  TERMINATED: 'terminated',
  TIMED_OUT: 'timed_out',
};

/** What visibility's list and a handle's describe both give. */
type Execution = Omit<WorkflowExecutionInfo, 'raw'>;

interface Settled {
  input?: SyncInputRaw;
  report?: SyncReport;
  error?: string;
}

export interface TemporalRunHistoryOptions {
  client: Client;
  namespace: string;
  taskQueue: string;
  /** Reject reports are served from under this folder only. */
  reportDir: string;
}

export class TemporalRunHistory implements TemporalRuns {
  private readonly settled = new Map<string, Settled>();

  constructor(private readonly opts: TemporalRunHistoryOptions) {}

  private query(extra?: string): string {
    // Quotes in a task queue name would end the string early; task queues never need them.
    const base = `WorkflowType = "${WORKFLOW_TYPE}" AND TaskQueue = "${this.opts.taskQueue.replace(/"/g, '')}"`;
    return extra ? `${base} AND ${extra}` : base;
  }

  private pausedQuery(): string {
    return this.query(`${STATE_SEARCH_ATTRIBUTE} = "needs_action" AND ExecutionStatus = "Running"`);
  }

  async recentRuns(limit: number): Promise<ConsoleRun[]> {
    const infos: WorkflowExecutionInfo[] = [];
    // A continued run's predecessors are listed too; its latest run stands for the chain.
    for await (const info of this.opts.client.workflow.list({ query: this.query('ExecutionStatus != "ContinuedAsNew"') })) {
      infos.push(info);
      if (infos.length >= limit) break;
    }
    return Promise.all(infos.map((info) => this.toRun(info)));
  }

  async pausedRuns(): Promise<ConsoleRun[]> {
    const infos: WorkflowExecutionInfo[] = [];
    try {
      for await (const info of this.opts.client.workflow.list({ query: this.pausedQuery() })) infos.push(info);
    } catch (err) {
      const e = err as Error;
      // The client says "Failed to list workflows"; the server's reason is its cause.
      if (/invalid (?:query|search attribute)|not defined/i.test(`${e.message} ${(e.cause as Error | undefined)?.message}`)) {
        throw new ConsoleProblem(
          `The search attribute ${STATE_SEARCH_ATTRIBUTE} is not registered in namespace '${this.opts.namespace}', so paused runs cannot be found; ` +
            `start a worker once, or run: temporal operator search-attribute create --name ${STATE_SEARCH_ATTRIBUTE} --type Keyword`,
        );
      }
      throw err;
    }
    const runs = await Promise.all(infos.map((info) => this.toRun(info)));
    // Visibility lags a little: trust the run's own status where it answered.
    return runs.filter((r) => r.status === undefined || r.status.state === 'needs_action');
  }

  async pausedCount(): Promise<number> {
    return (await this.opts.client.workflow.count(this.pausedQuery())).count;
  }

  async run(workflowId: string): Promise<ConsoleRun | undefined> {
    let info: Execution;
    try {
      info = await this.opts.client.workflow.getHandle(workflowId).describe();
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return undefined;
      throw err;
    }
    if (info.type !== WORKFLOW_TYPE) return undefined;
    const run = await this.toRun(info);
    // A run's own page has its pending activities at hand (describe): their heartbeats say how far its running step got.
    if (run.status) run.live = await liveProgress(this.opts.client, info as WorkflowExecutionDescription).catch(() => undefined);
    return run;
  }

  async rejectRows(run: ConsoleRun): Promise<Readable | undefined> {
    const file = run.report?.reportLocation;
    if (!file) return undefined;
    // The path comes from the run's result: read it only if it lies where the workers write reports.
    const resolved = path.resolve(file);
    const root = path.resolve(this.opts.reportDir);
    if (!resolved.startsWith(root + path.sep) || !fs.existsSync(resolved)) return undefined;
    return fs.createReadStream(resolved);
  }

  private async toRun(info: Execution): Promise<ConsoleRun> {
    const settled = await this.settledFacts(info);
    const input = settled.input;
    const run: ConsoleRun = {
      workflowId: info.workflowId,
      runId: info.runId,
      state: CLOSED_STATES[info.status.name] ?? 'running',
      list: input?.listName ?? input?.listId,
      listId: settled.report?.listId ?? input?.listId,
      dryRun: input?.dryRun ?? false,
      audience: input?.audience ? describeAudienceSource(input.audience) : undefined,
      startedAt: info.startTime,
      closedAt: info.closeTime,
      scheduleId: scheduledBy(info),
      report: settled.report,
      error: settled.error,
    };
    if (info.status.name === 'RUNNING') {
      run.status = await this.status(info);
      if (run.status) {
        run.state = run.status.state;
        run.list = run.status.listName ?? run.list;
        run.listId = run.status.listId ?? run.listId;
        // A continued run started later than its chain: the chain's start is what the operator knows.
        run.startedAt = new Date(run.status.startedAt);
      }
    } else if (run.report) {
      run.list = run.report.listName ?? run.list;
      run.startedAt = new Date(info.closeTime!.getTime() - run.report.durationMs);
    }
    run.runKey = run.report?.runKey ?? run.status?.runKey;
    return run;
  }

  private async status(info: Execution): Promise<SyncStatus | undefined> {
    const handle = this.opts.client.workflow.getHandle(info.workflowId, info.runId);
    const timeLeft = new Promise<undefined>((r) => setTimeout(() => r(undefined), QUERY_PATIENCE_MS).unref());
    return Promise.race([handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined), timeLeft]);
  }

  /** Input, result and failure: read once per run id, since they never change. */
  private async settledFacts(info: Execution): Promise<Settled> {
    const cached = this.settled.get(info.runId);
    if (cached && (info.status.name === 'RUNNING' || cached.report || cached.error)) return cached;
    const facts: Settled = { ...cached, input: cached?.input ?? (await this.input(info)) };
    if (info.status.name !== 'RUNNING') {
      const handle = this.opts.client.workflow.getHandle(info.workflowId, info.runId, { followRuns: false });
      await handle.result().then(
        (report) => (facts.report = report as SyncReport),
        (err: Error) => (facts.error = oneSentence(err)),
      );
    }
    this.settled.set(info.runId, facts);
    // Oldest first out: the console shows recent runs, so a long-lived console need not remember every run.
    if (this.settled.size > SETTLED_KEPT) this.settled.delete(this.settled.keys().next().value!);
    return facts;
  }

  /** The run's input, from its first history event (one event, not the history). */
  private async input(info: Execution): Promise<SyncInputRaw | undefined> {
    const { client, namespace } = this.opts;
    try {
      const page = await client.workflowService.getWorkflowExecutionHistory({
        namespace,
        execution: { workflowId: info.workflowId, runId: info.runId },
        maximumPageSize: 1,
      });
      const payloads = page.history?.events?.[0]?.workflowExecutionStartedEventAttributes?.input?.payloads;
      return await decodeFirstPayload<SyncInputRaw>(client.options.loadedDataConverter, payloads);
    } catch {
      return undefined;
    }
  }
}

function scheduledBy(info: Execution): string | undefined {
  const value = info.searchAttributes?.TemporalScheduledById;
  return Array.isArray(value) && typeof value[0] === 'string' ? value[0] : undefined;
}

/** The innermost cause says what went wrong ("Activity task failed" wraps it). */
function oneSentence(err: Error): string {
  let e: Error | undefined = err;
  let message = err.message;
  while (e) {
    if (e.message) message = e.message;
    e = e.cause as Error | undefined;
  }
  return asSentence(message.split('\n')[0]!);
}
