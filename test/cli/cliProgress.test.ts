/**
 * Progress that moves, against the real server, emulator and worker: while a run reads a large audience,
 * sends its new profiles, waits on Klaviyo's import jobs and removes the members who left, the phases that
 * `status` shows (the workflow's counts plus its pending activities' heartbeats) keep moving; the CLI's
 * `status` shows removal under way, and `sync --wait` prints a line for every phase.
 */
import fs from 'node:fs';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { stringify } from 'csv-stringify/sync';
import { runPhases, type Phase, type PhaseName } from '../../src/progress/phases';
import { liveProgress } from '../../src/temporal/pendingWork';
import { STATUS_QUERY, type SyncStatus } from '../../src/shared';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { cliOn } from './cliOnHarness';

const LEAVING = 2_000;
// 40 batches of 100: more than twice the 16 a sync keeps in flight, so sending moves in steps `status` can see.
const ARRIVING = 4_000;
/** Rows with a bad e-mail: read and rejected by the plan, never sent. They make reading the audience take seconds (200,000 were read within one 2 s heartbeat on a quiet machine). */
const BAD_ROWS = 600_000;

let h: SyncHarness;
let cli: ReturnType<typeof cliOn>['cli'];
let cliUntil: ReturnType<typeof cliOn>['cliUntil'];

beforeAll(async () => {
  // Import jobs take 0.8 s each and batches hold 100 profiles, so sending takes seconds too.
  h = await createSyncHarness({ speed: 50, batchMaxProfiles: 100, jobDelayMs: 800 });
  ({ cli, cliUntil } = cliOn(h));
});
afterAll(async () => h?.close());

/** The arriving customers among many rows with a bad e-mail, written without building 600,000 objects. */
function largeAudience(): string {
  const { rows } = makeCustomers(ARRIVING, { prefix: 'arriving' });
  const file = path.join(h.dir, 'large.csv');
  const header = Object.keys(rows[0]!);
  const bad = Array.from({ length: BAD_ROWS }, (_, i) => `not-an-email-${i}${','.repeat(header.length - 1)}`).join('\n');
  fs.writeFileSync(file, `${stringify(rows, { header: true, columns: header })}${bad}\n`);
  return file;
}

/** Looks at the run as `status` does, every 300 ms until it ends: the `done` counts seen for each phase while it ran. */
async function watchPhases(workflowId: string, whileRemoving: () => void): Promise<Map<PhaseName, Phase[]>> {
  const seen = new Map<PhaseName, Phase[]>();
  let removalNoticed = false;
  for (;;) {
    const handle = h.client.workflow.getHandle(workflowId);
    const description = await handle.describe().catch(() => undefined);
    if (description && description.status.name !== 'RUNNING') return seen;
    const status = description && (await handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined));
    if (description && status) {
      for (const phase of runPhases(status, await liveProgress(h.client, description))) {
        if (!phase.active) continue;
        seen.set(phase.name, [...(seen.get(phase.name) ?? []), phase]);
        if (phase.name === 'removing' && !removalNoticed) {
          removalNoticed = true;
          whileRemoving();
        }
      }
    }
    await new Promise((r) => setTimeout(r, 300));
  }
}

const distinctDone = (phases: Phase[] | undefined) => new Set((phases ?? []).map((p) => p.done)).size;

describe('progress of a running sync', () => {
  it('moves in every phase: rows read, profiles sent, processed by Klaviyo, members removed; status and --wait show it', async () => {
    const list = `Progress ${randomUUID().slice(0, 8)}`;
    const leaving = makeCustomers(LEAVING, { prefix: 'leaving' });
    const first = await h.start({ listName: list, audience: { type: 'csv', path: writeCsvAudience(h.dir, 'first.csv', leaving.rows) } });
    await first.result();

    // Every removal call takes 10 s (two pages of 1,000 departures): time for `status` to start and look, even on a busy machine.
    await h.emulator.admin.injectFault({ kind: 'latency', match: 'DELETE /api/lists/', ms: 10_000, count: 2 });
    const workflowId = `progress-${randomUUID()}`;
    const waited = cli('sync', '--list', list, '--audience', largeAudience(), '--wait', '--workflow-id', workflowId, '--max-removal-share', '0.9');
    let statusDuringRemoval: Promise<{ stdout: string }> | undefined;
    const seen = await watchPhases(workflowId, () => {
      // The real binary, while members are being removed: the removal line counts them (and the members looked up
      // by e-mail first, whose profile ids the store lacks), without "done".
      statusDuringRemoval = cliUntil(
        ['status', workflowId],
        /removing members not in the audience [\d,]+\/2,000 members removed \(\d+%\) · [\d,]+ looked up by e-mail\n/,
        30_000,
      );
      // Awaited below; until then a failure must not count as unhandled.
      statusDuringRemoval.catch(() => undefined);
    });
    const run = await waited;
    expect(run.code, run.stderr).toBe(0);

    // Reading the audience: rows counted as they are read, the file's bytes giving the share done.
    const planning = seen.get('planning');
    expect(distinctDone(planning), JSON.stringify(planning)).toBeGreaterThanOrEqual(2);
    expect(planning!.some((p) => p.done > 0 && p.fraction !== null && p.fraction > 0 && p.fraction < 1)).toBe(true);
    // Sending and Klaviyo's processing: each moves below its total.
    for (const name of ['sending', 'importing', 'removing'] as const) {
      const phases = seen.get(name);
      expect(distinctDone(phases), `${name}: ${JSON.stringify(phases)}`).toBeGreaterThanOrEqual(2);
      expect(phases!.every((p) => p.total === (name === 'removing' ? LEAVING : ARRIVING))).toBe(true);
    }
    expect(seen.get('removing')!.some((p) => p.done > 0 && p.done < LEAVING)).toBe(true);

    expect(statusDuringRemoval).toBeDefined();
    const status = await statusDuringRemoval!;
    expect(status.stdout).toMatch(/progress:\n {4}reading the audience 604,000\/604,000 rows read \(100%\) \| done\n/);
    expect(status.stdout).toContain("Klaviyo's import jobs 4,000/4,000 profiles processed (100%)");

    // --wait without a terminal: a line for each phase as it starts and as it ends.
    for (const line of [
      /reading the audience .*rows read .*\| ETA/,
      /reading the audience \[█+\] 604,000\/604,000 rows read \(100%\) \| done/,
      /sending profiles \[[█░]+\] [\d,]+\/4,000 profiles sent/,
      /Klaviyo's import jobs \[█+\] 4,000\/4,000 profiles processed \(100%\) · \d+ of \d+ import jobs complete \| done/,
      /removing members not in the audience \[[█░]+\] [\d,]+\/2,000 members removed \(\d+%\) \| [\d,-]+ members\/s \| ETA/,
    ]) {
      expect(run.stderr).toMatch(line);
    }
    expect(run.stdout).toContain('removed:       2000');
  }, 240_000);
});
