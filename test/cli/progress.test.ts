/** `--wait` output against a scripted run: what the operator reads in each phase of a run, and of a dry run. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import { CliContext } from '../../src/cli/context';
import { waitForRun } from '../../src/cli/progress';
import { emptyCounts, type SyncReport, type SyncStatus } from '../../src/shared';

/** A pending activity as describe() gives it: its type and its latest heartbeat details. */
interface Pending {
  type: string;
  details: object;
}

/** Poll n answers statuses[n] and, to describe(), the activities pending[n]. */
function scriptedRun(statuses: SyncStatus[], pending: Pending[][] = []): WorkflowHandle {
  let polls = 0;
  let finish!: (r: SyncReport) => void;
  const result = new Promise<SyncReport>((r) => (finish = r));
  return {
    workflowId: 'run-1',
    result: () => result,
    query: async () => {
      const s = statuses[Math.min(polls++, statuses.length - 1)]!;
      if (polls >= statuses.length) setTimeout(() => finish({ dryRun: s.dryRun } as SyncReport), 5);
      return s;
    },
    describe: async () => ({
      raw: {
        pendingActivities: (pending[polls - 1] ?? []).map((a) => ({
          activityType: { name: a.type },
          heartbeatDetails: { payloads: [defaultPayloadConverter.toPayload(a.details)] },
        })),
      },
    }),
    client: { options: { loadedDataConverter: { payloadConverter: defaultPayloadConverter, payloadCodecs: [] } } },
  } as unknown as WorkflowHandle;
}

async function waitOutput(statuses: SyncStatus[], pending?: Pending[][]): Promise<string> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  const ctx = new CliContext({}, new PassThrough(), stderr);
  await waitForRun(ctx, scriptedRun(statuses, pending), { pollMs: 5 });
  return text;
}

const status = (step: SyncStatus['step'], counts: Partial<SyncStatus['counts']>, dryRun = false): SyncStatus => ({
  state: 'running',
  step,
  dryRun,
  counts: { ...emptyCounts(), ...counts },
  startedAt: '2026-08-01T06:00:00.000Z',
});

const planned = { rowsTotal: 20_000, rowsRead: 20_000, toSend: 20_000, batchesTotal: 2, toRemove: 300 };
const sent = { ...planned, profilesSent: 20_000, batchesDone: 2, importJobs: 2 };

describe('waitForRun output', () => {
  it('shows each phase on its own line, with its counter, and a readable ETA before a rate exists', async () => {
    const text = await waitOutput(
      [
        status('validating_credential', {}),
        status('planning', {}),
        status('planning', {}),
        status('upserting', planned),
        status('upserting', planned),
        status('upserting', { ...planned, profilesSent: 10_000, batchesDone: 1, importJobs: 1 }),
        status('reconciling', sent),
        status('reconciling', sent),
        status('done', { ...sent, removed: 300 }),
      ],
      [
        [],
        [{ type: 'planAudience', details: { rows: 5_000, bytesRead: 250_000, bytesTotal: 1_000_000 } }],
        [{ type: 'planAudience', details: { rows: 15_000, bytesRead: 750_000, bytesTotal: 1_000_000 } }],
        [],
        [{ type: 'upsertBatch', details: { jobs: { 0: 'job-1' }, submitted: 10_000, jobsSubmitted: 1, jobsComplete: 0, processed: 2_000 } }],
        [{ type: 'upsertBatch', details: { jobs: { 0: 'job-2' }, submitted: 10_000, jobsSubmitted: 1, jobsComplete: 0, processed: 6_000 } }],
        [{ type: 'removeDepartures', details: { afterSeq: 100, removed: 100, gone: 0 } }],
        [{ type: 'removeDepartures', details: { afterSeq: 200, removed: 190, gone: 10 } }],
      ],
    );
    expect(text).toContain('checking the Klaviyo key...');
    // Without a terminal a line every few seconds: here each phase's first and last.
    expect(text).toContain('reading the audience [█████░░░░░░░░░░░░░░░] 5,000 rows read (25%) · 0.3 of 1.0 MB | - rows/s | ETA unknown');
    expect(text).toContain('reading the audience [████████████████████] 20,000/20,000 rows read (100%) | done');
    expect(text).toContain('sending profiles [░░░░░░░░░░░░░░░░░░░░] 0/20,000 profiles sent (0%) · batches 0 of 2 done | - profiles/s | ETA unknown');
    expect(text).toContain('sending profiles [████████████████████] 20,000/20,000 profiles sent (100%) · batches 1 of 2 done | done');
    // Every profile sent: the bar moves on to Klaviyo's processing, not "20000/20000 ETA 0 s".
    expect(text).toMatch(/Klaviyo's import jobs \[[█░]+\] 16,000\/20,000 profiles processed \(80%\) · 1 of 2 import jobs complete \| [\d,]+ profiles\/s \| ETA \d/);
    expect(text).toContain("Klaviyo's import jobs [████████████████████] 20,000/20,000 profiles processed (100%) · 2 of 2 import jobs complete | done");
    expect(text).toContain('removing members not in the audience [███████░░░░░░░░░░░░░] 100/300 members removed (33%) | - members/s | ETA unknown');
    expect(text).toContain('removing members not in the audience [████████████████████] 300/300 members removed (100%) | done');
    expect(text).not.toMatch(/ETA (LL|NULL|INF|NaN)/);
    expect(text).not.toContain('done...');
  });

  it('a dry run shows its steps and reading phases only, and does not say it removes anyone', async () => {
    const text = await waitOutput([status('planning', {}, true), status('reconciling', { rowsTotal: 500, rowsRead: 500, rowsValid: 480 }, true)], [
      [{ type: 'planAudience', details: { rows: 100 } }],
    ]);
    expect(text).toContain('reading the audience 100 rows read | - rows/s | ETA unknown');
    expect(text).toContain('reading the audience [████████████████████] 500/500 rows read (100%) | done');
    expect(text).toContain('comparing the list with the audience...');
    expect(text).not.toContain('profiles sent');
    expect(text).not.toContain('removing');
  });
});
