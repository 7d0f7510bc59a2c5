/**
 * Finding runs through Temporal visibility: `paused`, `runs`, and a schedule's last run. A run's row says
 * when it started, how it ended, who started it (a schedule sets Temporal's TemporalScheduledById) and,
 * once completed, its report.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { LIST_SEARCH_ATTRIBUTE, SCHEDULED_BY_SEARCH_ATTRIBUTE, STATE_SEARCH_ATTRIBUTE, WORKFLOW_TYPE } from '../names';
import type { SyncReport } from '../shared';
import { hashedListName, listSearchValue } from './naming';
import type { CliContext } from './context';
import { runFailed } from './errors';

/** The visibility query `paused` runs; also what an operator types into the UI's filter box. */
export const PAUSED_RUNS_QUERY = `${STATE_SEARCH_ATTRIBUTE} = "needs_action" AND ExecutionStatus = "Running"`;

/** A string literal of the visibility query language. */
function quoted(value: string): string {
  return `"${value.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

/** Every audienceSync run (one row per workflow id: the executions a run continued as new are left out). */
export function runsQuery(list?: string, hideNames = false): string {
  return [
    `WorkflowType = ${quoted(WORKFLOW_TYPE)}`,
    'ExecutionStatus != "ContinuedAsNew"',
    ...(list !== undefined ? [`${LIST_SEARCH_ATTRIBUTE} = ${quoted(listSearchValue(list, hideNames))}`] : []),
  ].join(' AND ');
}

/** Runs matching a query, at most `limit`; a missing search attribute is named with the commands that add it. */
export async function listRuns(ctx: CliContext, client: Client, query: string, limit = Infinity): Promise<WorkflowExecutionInfo[]> {
  const runs: WorkflowExecutionInfo[] = [];
  try {
    for await (const run of client.workflow.list({ query })) {
      runs.push(run);
      if (runs.length >= limit) break;
    }
  } catch (err) {
    const message = (err as Error).message ?? '';
    if (/not defined|invalid query|unknown search attribute/i.test(message)) {
      const { searchAttributeCommands } = require('../temporal/searchAttributes') as typeof import('../temporal/searchAttributes');
      throw runFailed(
        `the search attributes ${STATE_SEARCH_ATTRIBUTE} and ${LIST_SEARCH_ATTRIBUTE} are not both registered in namespace ` +
          `'${ctx.settings.namespace}'; start a worker once or run: ${searchAttributeCommands(ctx.settings.namespace).join(' && ')}`,
      );
    }
    throw err;
  }
  return runs;
}

export interface RunSummary {
  workflowId: string;
  runId: string;
  /** The list's name (or id) as the run was started with; absent on runs from before AudienceSyncList. */
  list?: string;
  /** running, needs_action, completed, failed, cancelled, terminated, timed_out. */
  state: string;
  startedAt: string;
  closedAt?: string;
  durationMs: number;
  /** The schedule that started it; absent when started from the CLI or elsewhere. */
  scheduleId?: string;
  /** A completed run's result. */
  report?: SyncReport;
}

/** What a visibility entry and a describe() both carry. */
type RunInfo = Pick<WorkflowExecutionInfo, 'workflowId' | 'runId' | 'status' | 'startTime' | 'closeTime' | 'typedSearchAttributes'>;

function keyword(info: RunInfo, name: string): string | undefined {
  const value = info.typedSearchAttributes.getAll().find((pair) => pair.key.name === name)?.value;
  return typeof value === 'string' ? value : undefined;
}

/** One row from a visibility entry or a describe(); reads the result of a completed run. */
export async function summarizeRun(client: Client, info: RunInfo, now = new Date()): Promise<RunSummary> {
  const temporalState = info.status.name;
  // While open, the workflow's own state says more (needs_action); once closed, Temporal's is final
  // (a terminated run never got to update its attribute).
  const state = temporalState === 'RUNNING' ? (keyword(info, STATE_SEARCH_ATTRIBUTE) ?? 'running') : temporalState.toLowerCase();
  const report =
    temporalState === 'COMPLETED'
      ? ((await client.workflow.getHandle(info.workflowId, info.runId).result()) as SyncReport)
      : undefined;
  const end = info.closeTime ?? now;
  return {
    workflowId: info.workflowId,
    runId: info.runId,
    // A hashed list name (payload encryption on) says nothing to a reader: the report's name does.
    list: listName(keyword(info, LIST_SEARCH_ATTRIBUTE), report?.listName),
    state,
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString(),
    // A report covers the whole run, including executions it continued as new.
    durationMs: report?.durationMs ?? Math.max(0, end.getTime() - info.startTime.getTime()),
    scheduleId: keyword(info, SCHEDULED_BY_SEARCH_ATTRIBUTE),
    report,
  };
}

function listName(indexed: string | undefined, reported: string | undefined): string | undefined {
  return indexed !== undefined && indexed === (reported !== undefined ? hashedListName(reported) : undefined) ? reported : (indexed ?? reported);
}
