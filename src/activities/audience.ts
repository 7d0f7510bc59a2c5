/**
 * Activities around the audience: planning (read the source once, diff it with the stored members, write the
 * rows to send and the departures to the run's snapshot; the pass itself runs on a thread, see planThread.ts)
 * and reporting (the report into the store).
 */
import path from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import type { AudienceSource, RowFileSource, SyncReport } from '../shared';
import { SourceUnreachableError } from '../audience/errors';
import { removeSnapshot, rowFileFor } from '../audience/snapshot';
import type { AudiencePlan } from '../audience/plan';
import { REJECT_REPORT_FILE, writeRejectCsv } from '../audience/rejects';
import { storedRejects } from '../store/reports';
import type { SnapshotSeal, SyncStateStore } from '../store/types';
import type { ActivityConfig } from '../config';
import { withHeartbeatTicker } from './heartbeatTicker';
import { runPlanThread } from './planThread';
import type { PlanningBeat } from '../progress/beats';

/** A run chain's key in the store: `<workflowId>/<firstRunId>`. */
export interface RunRef {
  runKey: string;
}

export interface PlanInput extends RunRef {
  workflowId: string;
  startedAt: string;
  account: string;
  /** Null: the list does not exist yet (every valid e-mail is new). */
  listId: string | null;
  listName: string;
  audience: AudienceSource;
  updateContacts: boolean;
  dryRun: boolean;
  /** This run read the list's membership (verifyMembership): a dry run compares with that read, not the store. */
  membershipRead: boolean;
  /** A first sync into a list the run creates: seal batches as the plan goes, so the workflow sends them meanwhile. */
  sealBatches?: boolean;
}

export interface AwaitSealedInput extends RunRef {
  /** Batches the workflow knows are sealed. */
  after: number;
}

export interface PlanResult {
  plan: AudiencePlan;
  /** Members before the run, as stored (or as read), and those not in the audience any more. */
  listSize: number;
  toRemove: number;
}

export interface FinalizeInput extends RunRef {
  workflowId: string;
  account: string;
  report: SyncReport;
}

export interface FinalizeResult {
  /** Members after the run, as the store knows them (null for a dry run or without a list). */
  listSize: number | null;
  rejectRows: number;
  /** The reject report's CSV export, when AUDIENCE_REPORT_DIR is set. */
  rejectFile?: string;
}

/**
 * awaitSealedBatches answers once a few batches are newly sealed, or one has waited a while: often enough to
 * keep uploads fed, rarely enough to keep the history small (a few events a call).
 */
const SEAL_POLL_MS = 100;
const SEAL_ENOUGH = 2;
const SEAL_ONE_AFTER_MS = 1000;
const SEAL_MAX_WAIT_MS = 5000;
/** Scratch of runs that never reported is dropped after this long. */
const SCRATCH_RETENTION_MS = 14 * 86_400_000;

export function audienceActivities(config: ActivityConfig, store: SyncStateStore) {
  return {
    async planAudience(input: PlanInput): Promise<PlanResult> {
      const progress: PlanningBeat = { rows: 0 };
      const onProgress = (beat: PlanningBeat) => Object.assign(progress, beat);
      return withHeartbeatTicker(
        () => progress,
        async () => {
          await store.saveRun({
            runKey: input.runKey,
            workflowId: input.workflowId,
            account: input.account,
            listId: input.listId,
            listName: input.listName,
            dryRun: input.dryRun,
            startedAt: input.startedAt,
          });
          await store.pruneScratch(new Date(Date.now() - SCRATCH_RETENTION_MS).toISOString());
          // A query or Parquet source is planned from its snapshot file: read once, like any audience file.
          // A query's snapshot counts rows only; the plan then reads the snapshot file, with its size.
          const rows = await readableSource(config, input, (rows) => onProgress({ rows }));
          const job = { input, rows, audience: config.audience, store: { location: config.state.location, shownAs: store.location } };
          return runPlanThread(job, onProgress, Context.current().cancellationSignal);
        },
      );
    },

    /** How many batches the running plan has sealed (see SnapshotSeal): waits a little for news, never long. */
    async awaitSealedBatches(input: AwaitSealedInput): Promise<SnapshotSeal> {
      const start = Date.now();
      for (;;) {
        const seal = await store.snapshotSeal(input.runKey);
        const waited = Date.now() - start;
        const fresh = seal.sealed - input.after;
        // Done: the plan activity is completing, and the workflow moves on without this answer.
        if (seal.done || fresh >= SEAL_ENOUGH || (fresh > 0 && waited >= SEAL_ONE_AFTER_MS) || waited >= SEAL_MAX_WAIT_MS) {
          return { sealed: seal.sealed, waits: seal.waits.filter(([batch]) => batch >= input.after), ...(seal.done && { done: true }) };
        }
        await new Promise((resolve) => setTimeout(resolve, SEAL_POLL_MS));
      }
    },

    async finalizeReport(input: FinalizeInput): Promise<FinalizeResult> {
      Context.current().heartbeat();
      const { report } = input;
      const listSize = report.listId && !report.dryRun ? await store.countMembers(input.account, report.listId) : null;
      if (report.listId && !report.dryRun) {
        // A list this run created was empty before it: its membership is known exactly from here on.
        await store.touchList(input.account, report.listId, report.listName ?? null, report.listCreated ? Date.parse(report.startedAt) : undefined);
      }
      const rejectRows = await store.countRejects(input.runKey);
      let rejectFile: string | undefined;
      if (config.reportDir) {
        rejectFile = path.join(runFolderIn(config.reportDir, input.runKey), REJECT_REPORT_FILE);
        await writeRejectCsv(rejectFile, storedRejects(store, input.runKey));
      }
      const final: SyncReport = {
        ...report,
        counts: { ...report.counts, listSize: listSize ?? report.counts.listSize },
        ...(listSize !== null && { listMembers: listSize }),
        ...(rejectFile && { reportLocation: rejectFile }),
      };
      const run = await store.getRun(input.runKey);
      await store.saveRun({
        runKey: input.runKey,
        workflowId: input.workflowId,
        account: input.account,
        listId: report.listId,
        listName: report.listName ?? null,
        dryRun: report.dryRun,
        startedAt: run?.startedAt ?? report.startedAt,
        finishedAt: new Date().toISOString(),
        report: final,
      });
      await store.clearScratch(input.runKey);
      // Nothing reads the audience after the report: a query source's snapshot goes.
      await removeSnapshot(runFolderIn(config.sources.snapshotDir, input.runKey));
      return { listSize, rejectRows, ...(rejectFile && { rejectFile }) };
    },
  };
}

/**
 * The run's own folder under `dir` (its report export, a query source's snapshot): `<dir>/<workflowId>/<firstRunId>`;
 * operators choose workflow ids, so keep it inside.
 */
export function runFolderIn(dir: string, runKey: string): string {
  const safe = runKey
    .split('/')
    .map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_'))
    .join(path.sep);
  return path.join(dir, safe);
}

/**
 * The file to plan: the audience file, or the run's snapshot of a query or Parquet source (taken on the
 * first attempt that gets through, reused by later ones). A database that stays unreachable for the
 * configured attempts becomes `source_unavailable`: the run pauses for an operator instead of retrying for hours.
 */
async function readableSource(config: ActivityConfig, input: PlanInput, onProgress: (rows: number) => void): Promise<RowFileSource> {
  try {
    return await rowFileFor(input.audience, {
      dir: runFolderIn(config.sources.snapshotDir, input.runKey),
      sources: config.sources,
      onProgress,
      signal: Context.current().cancellationSignal,
    });
  } catch (err) {
    const { attempt } = activityInfo();
    if (err instanceof SourceUnreachableError && attempt >= config.sources.connectAttempts) throw err.giveUp(attempt);
    throw err;
  }
}
