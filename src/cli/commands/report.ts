/** `report`: a finished run's report, read from the sync-state store (no Temporal needed), and its rejects as CSV. */
import path from 'node:path';
import { Command } from 'commander';
import { stateStoreSettingsFromEnv } from '../../config';
import type { SyncStateStore } from '../../store/types';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { formatReport } from '../format';
import { examples } from '../options';

interface ReportFlags {
  json?: boolean;
  rejects?: string;
}

/**
 * The workers' store, opened to read (an embedded store that does not exist is not created), or undefined.
 * The store's drivers and the CSV writer load when a command reads the store, not for `--help`.
 */
function openStore(ctx: CliContext): Promise<SyncStateStore | undefined> {
  const { openExistingStateStore } = require('../../store/open') as typeof import('../../store/open');
  return openExistingStateStore(stateStoreSettingsFromEnv(ctx.env).location);
}

/** The latest run of a workflow id as the workers' store knows it, or undefined. */
export async function storedRun(ctx: CliContext, workflowId: string) {
  const store = await openStore(ctx);
  if (!store) return undefined;
  try {
    return await store.latestRun(workflowId);
  } finally {
    await store.close();
  }
}

async function showReport(ctx: CliContext, workflowId: string, flags: ReportFlags): Promise<void> {
  const store = await openStore(ctx);
  if (!store) {
    throw usageError(
      `there is no sync-state store at ${stateStoreSettingsFromEnv(ctx.env).location} (AUDIENCE_STATE_URL names the store the workers use)`,
    );
  }
  try {
    const run = await store.latestRun(workflowId);
    if (!run) throw usageError(`the sync-state store at ${store.location} has no run '${workflowId}' (AUDIENCE_STATE_URL names the store the workers use)`);
    if (!run.report) throw usageError(`run '${workflowId}' has not finished yet; follow it with: klaviyo-audience-sync status ${workflowId}`);
    ctx.print(flags.json ? JSON.stringify({ workflowId, report: run.report }, null, 2) : formatReport(workflowId, run.report));
    if (flags.rejects) {
      const { writeRejectCsv } = require('../../audience/rejects') as typeof import('../../audience/rejects');
      const { storedRejects } = require('../../store/reports') as typeof import('../../store/reports');
      const file = path.resolve(flags.rejects);
      const rows = await writeRejectCsv(file, storedRejects(store, run.runKey));
      ctx.note(`Wrote ${rows} rejected rows to ${file}`);
    }
  } finally {
    await store.close();
  }
}

export function reportCommand(ctx: CliContext): Command {
  return new Command('report')
    .description("a finished run's report from the sync-state store, and its rejected rows as CSV")
    .argument('<workflow-id>', 'the run (as printed by `sync`)')
    .option('--json', 'print the report as JSON')
    .option('--rejects <file>', 'write the rejected rows (row, email, reason, field, message) to this CSV file')
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync report audience-sync-spring-vip-20260801T060000Z',
        'klaviyo-audience-sync report audience-sync-spring-vip-20260801T060000Z --rejects rejects.csv',
      ]),
    )
    .action((workflowId: string, flags: ReportFlags) => showReport(ctx, workflowId, flags));
}
