/** `status`, `resolve` and `paused`: looking at runs and resuming a paused one. */
import { Command } from 'commander';
import { CANCELLED_MESSAGE, RESOLVE_SIGNAL, STATUS_QUERY } from '../../names';
import type { SyncReport, SyncStatus } from '../../shared';
import type { CliContext } from '../context';
import { runFailed, usageError } from '../errors';
import { formatReport, formatStatus, stepLabel } from '../format';
import { examples } from '../options';
import { inspectRun } from '../runInspect';
import { runPhases } from '../../progress/phases';
import { storedRun } from './report';
import { listRuns, PAUSED_RUNS_QUERY } from '../visibility';

type PendingWorkModule = typeof import('../../temporal/pendingWork');
const pendingWorkModule = (): PendingWorkModule => require('../../temporal/pendingWork') as PendingWorkModule;

function noWorker(ctx: CliContext, workflowId: string, detail?: string): Error {
  return runFailed(
    `run '${workflowId}' is open but no worker answered its status query (is a worker polling task queue ` +
      `'${ctx.settings.taskQueue}'?${detail ? ` ${detail.split('\n')[0]}` : ''})`,
  );
}

async function showStatus(ctx: CliContext, workflowId: string, flags: { json?: boolean }): Promise<void> {
  const client = await ctx.client();
  // Text output shows a completed run's report only, so it spares the worker the replay a query costs.
  const view = await inspectRun(client, workflowId, { queryCompleted: Boolean(flags.json) }).catch(async (err: unknown) => {
    // Past Temporal's retention a finished run is still in the workers' sync-state store.
    const stored = (err as Error | undefined)?.name === 'WorkflowNotFoundError' ? await storedRun(ctx, workflowId).catch(() => undefined) : undefined;
    if (!stored?.report) throw err;
    return stored.report;
  });
  if (!('handle' in view)) {
    ctx.print(flags.json ? JSON.stringify({ workflowId, report: view }, null, 2) : formatReport(workflowId, view));
    return;
  }
  // A finished run's report says more than its last status (a dry run's would-add/update/remove, API calls).
  if (view.temporalStatus === 'COMPLETED') {
    const report = (await view.handle.result()) as SyncReport;
    ctx.print(flags.json ? JSON.stringify({ workflowId, temporalStatus: view.temporalStatus, status: view.status, report }, null, 2) : formatReport(workflowId, report));
    return;
  }
  if (view.status) {
    // What the run waits on (a stuck import job, Klaviyo unreachable), and how far its running steps have got,
    // is known to Temporal (pending activities and their heartbeats), not to the workflow.
    const running = view.temporalStatus === 'RUNNING';
    const pending = pendingWorkModule();
    const waitingOn = running ? await pending.pendingWork(client, view.description) : [];
    const progress = runPhases(view.status, running ? await pending.liveProgress(client, view.description) : undefined);
    ctx.print(
      flags.json
        ? JSON.stringify({ workflowId, temporalStatus: view.temporalStatus, status: view.status, waitingOn, progress }, null, 2)
        : formatStatus(workflowId, view.status, waitingOn, progress),
    );
    return;
  }
  if (view.temporalStatus === 'RUNNING') throw noWorker(ctx, workflowId, view.queryError);
  // Closed, and no worker to replay it: what Temporal itself knows.
  const failure =
    view.temporalStatus === 'CANCELLED'
      ? CANCELLED_MESSAGE
      : await view.handle.result().then(
          () => undefined,
          (err: Error) => (err.cause as Error | undefined)?.message ?? err.message,
        );
  ctx.print(`Run ${workflowId}: ${view.temporalStatus.toLowerCase()}${failure ? `: ${failure}` : ''}`);
}

async function resolveRun(ctx: CliContext, workflowId: string): Promise<void> {
  const client = await ctx.client();
  const view = await inspectRun(client, workflowId);
  if (view.temporalStatus !== 'RUNNING') {
    throw usageError(`run '${workflowId}' is not paused: it has already ended (${view.temporalStatus.toLowerCase()}), so there is nothing to resolve`);
  }
  if (!view.status) throw noWorker(ctx, workflowId, view.queryError);
  if (view.status.state !== 'needs_action' || !view.status.action) {
    throw usageError(
      `run '${workflowId}' is not paused (it is ${view.status.state}, ${stepLabel(view.status.step, view.status)}), so there is nothing to resolve`,
    );
  }
  await view.handle.signal(RESOLVE_SIGNAL);
  ctx.print(
    `Sent resolve to ${workflowId} (paused on ${view.status.action.code}); it now retries the step that failed. ` +
      `If the cause is not fixed it pauses again. Follow it with: klaviyo-audience-sync status ${workflowId}`,
  );
}

async function listPaused(ctx: CliContext, flags: { json?: boolean }): Promise<void> {
  const client = await ctx.client();
  const rows: { workflowId: string; code?: string; since?: string; list?: string; step?: string }[] = [];
  for (const run of await listRuns(ctx, client, PAUSED_RUNS_QUERY)) {
    const status = await client.workflow
      .getHandle(run.workflowId, run.runId)
      .query<SyncStatus>(STATUS_QUERY)
      .catch(() => undefined);
    rows.push({
      workflowId: run.workflowId,
      code: status?.action?.code,
      since: status?.action?.since,
      list: status?.listName ?? status?.listId,
      step: status?.step,
    });
  }
  if (flags.json) {
    ctx.print(JSON.stringify(rows, null, 2));
    return;
  }
  if (!rows.length) {
    ctx.print('No runs are waiting on a workflow action.');
    return;
  }
  for (const r of rows) {
    ctx.print(
      `${r.workflowId}  ${r.code ?? '(action unknown: no worker answered)'}  ` +
        `${r.since ? `since ${r.since}  ` : ''}${r.list ? `list "${r.list}"  ` : ''}${r.step ? `at ${stepLabel(r.step)}` : ''}`.trimEnd(),
    );
  }
  ctx.note(`See the steps for one with: klaviyo-audience-sync status <workflow-id>`);
}

export function statusCommand(ctx: CliContext): Command {
  return new Command('status')
    .description("show a run's step and counts, for a paused run what to do, for a finished run its report")
    .argument('<workflow-id>', 'the run (as printed by `sync`, or listed by `runs`)')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      examples(['klaviyo-audience-sync status audience-sync-spring-vip-2026-08-01T06:00:00Z', 'klaviyo-audience-sync status my-run --json']),
    )
    .action((workflowId: string, flags: { json?: boolean }) => showStatus(ctx, workflowId, flags));
}

export function resolveCommand(ctx: CliContext): Command {
  return new Command('resolve')
    .description('resume a run paused on a workflow action, after fixing its cause')
    .argument('<workflow-id>', 'the paused run')
    .addHelpText('after', examples(['klaviyo-audience-sync paused', 'klaviyo-audience-sync resolve audience-sync-spring-vip-2026-08-01T06:00:00Z']))
    .action((workflowId: string) => resolveRun(ctx, workflowId));
}

export function pausedCommand(ctx: CliContext): Command {
  return new Command('paused')
    .description('list every run now waiting on a workflow action, one line each')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', examples(['klaviyo-audience-sync paused', 'klaviyo-audience-sync paused --json']))
    .action((flags: { json?: boolean }) => listPaused(ctx, flags));
}
