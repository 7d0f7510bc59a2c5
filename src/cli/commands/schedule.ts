/** `schedule create|update|pause|unpause|trigger|delete|list`: Temporal Schedules for audience refreshes. */
import { Command } from 'commander';
import type { Client, ScheduleDescription, ScheduleHandle, ScheduleSpec } from '@temporalio/client';
import { WORKFLOW_TYPE } from '../../names';
import type { SyncInputRaw } from '../../shared';
import { checkAudienceLocally } from '../audienceCheck';
import type { CliContext } from '../context';
import { usageError } from '../errors';
import { formatDuration, reportSummary, startedBy } from '../format';
import { listIndexAtStart, scheduleIdForList } from '../naming';
import { addSyncOptions, examples, type SyncCommandFlags } from '../options';
import { buildScheduleSpec, describeSpec, SCHEDULE_POLICIES, type ScheduleFlags } from '../scheduleSpec';
import { summarizeRun } from '../visibility';

interface CreateFlags extends SyncCommandFlags, ScheduleFlags {
  id?: string;
  paused?: boolean;
  note?: string;
}

interface TargetFlags {
  list?: string;
  id?: string;
  note?: string;
}

function scheduleIdFrom(ctx: CliContext, flags: TargetFlags): string {
  if (flags.id) return flags.id;
  if (flags.list) return scheduleIdForList(flags.list, ctx.hidesListNames);
  throw usageError('name the schedule with --list "<list name>" or --id <schedule-id> (see `schedule list`)');
}

/** The schedule's memo names the list (fixed for its life: the id comes from it). */
function memoFor(flags: CreateFlags): Record<string, unknown> {
  return { listName: flags.list ?? flags.listId };
}

/**
 * The timing as the operator wrote it ("cron "0 6 * * *" in Europe/Berlin"), since the server turns cron
 * strings into calendar rules. It lives on the action's memo because, unlike the schedule's own memo,
 * the action can be changed by `schedule update` (it is also copied onto each run, which does no harm).
 */
const TIMING_MEMO = 'audienceSyncTiming';

export function timingOf(description: ScheduleDescription): string {
  const timing = description.action.memo?.[TIMING_MEMO];
  // Without it (a schedule made elsewhere), what the server holds: intervals read back exactly, cron as calendar rules.
  return typeof timing === 'string' ? timing : describeSpec(description.spec);
}

/** The summary and details every scheduled run shows in the Temporal UI (loaded here: it needs zod). */
function scheduledRunMetadata(input: SyncInputRaw, scheduleId: string): { staticSummary: string; staticDetails: string } {
  const { startMetadata } = require('../../runDescription') as typeof import('../../runDescription');
  return startMetadata(input, `schedule ${scheduleId}`);
}

/** The input as the workflow checks it, and the audience checked on this machine unless --no-local-check. */
async function checkedInput(flags: CreateFlags): Promise<SyncInputRaw> {
  const { buildSyncInput } = require('../syncInput') as typeof import('../syncInput');
  const input = buildSyncInput(flags);
  if (flags.localCheck !== false) await checkAudienceLocally(input.audience);
  return input;
}

/** The server checks cron expressions fully (the client turns its verdict into a TypeError): one sentence, exit 2. */
function invalidTiming(err: unknown, flags: ScheduleFlags): unknown {
  if (!(err instanceof TypeError)) return err;
  const reason = err.message.replace(/\.$/, '');
  const what = flags.cron ? `--cron '${flags.cron}' is not a valid cron expression` : 'the schedule times are not valid';
  return usageError(`${what}: ${reason.charAt(0).toLowerCase()}${reason.slice(1)}; give 5 fields (minute hour day-of-month month day-of-week), e.g. "0 6 * * *"`);
}

/** The last run a schedule started: "completed 2026-08-01T06:00:00Z in 3.1 s: 540 valid, ..." */
async function lastRunOf(client: Client, description: ScheduleDescription): Promise<string | undefined> {
  const last = description.info.recentActions.at(-1);
  if (!last) return undefined;
  const run = await summarizeRun(client, await client.workflow.getHandle(last.action.workflow.workflowId).describe()).catch(() => undefined);
  if (!run) return `started ${last.takenAt.toISOString()} (${last.action.workflow.workflowId}, no longer retained)`;
  const when = run.startedAt.replace(/\.\d+Z$/, 'Z');
  return `${run.state} ${when} in ${formatDuration(run.durationMs / 1000)}${run.report ? `: ${reportSummary(run.report)}` : ''} (${run.workflowId}, by ${startedBy(run)})`;
}

/** Sync flags that only mean something with --audience or --query (an update restates the whole input). */
function assertNoStrayInputFlags(flags: CreateFlags): void {
  const stray = [
    flags.format !== undefined && '--format',
    flags.connection !== undefined && '--connection',
    flags.credential !== undefined && '--credential',
    flags.remove === false && '--no-remove',
    flags.updateContacts === false && '--no-update-contacts',
    flags.maxRemovalShare !== undefined && '--max-removal-share',
  ].filter(Boolean);
  if (stray.length) {
    throw usageError(`give ${stray.join(', ')} together with --audience (or --query): an update restates the schedule's whole input`);
  }
}

async function createSchedule(ctx: CliContext, flags: CreateFlags): Promise<void> {
  const spec = buildScheduleSpec(flags);
  const input = await checkedInput(flags);
  const scheduleId = scheduleIdFrom(ctx, { ...flags, list: flags.list ?? flags.listId });
  const client = await ctx.client();
  try {
    await client.schedule.create({
      scheduleId,
      spec,
      action: {
        type: 'startWorkflow',
        workflowType: WORKFLOW_TYPE,
        taskQueue: ctx.settings.taskQueue,
        workflowId: scheduleId,
        args: [input],
        ...scheduledRunMetadata(input, scheduleId),
        memo: { [TIMING_MEMO]: describeSpec(spec) },
        ...listIndexAtStart((flags.list ?? flags.listId)!, ctx.hidesListNames),
      },
      policies: SCHEDULE_POLICIES,
      memo: memoFor(flags),
      state: { paused: Boolean(flags.paused), note: flags.note },
    });
  } catch (err) {
    if ((err as Error).name === 'ScheduleAlreadyRunning') {
      throw usageError(
        `schedule '${scheduleId}' already exists for this list; change it with \`schedule update --list "${flags.list ?? flags.listId}" ...\` ` +
          'or remove it with `schedule delete` first',
      );
    }
    throw invalidTiming(err, flags);
  }
  ctx.print(`Created schedule ${scheduleId}: ${describeSpec(spec)}${flags.paused ? ' (paused)' : ''}.`);
}

async function updateSchedule(ctx: CliContext, flags: CreateFlags): Promise<void> {
  const scheduleId = scheduleIdFrom(ctx, { ...flags, list: flags.list ?? flags.listId });
  const changesSpec = Boolean(flags.cron || flags.every);
  const changesInput = flags.audience !== undefined || flags.query !== undefined;
  if (!changesInput) assertNoStrayInputFlags(flags);
  if (!changesSpec && !changesInput && !flags.timezone && !flags.jitter) {
    throw usageError('nothing to update; give new times (--cron/--every, --timezone, --jitter) and/or a new --audience (or --query) with its options');
  }
  if ((flags.timezone || flags.jitter) && !changesSpec) {
    throw usageError('give --cron or --every together with --timezone/--jitter, so the whole timing is restated');
  }
  const spec: ScheduleSpec | undefined = changesSpec ? buildScheduleSpec(flags) : undefined;
  const input = changesInput ? await checkedInput(flags) : undefined;
  const client = await ctx.client();
  const handle = client.schedule.getHandle(scheduleId);
  try {
    await handle.update((prev) => ({
      ...prev,
      spec: spec ?? prev.spec,
      action: {
        ...prev.action,
        ...(input ? { args: [input], ...scheduledRunMetadata(input, scheduleId) } : {}),
        ...(spec ? { memo: { ...prev.action.memo, [TIMING_MEMO]: describeSpec(spec) } } : {}),
      },
      policies: { ...prev.policies, overlap: SCHEDULE_POLICIES.overlap },
      state: { ...prev.state },
    }));
  } catch (err) {
    throw invalidTiming(err, flags);
  }
  ctx.print(`Updated schedule ${scheduleId}${spec ? `: ${describeSpec(spec)}` : ''}${input ? ' (new audience settings)' : ''}.`);
}

async function withHandle(ctx: CliContext, flags: TargetFlags, fn: (h: ScheduleHandle, id: string, c: Client) => Promise<string>): Promise<void> {
  const scheduleId = scheduleIdFrom(ctx, flags);
  const client = await ctx.client();
  const handle = client.schedule.getHandle(scheduleId);
  await handle.describe(); // ScheduleNotFoundError -> one sentence, exit 2
  ctx.print(await fn(handle, scheduleId, client));
}

async function listSchedules(ctx: CliContext, flags: { json?: boolean }): Promise<void> {
  const client = await ctx.client();
  const rows = [];
  for await (const s of client.schedule.list()) {
    if (s.action?.workflowType !== WORKFLOW_TYPE) continue;
    const memo = (s.memo ?? {}) as { listName?: string };
    const description = await client.schedule.getHandle(s.scheduleId).describe();
    const note = s.state.paused && s.state.note ? s.state.note : undefined;
    rows.push({
      scheduleId: s.scheduleId,
      list: memo.listName,
      when: timingOf(description),
      paused: s.state.paused,
      note,
      next: s.info.nextActionTimes[0]?.toISOString(),
      last: await lastRunOf(client, description),
    });
  }
  if (flags.json) return ctx.print(JSON.stringify(rows, null, 2));
  if (!rows.length) return ctx.print('No audience sync schedules.');
  for (const r of rows) {
    const line =
      `${r.scheduleId}  ${r.paused ? 'PAUSED' : 'active'}  ${r.when}  ${r.next && !r.paused ? `next ${r.next}  ` : ''}` +
      `${r.list ? `list "${r.list}"  ` : ''}${r.note ? `note "${r.note}"` : ''}`;
    ctx.print(line.trimEnd());
    ctx.print(`  last run: ${r.last ?? 'none yet'}`);
  }
}

function timingOptions(cmd: Command): Command {
  return cmd
    .option('--cron <expression>', 'cron expression (5 fields), e.g. "0 6 * * *" for 06:00 every day')
    .option('--every <duration>', 'interval instead of cron, e.g. 6h, 30m, 1d')
    .option('--timezone <iana>', 'time zone for --cron, e.g. Europe/Berlin (default UTC)')
    .option('--jitter <duration>', 'random delay up to this long, e.g. 5m, to spread runs out')
    .option('--id <schedule-id>', 'schedule id (default: audience-sync-<list name as a slug>)');
}

function targetCommand(name: string, description: string, example: string, fn: (flags: TargetFlags) => Promise<void>): Command {
  return new Command(name)
    .description(description)
    .option('-l, --list <name>', 'the list whose schedule this is')
    .option('--id <schedule-id>', 'the schedule id instead of --list')
    .option('--note <text>', 'note recorded on the schedule (pause/unpause)')
    .addHelpText('after', examples([example]))
    .action(fn);
}

export function scheduleCommand(ctx: CliContext): Command {
  const schedule = new Command('schedule')
    .description('scheduled audience refreshes (Temporal Schedules); one schedule per list, runs never overlap')
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync schedule create --list "Spring VIP" --audience /data/spring-vip.csv --cron "0 6 * * *" --timezone Europe/Berlin',
        'klaviyo-audience-sync schedule list',
      ]),
    );
  schedule.addCommand(
    timingOptions(addSyncOptions(new Command('create').description('create the schedule for a list (an error if the list already has one)')))
      .option('--paused', 'create it paused')
      .option('--note <text>', 'note recorded on the schedule')
      .addHelpText(
        'after',
        examples([
          'klaviyo-audience-sync schedule create --list "Spring VIP" --audience /data/spring-vip.csv --every 6h --jitter 10m',
          'klaviyo-audience-sync schedule create --list "Spring VIP" --audience /data/spring-vip.csv --cron "30 5 * * 1-5" --timezone America/New_York',
        ]),
      )
      .action((flags: CreateFlags) => createSchedule(ctx, flags)),
  );
  schedule.addCommand(
    timingOptions(addSyncOptions(new Command('update').description("change a schedule's times and/or what it syncs")))
      .addHelpText(
        'after',
        examples([
          'klaviyo-audience-sync schedule update --list "Spring VIP" --every 12h',
          'klaviyo-audience-sync schedule update --list "Spring VIP" --audience /data/spring-vip-v2.csv --no-remove',
        ]),
      )
      .action((flags: CreateFlags) => updateSchedule(ctx, flags)),
  );
  schedule.addCommand(
    targetCommand('pause', 'stop taking scheduled runs until unpaused', 'klaviyo-audience-sync schedule pause --list "Spring VIP" --note "holiday freeze"', (f) =>
      withHandle(ctx, f, async (h, id) => (await h.pause(f.note ?? 'paused from the CLI'), `Paused schedule ${id}.`)),
    ),
  );
  schedule.addCommand(
    targetCommand('unpause', 'resume taking scheduled runs', 'klaviyo-audience-sync schedule unpause --list "Spring VIP"', (f) =>
      withHandle(ctx, f, async (h, id) => (await h.unpause(f.note ?? 'unpaused from the CLI'), `Unpaused schedule ${id}.`)),
    ),
  );
  schedule.addCommand(
    targetCommand('trigger', 'start a run now (skipped if one is still running or paused)', 'klaviyo-audience-sync schedule trigger --list "Spring VIP"', (f) =>
      withHandle(ctx, f, async (h, id) => {
        const running = (await h.describe()).info.runningActions;
        if (running.length) {
          throw usageError(`schedule '${id}' already has a run in progress (${running[0]!.workflow.workflowId}); nothing triggered`);
        }
        await h.trigger('SKIP');
        return `Triggered schedule ${id}; its run's workflow id is ${id}-<UTC time> (see \`runs\` or \`schedule list\`).`;
      }),
    ),
  );
  schedule.addCommand(
    targetCommand('delete', 'delete the schedule (runs it started are not affected)', 'klaviyo-audience-sync schedule delete --list "Spring VIP"', (f) =>
      withHandle(ctx, f, async (h, id) => (await h.delete(), `Deleted schedule ${id}.`)),
    ),
  );
  schedule.addCommand(
    new Command('list')
      .description('every audience sync schedule, one line each')
      .option('--json', 'print as JSON')
      .addHelpText('after', examples(['klaviyo-audience-sync schedule list']))
      .action((flags: { json?: boolean }) => listSchedules(ctx, flags)),
  );
  return schedule;
}
