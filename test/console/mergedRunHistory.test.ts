/**
 * How the console joins Temporal's runs with the sync-state store's: the store's report wins for a completed
 * run, a run Temporal no longer lists comes from the store, a failed run is not listed twice, and a stored run
 * that may just lie beyond Temporal's full page is left out. The store's opening failure is one sentence.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { mergeRuns, UNREPORTED_RUN } from '../../src/console/mergedRunHistory';
import type { ConsoleRun } from '../../src/console/runHistory';
import { StateStoreAccess, STORE_UNAVAILABLE } from '../../src/console/stateStoreAccess';
import { emptyCounts, type SyncReport } from '../../src/shared';
import type { RunRecord } from '../../src/store/types';

const at = (day: number) => new Date(Date.UTC(2026, 7, day, 6));

function report(runKey: string, unchanged: number): SyncReport {
  return { listId: 'L1', listName: 'VIP', listCreated: false, dryRun: false, counts: { ...emptyCounts(), unchanged }, runKey, startedAt: at(1).toISOString(), durationMs: 1000, actionsResolved: 0 };
}

function live(id: string, day: number, extra: Partial<ConsoleRun> = {}): ConsoleRun {
  return { workflowId: id, runId: `${id}-run`, state: 'completed', list: 'VIP', dryRun: false, startedAt: at(day), closedAt: at(day), ...extra };
}

function stored(id: string, day: number, extra: Partial<RunRecord> = {}): RunRecord {
  return {
    runKey: `${id}/${id}-first`,
    workflowId: id,
    account: 'acct',
    listId: 'L1',
    listName: 'VIP',
    dryRun: false,
    startedAt: at(day).toISOString(),
    finishedAt: at(day).toISOString(),
    report: report(`${id}/${id}-first`, 7),
    ...extra,
  };
}

describe('mergeRuns', () => {
  it("takes a completed run's report from the store, adds runs only the store keeps, and lists a failed run once", () => {
    const temporalOnly = live('a', 10, { runKey: 'a/a-first', report: report('a/a-first', 0) });
    const failed = live('b', 9, { state: 'failed', error: 'The audience file is missing.' });
    const runs = mergeRuns([temporalOnly, failed], [stored('a', 10), stored('b', 9, { report: null, finishedAt: null }), stored('old', 2), stored('gone', 3, { report: null, finishedAt: null })], 100);
    expect(runs.map((r) => [r.workflowId, r.state, r.onlyInStore ?? false])).toEqual([
      ['a', 'completed', false],
      ['b', 'failed', false],
      ['gone', 'unreported', true],
      ['old', 'completed', true],
    ]);
    expect(runs[0]!.report!.counts.unchanged).toBe(7);
    expect(runs[2]!.error).toBe(UNREPORTED_RUN);
    expect(runs[3]).toMatchObject({ runId: 'old-first', runKey: 'old/old-first', list: 'VIP', listId: 'L1' });
  });

  it("adds no stored run that could lie beyond Temporal's full page", () => {
    const page = [live('new', 20, { runKey: 'new/k' }), live('older', 15, { runKey: 'older/k' })];
    const runs = mergeRuns(page, [stored('between', 17), stored('before', 12)], 2);
    expect(runs.map((r) => r.workflowId)).toEqual(['new', 'between']);
  });
});

describe('StateStoreAccess', () => {
  it('reads nothing and says so in one sentence where no store exists, without creating one', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'console-store-'));
    const location = path.join(dir, 'state.sqlite');
    const logged: string[] = [];
    const access = new StateStoreAccess(location, (m) => logged.push(m));
    try {
      expect(await access.read('runs', (s) => s.recentRuns(10), 'fallback' as never)).toBe('fallback');
      expect(access.problem).toBe(STORE_UNAVAILABLE);
      expect(STORE_UNAVAILABLE).toMatch(/^[A-Z][^.]*\.$/);
      expect(fs.existsSync(location)).toBe(false);
      expect(logged).toHaveLength(1);
      expect(logged[0]).toContain('no store file');
    } finally {
      await access.close();
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
