/** `runs`: past and current runs, newest first, from Temporal visibility. */
import { Command, InvalidArgumentError } from 'commander';
import type { CliContext } from '../context';
import { formatRunLine } from '../format';
import { examples } from '../options';
import { listRuns, runsQuery, summarizeRun } from '../visibility';

interface RunsFlags {
  list?: string;
  limit: number;
  json?: boolean;
}

function parseLimit(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('give a whole number of 1 or more');
  return n;
}

async function showRuns(ctx: CliContext, flags: RunsFlags): Promise<void> {
  const client = await ctx.client();
  const found = await listRuns(ctx, client, runsQuery(flags.list, ctx.hidesListNames), flags.limit);
  const runs = (await Promise.all(found.map((info) => summarizeRun(client, info)))).sort((a, b) => b.startedAt.localeCompare(a.startedAt));
  if (flags.json) return ctx.print(JSON.stringify(runs, null, 2));
  if (!runs.length) {
    return ctx.print(flags.list === undefined ? 'No audience sync runs yet.' : `No runs of list "${flags.list}" (runs are found by the name or id they were started with).`);
  }
  for (const run of runs) ctx.print(formatRunLine(run, { showList: flags.list === undefined }));
  ctx.note('The report of one: klaviyo-audience-sync status <workflow-id>');
}

export function runsCommand(ctx: CliContext): Command {
  return new Command('runs')
    .description('past and current runs, newest first: start, state, duration, who started it (a schedule or the CLI), counts')
    .option('-l, --list <name>', 'only runs of this list (its name, or its id for runs started with --list-id)')
    .option('-n, --limit <n>', 'at most this many runs', parseLimit, 20)
    .option('--json', 'print the runs as JSON, with each completed run\'s report')
    .addHelpText(
      'after',
      examples(['klaviyo-audience-sync runs --list "Spring VIP"', 'klaviyo-audience-sync runs --limit 5 --json']),
    )
    .action((flags: RunsFlags) => showRuns(ctx, flags));
}
