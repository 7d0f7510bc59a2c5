/** `sync` and `dry-run`: start an audienceSync run (validated first), optionally wait with progress. */
import { Command, Option } from 'commander';
import { WORKFLOW_TYPE } from '../../names';
import { checkAudienceLocally } from '../audienceCheck';
import type { CliContext } from '../context';
import { runFailed, usageError } from '../errors';
import { formatReport } from '../format';
import { busyNote, statusOnceListClaimed } from '../listBusy';
import { defaultWorkflowId, listIndexAtStart } from '../naming';
import { addSyncOptions, examples, type SyncCommandFlags } from '../options';

interface RunFlags extends SyncCommandFlags {
  workflowId?: string;
  wait?: boolean;
  json?: boolean;
}

async function startAndMaybeWait(ctx: CliContext, flags: RunFlags, dryRun: boolean): Promise<void> {
  // Loaded here, not at the top, so `--help` does not pay for zod, cli-progress and the audience readers.
  const { buildSyncInput } = require('../syncInput') as typeof import('../syncInput');
  const { waitForRun } = require('../progress') as typeof import('../progress');
  const { startMetadata } = require('../../runDescription') as typeof import('../../runDescription');
  // Validate before connecting: a typo never reaches the server.
  const input = buildSyncInput(flags, { dryRun });
  if (flags.localCheck !== false) await checkAudienceLocally(input.audience);
  const list = flags.list ?? flags.listId ?? 'list';
  const workflowId = flags.workflowId ?? defaultWorkflowId(list, new Date(), ctx.hidesListNames);
  const client = await ctx.client();
  let handle;
  try {
    handle = await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue: ctx.settings.taskQueue,
      workflowId,
      args: [input],
      ...listIndexAtStart(list, ctx.hidesListNames),
      ...startMetadata(input, `the CLI (${dryRun ? 'dry-run' : 'sync'})`),
    });
  } catch (err) {
    if ((err as Error).name === 'WorkflowExecutionAlreadyStartedError') {
      throw usageError(`a run with workflow id '${workflowId}' already exists; choose another --workflow-id`);
    }
    throw err;
  }
  ctx.note(`Started ${dryRun ? 'dry run' : 'audience sync'} ${workflowId} on task queue ${ctx.settings.taskQueue}.`);
  if (!flags.wait) {
    ctx.print(workflowId);
    // Another run of the list makes this one wait (or fail, with --if-list-busy fail): say so now.
    const status = await statusOnceListClaimed(handle);
    if (status?.state === 'waiting_for_list' && status.waitingFor) ctx.note(busyNote(workflowId, status));
    else ctx.note(`Follow it with: klaviyo-audience-sync status ${workflowId}`);
    if (status?.state === 'failed') throw runFailed(`the run failed: ${status.error ?? 'see klaviyo-audience-sync status ' + workflowId}`);
    return;
  }
  const report = await waitForRun(ctx, handle);
  ctx.print(flags.json ? JSON.stringify({ workflowId, report }, null, 2) : formatReport(workflowId, report));
}

function runCommand(name: string, description: string): Command {
  return addSyncOptions(new Command(name).description(description))
    .option('--workflow-id <id>', 'workflow id (default: audience-sync-<list slug>-<UTC time>, as scheduled runs have)')
    .option('--json', 'print the report as JSON');
}

export function syncCommand(ctx: CliContext): Command {
  return runCommand('sync', 'start a sync run that makes the Klaviyo list match the audience')
    .option('-w, --wait', 'show live progress and print the report when the run ends')
    .addOption(
      new Option('--if-list-busy <what>', 'when another run is syncing the list: wait for it (default) or fail at once').choices(['wait', 'fail']),
    )
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync sync --list "Spring VIP" --audience data/spring-vip.csv --wait',
        'klaviyo-audience-sync sync --list "Newsletter" --audience export.ndjson --no-remove',
        'klaviyo-audience-sync sync --list "Big spenders" --query "select email, first_name from customers where ltv > 1000" --connection warehouse',
        'klaviyo-audience-sync sync --list-id Y6nRLr --audience vip.csv --no-update-contacts --workflow-id vip-2026-08-01',
      ]),
    )
    .action((flags: RunFlags) => startAndMaybeWait(ctx, flags, false));
}

export function dryRunCommand(ctx: CliContext): Command {
  return runCommand('dry-run', 'show what a sync would add, update and remove, without writing to Klaviyo')
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync dry-run --list "Spring VIP" --audience data/spring-vip.csv',
        'klaviyo-audience-sync dry-run --list "Spring VIP" --audience data/spring-vip.csv --json',
      ]),
    )
    .action((flags: RunFlags) => startAndMaybeWait(ctx, { ...flags, wait: true }, true));
}
