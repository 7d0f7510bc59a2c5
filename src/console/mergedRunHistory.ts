/**
 * The console's RunHistory: Temporal's runs, completed from the sync-state store. A completed run's counts
 * come from the report the store keeps (as `klaviyo-audience-sync report` reads it), its reject rows too; a
 * run Temporal no longer has (past the namespace's retention) is still listed from the store. Paused runs,
 * running ones and why a run failed are Temporal's alone.
 */
import type { Readable } from 'node:stream';
import { rejectCsv } from '../audience/rejects';
import { storedRejects } from '../store/reports';
import type { RunRecord } from '../store/types';
import type { ConsoleList, ConsoleRun, RunHistory, TemporalRuns } from './runHistory';
import type { StateStoreAccess } from './stateStoreAccess';

/** Why a run listed only from the store has no outcome to show. */
export const UNREPORTED_RUN = 'Temporal no longer keeps this run and it left no report, so how it ended is not known.';

export class MergedRunHistory implements RunHistory {
  constructor(
    private readonly temporal: TemporalRuns,
    private readonly store: StateStoreAccess,
  ) {}

  async recentRuns(limit: number): Promise<ConsoleRun[]> {
    const [live, stored] = await Promise.all([this.temporal.recentRuns(limit), this.store.read('recent runs', (s) => s.recentRuns(limit), [])]);
    return mergeRuns(live, stored, limit);
  }

  pausedRuns(): Promise<ConsoleRun[]> {
    return this.temporal.pausedRuns();
  }

  pausedCount(): Promise<number> {
    return this.temporal.pausedCount();
  }

  async run(workflowId: string): Promise<ConsoleRun | undefined> {
    const [live, stored] = await Promise.all([
      this.temporal.run(workflowId),
      this.store.read('a run', (s) => s.latestRun(workflowId), undefined),
    ]);
    if (!live) return stored && fromStore(stored);
    return stored && stored.runKey === live.runKey ? withStoredReport(live, stored) : live;
  }

  async rejectRows(run: ConsoleRun): Promise<Readable | undefined> {
    const runKey = run.runKey;
    const fromStoredReport =
      runKey && run.report
        ? await this.store.read('reject rows', async (s) => ((await s.getRun(runKey))?.report ? rejectCsv(storedRejects(s, runKey)) : undefined), undefined)
        : undefined;
    // Without the store: the CSV file the workers wrote under AUDIENCE_REPORT_DIR, if the console can read it.
    return fromStoredReport ?? this.temporal.rejectRows(run);
  }

  async storedLists(): Promise<ConsoleList[]> {
    const lists = await this.store.read('lists', (s) => s.storedLists(), []);
    return lists.map((l) => ({
      listId: l.listId,
      list: l.listName ?? l.listId,
      members: l.members,
      syncedAt: new Date(l.syncedAt),
      ...(l.lastRun && { lastRun: fromStore(l.lastRun) }),
    }));
  }

  storeNotice(): string | undefined {
    return this.store.problem;
  }
}

/**
 * Temporal's newest runs with the store's reports, and the store's runs Temporal does not list. When
 * Temporal's page is full, a stored run older than the page's oldest may just lie beyond it, so only newer
 * ones are added (listing order is by close time, or by start time: both are checked).
 */
export function mergeRuns(live: ConsoleRun[], stored: RunRecord[], limit: number): ConsoleRun[] {
  const byKey = new Map(stored.map((r) => [r.runKey, r]));
  const liveIds = new Set(live.map((r) => r.workflowId));
  const merged = live.map((run) => {
    const record = run.runKey ? byKey.get(run.runKey) : undefined;
    if (run.runKey) byKey.delete(run.runKey);
    return record ? withStoredReport(run, record) : run;
  });
  const full = live.length >= limit;
  const oldestStart = Math.min(...live.map((r) => r.startedAt.getTime()));
  const oldestClose = Math.min(...live.flatMap((r) => (r.closedAt ? [r.closedAt.getTime()] : [])));
  for (const record of byKey.values()) {
    // A failed run Temporal lists often has no run key (it failed before it reported): its record is the same run.
    if (!record.report && liveIds.has(record.workflowId)) continue;
    const started = Date.parse(record.startedAt);
    const ended = record.finishedAt ? Date.parse(record.finishedAt) : started;
    if (full && (started <= oldestStart || ended <= oldestClose)) continue;
    merged.push(fromStore(record));
  }
  return merged.sort((a, b) => b.startedAt.getTime() - a.startedAt.getTime()).slice(0, limit);
}

/** A completed run's counts as the store keeps them (the same report `klaviyo-audience-sync report` prints). */
function withStoredReport(run: ConsoleRun, record: RunRecord): ConsoleRun {
  const report = run.state === 'completed' && record.report ? record.report : run.report;
  return { ...run, runKey: record.runKey, listId: run.listId ?? record.listId ?? undefined, report };
}

/** A run only the store knows: Temporal no longer keeps it. */
export function fromStore(record: RunRecord): ConsoleRun {
  const report = record.report ?? undefined;
  return {
    workflowId: record.workflowId,
    runId: record.runKey.slice(record.workflowId.length + 1),
    runKey: record.runKey,
    onlyInStore: true,
    state: report ? 'completed' : 'unreported',
    list: record.listName ?? record.listId ?? undefined,
    listId: record.listId ?? undefined,
    dryRun: record.dryRun,
    startedAt: new Date(record.startedAt),
    closedAt: record.finishedAt ? new Date(record.finishedAt) : undefined,
    report,
    error: report ? undefined : UNREPORTED_RUN,
  };
}
