/** `status`, `resolve` and `paused`: looking at runs and resuming a paused one. */
import { Command } from 'commander';
import { RESOLVE_SIGNAL, STATE_SEARCH_ATTRIBUTE, STATUS_QUERY, type SyncReport, type SyncStatus } from '../../shared';
import type { CliContext } from '../context';
import { runFailed, usageError } from '../errors';
import { formatReport, formatStatus, stepLabel } from '../format';
import { examples } from '../options';
import { inspectRun } from '../runInspect';
import { pendingWork } from '../../temporal/pendingWork';

function noWorker(ctx: CliContext, workflowId: string, detail?: string): Error {
  return runFailed(
    `run '${workflowId}' is open but no worker answered its status query (is a worker polling task queue ` +
      `'${ctx.settings.taskQueue}'?${detail ? ` ${detail.split('\n')[0]}` : ''})`,
  );
}

async function showStatus(ctx: CliContext, workflowId: string, flags: { json?: boolean }): Promise<void> {
  const client = await ctx.client();
  const view = await inspectRun(client, workflowId);
  // A finished run's report says more than its last status (a dry run's would-add/update/remove, API calls).
  if (view.temporalStatus === 'COMPLETED') {
    const report = (await view.handle.result()) as SyncReport;
    ctx.print(flags.json ? JSON.stringify({ workflowId, temporalStatus: view.temporalStatus, status: view.status, report }, null, 2) : formatReport(workflowId, report));
    return;
  }
  if (view.status) {
    // What the run waits on (a stuck import job, Klaviyo unreachable) is known to Temporal, not to the workflow.
    const waitingOn = view.temporalStatus === 'RUNNING' ? await pendingWork(client, view.description) : [];
    ctx.print(
      flags.json
        ? JSON.stringify({ workflowId, temporalStatus: view.temporalStatus, status: view.status, waitingOn }, null, 2)
        : formatStatus(workflowId, view.status, waitingOn),
    );
    return;
  }
  if (view.temporalStatus === 'RUNNING') throw noWorker(ctx, workflowId, view.queryError);
  const failure = await view.handle.result().then(
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

/** The visibility query `paused` runs; also what an operator types into the UI's filter box. */
export const PAUSED_RUNS_QUERY = `${STATE_SEARCH_ATTRIBUTE} = "needs_action" AND ExecutionStatus = "Running"`;

async function listPaused(ctx: CliContext, flags: { json?: boolean }): Promise<void> {
  const client = await ctx.client();
  const rows: { workflowId: string; code?: string; since?: string; list?: string; step?: string }[] = [];
  try {
    for await (const run of client.workflow.list({ query: PAUSED_RUNS_QUERY })) {
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
  } catch (err) {
    if (/AudienceSyncState|not defined|invalid query/i.test((err as Error).message)) {
      throw runFailed(
        `the search attribute ${STATE_SEARCH_ATTRIBUTE} is not registered in namespace '${ctx.settings.namespace}'; ` +
          `start a worker once or run: temporal operator search-attribute create --name ${STATE_SEARCH_ATTRIBUTE} --type Keyword`,
      );
    }
    throw err;
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
    .description("show a run's step and counts, and for a paused run what to do")
    .argument('<workflow-id>', 'the run (as printed by `sync`)')
    .option('--json', 'print the status as JSON')
    .addHelpText(
      'after',
      examples(['klaviyo-audience-sync status audience-sync-spring-vip-20260801T060000Z', 'klaviyo-audience-sync status my-run --json']),
    )
    .action((workflowId: string, flags: { json?: boolean }) => showStatus(ctx, workflowId, flags));
}

export function resolveCommand(ctx: CliContext): Command {
  return new Command('resolve')
    .description('resume a run paused on a workflow action, after fixing its cause')
    .argument('<workflow-id>', 'the paused run')
    .addHelpText('after', examples(['klaviyo-audience-sync paused', 'klaviyo-audience-sync resolve audience-sync-spring-vip-20260801T060000Z']))
    .action((workflowId: string) => resolveRun(ctx, workflowId));
}

export function pausedCommand(ctx: CliContext): Command {
  return new Command('paused')
    .description('list every run now waiting on a workflow action, one line each')
    .option('--json', 'print the list as JSON')
    .addHelpText('after', examples(['klaviyo-audience-sync paused', 'klaviyo-audience-sync paused --json']))
    .action((flags: { json?: boolean }) => listPaused(ctx, flags));
}
