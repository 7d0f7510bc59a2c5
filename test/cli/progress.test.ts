/** `--wait` output against a scripted run: what the operator reads while a run sends and while a dry run compares. */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import type { WorkflowHandle } from '@temporalio/client';
import { CliContext } from '../../src/cli/context';
import { waitForRun } from '../../src/cli/progress';
import { emptyCounts, type SyncReport, type SyncStatus } from '../../src/shared';

function scriptedRun(statuses: SyncStatus[]): WorkflowHandle {
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
  } as unknown as WorkflowHandle;
}

async function waitOutput(statuses: SyncStatus[]): Promise<string> {
  const stderr = new PassThrough();
  let text = '';
  stderr.on('data', (d: Buffer) => (text += d.toString()));
  const ctx = new CliContext({}, new PassThrough(), stderr);
  await waitForRun(ctx, scriptedRun(statuses), { pollMs: 5 });
  return text;
}

const status = (step: SyncStatus['step'], counts: Partial<SyncStatus['counts']>, dryRun = false): SyncStatus => ({
  state: 'running',
  step,
  dryRun,
  counts: { ...emptyCounts(), ...counts },
  startedAt: '2026-08-01T06:00:00.000Z',
});

describe('waitForRun output', () => {
  it('shows profiles sent of the rows to send, and a readable ETA before a rate exists', async () => {
    const text = await waitOutput([
      status('validating_credential', {}),
      status('upserting', { rowsTotal: 20_000, toSend: 20_000 }),
      status('upserting', { rowsTotal: 20_000, toSend: 20_000, profilesSent: 10_000, rowsValid: 10_000, batchesDone: 1 }),
      status('reconciling', { rowsTotal: 20_000, toSend: 20_000, profilesSent: 20_000, rowsValid: 20_000, batchesDone: 2 }),
    ]);
    expect(text).toContain('checking the Klaviyo key...');
    expect(text).toContain('0/20000 profiles sent | - profiles/s | ETA unknown');
    expect(text).toMatch(/20000\/20000 profiles sent \| [\d,]+ profiles\/s \| ETA 0 s/);
    expect(text).not.toMatch(/ETA (LL|NULL|INF)/);
  });

  it('a dry run shows its steps, no bar, and does not say it removes anyone', async () => {
    const text = await waitOutput([status('planning', {}, true), status('reconciling', { rowsTotal: 500, rowsValid: 480 }, true)]);
    expect(text).toContain('comparing the list with the audience...');
    expect(text).not.toContain('profiles sent');
    expect(text).not.toContain('removing');
  });
});
