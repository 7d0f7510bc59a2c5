/**
 * History and cancellation through the real binary, on the suite's dev server with the emulator and a
 * worker: `runs` (newest first, who started each run, the report), `schedule list`'s last run, a bad
 * cron refused, and `cancel` of a run paused on audience_shrink, which leaves the list as it was.
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { scheduleIdForList } from '../../src/cli/naming';
import type { RunSummary } from '../../src/cli/visibility';
import { CANCELLED_MESSAGE, STATE_SEARCH_ATTRIBUTE } from '../../src/names';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { ONE_SENTENCE } from './cliProcess';
import { cliOn } from './cliOnHarness';

let h: SyncHarness;
let cli: ReturnType<typeof cliOn>['cli'];
let cliUntil: ReturnType<typeof cliOn>['cliUntil'];
let members: ReturnType<typeof cliOn>['members'];
let audience: string;
let valid: string[];

beforeAll(async () => {
  h = await createSyncHarness({ speed: 50, batchMaxProfiles: 200 });
  ({ cli, cliUntil, members } = cliOn(h));
  const customers = makeCustomers(400, { invalidEvery: 10, prefix: 'history' });
  valid = customers.valid;
  audience = writeCsvAudience(h.dir, 'audience.csv', customers.rows);
});
afterAll(async () => h?.close());

describe('runs and a schedule\'s last run', () => {
  const list = `CLI History ${randomUUID().slice(0, 8)}`;
  const scheduleId = scheduleIdForList(list);

  it('lists a list\'s runs newest first, with who started each and its report', async () => {
    const bySync = await cli('sync', '--list', list, '--audience', audience, '--wait', '--json');
    expect(bySync.code, bySync.stderr).toBe(0);
    const cliRunId = (JSON.parse(bySync.stdout) as { workflowId: string }).workflowId;

    expect((await cli('schedule', 'create', '--list', list, '--audience', audience, '--every', '1h', '--paused')).code).toBe(0);
    expect((await cli('schedule', 'trigger', '--list', list)).code).toBe(0);
    const handle = h.client.schedule.getHandle(scheduleId);
    let scheduledRunId: string | undefined;
    for (const deadline = Date.now() + 30_000; !scheduledRunId && Date.now() < deadline; ) {
      scheduledRunId = (await handle.describe()).info.recentActions.at(-1)?.action.workflow.workflowId;
      if (!scheduledRunId) await new Promise((r) => setTimeout(r, 300));
    }
    expect(scheduledRunId).toBeDefined();
    await h.client.workflow.getHandle(scheduledRunId!).result();

    const json = await cliUntil(['runs', '--list', list, '--json'], /"workflowId"[\s\S]*"workflowId"/);
    const runs = JSON.parse(json.stdout) as RunSummary[];
    expect(runs.map((r) => r.workflowId)).toEqual([scheduledRunId, cliRunId]);
    expect(runs.map((r) => [r.state, r.list, r.scheduleId])).toEqual([
      ['completed', list, scheduleId],
      ['completed', list, undefined],
    ]);
    expect(runs[1]!.report?.counts).toMatchObject({ rowsValid: valid.length, added: valid.length, removed: 0 });
    // The scheduled refresh found every row as the first run sent it: nothing sent again.
    expect(runs[0]!.report?.counts).toMatchObject({ rowsValid: valid.length, added: 0, updated: 0, unchanged: valid.length, profilesSent: 0 });
    expect(runs[0]!.durationMs).toBe(runs[0]!.report!.durationMs);

    const text = await cli('runs', '--list', list);
    const lines = text.stdout.trim().split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toMatch(new RegExp(`^\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ  completed  [\\d.]+ s  by schedule ${scheduleId}  `));
    expect(lines[0]).toContain(`${valid.length} valid, ${400 - valid.length} rejected, 0 added, 0 updated, ${valid.length} unchanged, 0 removed  ${scheduledRunId}`);
    expect(lines[1]).toMatch(/ {2}by CLI\/other {2}/);
    expect(lines[1]).toContain(`, ${valid.length} added, `);
    expect(lines[1]!.endsWith(cliRunId)).toBe(true);

    expect((await cli('runs', '--list', list, '--limit', '1', '--json')).stdout).not.toContain(cliRunId);

    const schedules = await cli('schedule', 'list');
    const block = schedules.stdout.slice(schedules.stdout.indexOf(`${scheduleId}  PAUSED`));
    expect(block.split('\n')[1]).toMatch(
      new RegExp(`^ {2}last run: completed \\S+Z in [\\d.]+ s: ${valid.length} valid, .*\\(${scheduledRunId}, by schedule ${scheduleId}\\)$`),
    );
    expect((await cli('schedule', 'delete', '--list', list)).code).toBe(0);
  });

  it('a cron the server rejects is one sentence and exit 2', async () => {
    const r = await cli('schedule', 'create', '--list', `CLI Cron ${randomUUID().slice(0, 8)}`, '--audience', audience, '--cron', '61 * * * *');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toMatch(/^--cron '61 \* \* \* \*' is not a valid cron expression: minute is not in range \[0-59\]; give 5 fields/);
  });
});

describe('cancel', () => {
  it('cancels a run paused on audience_shrink: status cancelled, no pause text, the list as it was', async () => {
    const list = `CLI Cancel ${randomUUID().slice(0, 8)}`;
    expect((await cli('sync', '--list', list, '--audience', audience, '--wait')).code).toBe(0);
    const before = await members(list);
    expect(before).toEqual([...valid].sort());

    // Half the audience: the sync would remove half the list, above the 10% allowed, so it pauses.
    const half = writeCsvAudience(h.dir, 'half.csv', makeCustomers(200, { invalidEvery: 10, prefix: 'history' }).rows);
    const started = await cli('sync', '--list', list, '--audience', half, '--max-removal-share', '0.1');
    expect(started.code, started.stderr).toBe(0);
    const workflowId = started.stdout.trim();
    const paused = await cliUntil(['status', workflowId], /PAUSED: audience_shrink/);
    expect(paused.stdout).toContain(`klaviyo-audience-sync cancel ${workflowId}`);

    const cancelled = await cli('cancel', workflowId);
    expect(cancelled.code, cancelled.stderr).toBe(0);
    expect(cancelled.stdout).toBe(`Run ${workflowId}: ${CANCELLED_MESSAGE}.\n`);

    const status = await cli('status', workflowId);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain('state: cancelled');
    expect(status.stdout).toContain(`outcome: ${CANCELLED_MESSAGE}`);
    expect(status.stdout).not.toMatch(/PAUSED|resolve/);
    const description = await h.client.workflow.getHandle(workflowId).describe();
    expect(description.status.name).toBe('CANCELLED');
    expect(description.searchAttributes[STATE_SEARCH_ATTRIBUTE]).toEqual(['cancelled']);
    expect(await members(list)).toEqual(before);

    const runs = await cliUntil(['runs', '--list', list], /cancelled/);
    expect(runs.stdout.split('\n')[0]).toMatch(new RegExp(`  cancelled  .*${workflowId}$`));
    expect((await cli('paused')).stdout).not.toContain(workflowId);

    const again = await cli('cancel', workflowId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(ONE_SENTENCE);
    expect(again.stderr).toContain('has already ended (cancelled), so there is nothing to cancel');
  });

  it('an unknown id is one sentence and exit 2', async () => {
    const r = await cli('cancel', 'no-such-run-42');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("No audience sync run has the workflow id 'no-such-run-42'.\n");
  });
});
