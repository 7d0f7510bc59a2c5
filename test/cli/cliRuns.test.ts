/**
 * The CLI as a subprocess against the suite's real Temporal dev server, the emulator and an in-process
 * worker (test/support/syncHarness): sync --wait, dry-run against the emulator's real state, a run paused
 * on a revoked key (status, paused, resolve), unknown ids, schedules, estimate and export-sftp.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { planAudience } from '../../src/audience/plan';
import { estimateSync } from '../../src/cli/estimateArithmetic';
import { scheduleIdForList } from '../../src/cli/naming';
import type { SyncReport } from '../../src/shared';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { ONE_SENTENCE } from './cliProcess';
import { cliOn } from './cliOnHarness';

const BATCH = 200;
let h: SyncHarness;
let cli: ReturnType<typeof cliOn>['cli'];
let cliUntil: ReturnType<typeof cliOn>['cliUntil'];
let members: ReturnType<typeof cliOn>['members'];
let audience: string;
let valid: string[];

beforeAll(async () => {
  h = await createSyncHarness({ speed: 50, batchMaxProfiles: BATCH });
  ({ cli, cliUntil, members } = cliOn(h));
  const customers = makeCustomers(600, { invalidEvery: 10, prefix: 'cli' });
  valid = customers.valid;
  audience = writeCsvAudience(h.dir, 'audience.csv', customers.rows);
});
afterAll(async () => h?.close());

describe('sync --wait and dry-run', () => {
  const list = `CLI Sync ${randomUUID().slice(0, 8)}`;

  it('syncs with progress and prints the report; the list then holds exactly the valid rows', async () => {
    const workflowId = `cli-sync-${randomUUID()}`;
    const r = await cli('sync', '--list', list, '--audience', audience, '--wait', '--workflow-id', workflowId);
    expect(r.stderr).toContain(`Started audience sync ${workflowId}`);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^Sync ${workflowId} finished in`));
    expect(r.stdout).toContain(`valid:         ${valid.length}`);
    expect(r.stdout).toContain(`rejected:      ${600 - valid.length}`);
    expect(r.stdout).toMatch(/reject report: \S+/);
    expect(await members(list)).toEqual([...valid].sort());

    const status = await cli('status', workflowId);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/state: completed|finished in/);
  });

  it('dry-run reports what a run would add, update and remove, matching the emulator, and changes nothing', async () => {
    const before = await members(list);
    // The same people 100..599 (their e-mails spelt in another case: the same profiles), 100 new, 100 gone.
    const next = makeCustomers(600, { prefix: 'cli', offset: 100 });
    const file = writeCsvAudience(h.dir, 'next.csv', next.rows);
    const wanted = new Set(next.valid);
    const expected = {
      wouldAdd: next.valid.filter((e) => !before.includes(e)).length,
      wouldUpdate: 0,
      wouldRemove: before.filter((e) => !wanted.has(e)).length,
    };
    expect(expected.wouldAdd).toBeGreaterThan(0);
    expect(expected.wouldRemove).toBeGreaterThan(0);

    const r = await cli('dry-run', '--list', list, '--audience', file, '--json');
    expect(r.code, r.stderr).toBe(0);
    const { report, workflowId } = JSON.parse(r.stdout) as { report: SyncReport; workflowId: string };
    expect(report.dryRun).toBe(true);
    expect({ wouldAdd: report.wouldAdd, wouldUpdate: report.wouldUpdate, wouldRemove: report.wouldRemove }).toEqual(expected);
    expect(report.counts.unchanged).toBe(next.valid.filter((e) => before.includes(e)).length);
    expect(await members(list)).toEqual(before);

    const text = await cli('dry-run', '--list', list, '--audience', file);
    expect(text.stdout).toContain(`would add:     ${expected.wouldAdd}`);
    expect(text.stdout).toContain(`would remove:  ${expected.wouldRemove}`);

    // Later, `status` of the finished dry run still shows what it found.
    const status = await cli('status', workflowId);
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toContain(`would add:     ${expected.wouldAdd}`);

    // estimate reads the same store: it prices the refresh by what the dry run found, not by the list size.
    const priced = await cli('estimate', '--list', list, '--audience', file, '--json');
    expect(priced.code, priced.stderr).toBe(0);
    const estimate = JSON.parse(priced.stdout) as { audience: { toAdd: number; toUpdate: number; unchanged: number }; syncState: string; membershipRead: boolean; removals: number };
    expect(estimate).toMatchObject({ syncState: 'known', membershipRead: false, removals: expected.wouldRemove });
    expect(estimate.audience).toMatchObject({ toAdd: expected.wouldAdd, toUpdate: 0, unchanged: report.counts.unchanged });
    const verifying = JSON.parse((await cli('estimate', '--list', list, '--audience', file, '--verify-membership', '--json')).stdout) as { membershipRead: boolean };
    expect(verifying.membershipRead).toBe(true);
    const pricedText = await cli('estimate', '--list', list, '--audience', file);
    expect(pricedText.stdout).toMatch(new RegExp(`sync state: ${before.length} members stored \\(membership last read [^)]+\\): only new and changed rows are sent, no membership is read`));
    expect(pricedText.stdout).toContain(`to send: ${expected.wouldAdd} profiles (${expected.wouldAdd} new to the list, 0 changed); ${report.counts.unchanged} unchanged (not sent)`);

    // The real run does what the dry run said; --verify-membership reads the list first.
    const run = await cli('sync', '--list', list, '--audience', file, '--verify-membership', '--wait', '--json');
    expect(run.code, run.stderr).toBe(0);
    const done = JSON.parse(run.stdout) as { report: SyncReport };
    expect(done.report.counts).toMatchObject({ added: expected.wouldAdd, updated: 0, removed: expected.wouldRemove });
    expect(done.report.membershipCheck).toMatchObject({ reason: 'requested', listed: before.length, strangers: 0, missing: 0 });
    expect(await members(list)).toEqual([...next.valid].sort());
  });

  it('report reads a finished run from the sync-state store and exports its rejects as CSV', async () => {
    const workflowId = `cli-report-${randomUUID()}`;
    const r = await cli('sync', '--list', `${list} report`, '--audience', audience, '--wait', '--workflow-id', workflowId);
    expect(r.code, r.stderr).toBe(0);
    const out = path.join(h.dir, 'exported-rejects.csv');
    const report = await cli('report', workflowId, '--rejects', out);
    expect(report.code, report.stderr).toBe(0);
    expect(report.stdout).toMatch(new RegExp(`^Sync ${workflowId} finished in`));
    expect(report.stdout).toContain(`added:         ${valid.length}`);
    expect(report.stderr).toContain(`Wrote ${600 - valid.length} rejected rows to ${out}`);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe('row,email,reason,field,message');
    expect(lines).toHaveLength(1 + 600 - valid.length);

    const unknown = await cli('report', 'no-such-run');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(ONE_SENTENCE);

    // Past Temporal's retention, `status` still finds a finished run in the store.
    const stored = (await h.store.latestRun(workflowId))!;
    await h.store.saveRun({ ...stored, runKey: 'expired/r1', workflowId: 'expired-run' });
    const status = await cli('status', 'expired-run');
    expect(status.code, status.stderr).toBe(0);
    expect(status.stdout).toMatch(/^Sync expired-run finished in/);
  });
});

describe('an audience path this machine cannot see', () => {
  it('is refused before anything starts, unless --no-local-check says the worker sees another filesystem', async () => {
    const missing = path.join(h.dir, 'not-here.csv');
    const list = `CLI Missing ${randomUUID().slice(0, 8)}`;
    const refused = await cli('sync', '--list', list, '--audience', missing, '--wait');
    expect(refused.code).toBe(2);
    expect(refused.stderr).toMatch(ONE_SENTENCE);
    expect(refused.stderr).toContain(`Audience file ${missing} does not exist on this machine`);
    expect(refused.stderr).toContain('--no-local-check');
    const none = await cli('runs', '--list', list);
    expect(none.stdout).toMatch(/^No runs of list/);

    // The worker (here on the same machine) cannot read it either: --wait reports the run's failure.
    const r = await cli('sync', '--list', list, '--audience', missing, '--no-local-check', '--wait');
    expect(r.stderr).toContain('Started audience sync');
    expect(r.code).toBe(1);
    expect(r.stderr.trim().split('\n').at(-1)).toMatch(/^The run failed: .*not-here\.csv/);
  });
});

describe('a run paused on a revoked key', () => {
  it('status shows the action and numbered steps, paused lists it, resolve resumes it', async () => {
    const list = `CLI Paused ${randomUUID().slice(0, 8)}`;
    await h.emulator.admin.revokeKey(h.apiKey);
    const started = await cli('sync', '--list', list, '--audience', audience);
    expect(started.code, started.stderr).toBe(0);
    const workflowId = started.stdout.trim();
    expect(workflowId).toMatch(/^audience-sync-cli-paused-[0-9a-f]{8}-\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);

    const status = await cliUntil(['status', workflowId], /PAUSED: invalid_credentials/);
    expect(status.stdout).toContain('state: needs_action');
    expect(status.stdout).toMatch(/^ {2}1\. \S/m);
    expect(status.stdout).toContain(`klaviyo-audience-sync resolve ${workflowId}`);

    const paused = await cliUntil(['paused'], new RegExp(`^${workflowId}  invalid_credentials`, 'm'));
    expect(paused.stdout).toContain(`list "${list}"`);

    await h.rotateKey();
    const resolved = await cli('resolve', workflowId);
    expect(resolved.code, resolved.stderr).toBe(0);
    expect(resolved.stdout).toContain(`Sent resolve to ${workflowId} (paused on invalid_credentials)`);
    await h.client.workflow.getHandle(workflowId).result();
    expect(await members(list)).toEqual([...valid].sort());

    const again = await cli('resolve', workflowId);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(ONE_SENTENCE);
    expect(again.stderr).toMatch(/is not paused/);
  });
});

describe('unknown workflow ids', () => {
  it.each([['status'], ['resolve']])('%s: one sentence and exit code 2', async (command) => {
    const r = await cli(command, 'no-such-run-42');
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toContain("No audience sync run has the workflow id 'no-such-run-42'.");
  });
});

describe('schedules', () => {
  it('creates one per list, refuses a duplicate, triggers a run, pauses and lists it', async () => {
    const list = `CLI Sched ${randomUUID().slice(0, 8)}`;
    const id = scheduleIdForList(list);
    const created = await cli('schedule', 'create', '--list', list, '--audience', audience, '--every', '1h', '--jitter', '1m');
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(`Created schedule ${id}: every 1h jitter 1m`);

    const dup = await cli('schedule', 'create', '--list', list, '--audience', audience, '--cron', '0 6 * * *');
    expect(dup.code).toBe(2);
    expect(dup.stderr).toMatch(ONE_SENTENCE);
    expect(dup.stderr).toContain(`already exists`);
    expect(dup.stderr).toContain('schedule update');

    const handle = h.client.schedule.getHandle(id);
    expect((await handle.describe()).policies.overlap).toBe('SKIP');

    const triggered = await cli('schedule', 'trigger', '--list', list);
    expect(triggered.code, triggered.stderr).toBe(0);
    let runId: string | undefined;
    for (const deadline = Date.now() + 30_000; !runId && Date.now() < deadline; ) {
      runId = (await handle.describe()).info.recentActions[0]?.action.workflow.workflowId;
      if (!runId) await new Promise((r) => setTimeout(r, 300));
    }
    // The same form as the ids `sync` gives: audience-sync-<list slug>-<UTC time, RFC 3339>.
    expect(runId).toMatch(new RegExp(`^${id}-\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ$`));
    await h.client.workflow.getHandle(runId!).result();
    expect(await members(list)).toEqual([...valid].sort());

    // The list shows the timing in force after an update, not the one it was created with.
    const updated = await cli('schedule', 'update', '--list', list, '--cron', '30 7 * * 1-5', '--timezone', 'America/New_York');
    expect(updated.code, updated.stderr).toBe(0);
    const paused = await cli('schedule', 'pause', '--list', list, '--note', 'test freeze');
    expect(paused.code, paused.stderr).toBe(0);
    expect((await handle.describe()).state.paused).toBe(true);
    const listed = await cliUntil(['schedule', 'list'], new RegExp(`^${id}  PAUSED  cron "30 7 \\* \\* 1-5" in America/New_York`, 'm'));
    expect(listed.stdout).toContain(`list "${list}"  note "test freeze"`);

    expect((await cli('schedule', 'delete', '--list', list)).code).toBe(0);
    const gone = await cli('schedule', 'pause', '--list', list);
    expect(gone.code).toBe(2);
    expect(gone.stderr).toContain(`No schedule has the id '${id}'`);
  });
});

describe('estimate and export-sftp', () => {
  it('estimate prints the figures of the tier arithmetic for the planned audience', async () => {
    const r = await cli('estimate', '--audience', audience, '--list', 'Any', '--list-members', '1000', '--removals', '150', '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { audience: { bulkJobs: number; validRows: number }; estimate: ReturnType<typeof estimateSync> };
    const plan = await planAudience({ type: 'csv', path: audience }, { maxProfiles: BATCH });
    expect(out.audience).toMatchObject({ bulkJobs: Math.ceil(valid.length / BATCH), validRows: valid.length, toAdd: valid.length, unchanged: 0 });
    // A size given by hand identifies no list in the store: priced as this product's first sync of the list.
    expect(out).toMatchObject({ syncState: 'not_read', membershipRead: true });
    const expected = estimateSync({
      bulkJobs: plan.batches,
      profiles: plan.toAdd + plan.toUpdate,
      listMembersBefore: 1000,
      membershipRead: true,
      removals: 150,
      removeMissing: true,
      createList: false,
      pollsPerJob: 3,
      expectedImportErrors: 0,
      sftpCsvBytes: fs.statSync(audience).size,
      uploadMbitPerSecond: 10,
    });
    expect(out.estimate).toEqual(expected);
    const byEndpoint = Object.fromEntries(out.estimate.endpoints.map((e) => [e.endpoint, e.calls]));
    expect(byEndpoint['POST /api/profile-bulk-import-jobs']).toBe(3);
    expect(byEndpoint['DELETE /api/lists/{id}/relationships/profiles']).toBe(1);

    const text = await cli('estimate', '--audience', audience, '--list', 'Any', '--list-members', '1000', '--removals', '150');
    expect(text.stdout).toContain('SFTP import alternative');
    expect(text.stdout).toMatch(/Assumptions: /);
  });

  it('export-sftp writes the exact SFTP headers and one row per valid profile', async () => {
    const out = path.join(h.dir, 'sftp.csv');
    const r = await cli('export-sftp', '--audience', audience, '--out', out);
    expect(r.code, r.stderr).toBe(0);
    const lines = fs.readFileSync(out, 'utf8').trim().split('\n');
    expect(lines[0]).toBe(
      'Email,PhoneNumber,ExternalID,First Name,Last Name,Organization,Title,City,Region,Country,Zip Code,Address,Address 2,Latitude,Longitude,Timezone',
    );
    expect(lines).toHaveLength(valid.length + 1);
    expect(r.stdout).toContain(`Wrote ${valid.length} profiles`);
    expect(r.stdout).toContain(`rejected: ${600 - valid.length}`);
  });
});
