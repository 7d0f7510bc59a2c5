/** Activities that read the audience source: planning the batches and closing the reject report. */
import path from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import { isRowFileSource, type AudienceSource, type RowFileSource } from '../shared';
import { SourceUnreachableError } from '../audience/errors';
import { planAudience, type AudiencePlan } from '../audience/plan';
import { finalizeRejectReport } from '../audience/rejects';
import { removeSnapshot, rowFileFor } from '../audience/snapshot';
import type { ActivityConfig } from '../config';
import { withHeartbeatTicker } from './heartbeatTicker';

/** Identifies a run's report folder across continue-as-new: `<workflowId>/<firstRunId>`. */
export interface ReportRef {
  reportKey: string;
}

/** The run's own folder under `base`. */
function runFolder(base: string, ref: ReportRef): string {
  // The key comes from workflow ids, which operators choose: keep it inside the folder.
  const safe = ref.reportKey
    .split('/')
    .map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_'))
    .join(path.sep);
  return path.join(base, safe);
}

export function reportDirFor(config: ActivityConfig, ref: ReportRef): string {
  return runFolder(config.reportDir, ref);
}

/** Where a query or Parquet source's snapshot lives for this run (shared by every worker, like audience files). */
export function snapshotDirFor(config: ActivityConfig, ref: ReportRef): string {
  return runFolder(config.sources.snapshotDir, ref);
}

export interface PlanInput extends ReportRef {
  audience: AudienceSource;
  updateContacts: boolean;
}

export function audienceActivities(config: ActivityConfig) {
  return {
    async planAudience(input: PlanInput): Promise<{ plan: AudiencePlan; reportLocation: string }> {
      const progress = { rows: 0 };
      const onProgress = (rows: number) => {
        progress.rows = rows;
      };
      const plan = await withHeartbeatTicker(
        () => progress,
        async () => {
          const rows = await readableSource(config, input, onProgress);
          const plan = await planAudience(rows, {
            updateContacts: input.updateContacts,
            maxProfiles: config.audience.batchMaxProfiles,
            defaultCountry: config.audience.defaultPhoneCountry,
            requireValidRow: true,
            onProgress,
          });
          return isRowFileSource(input.audience) ? plan : { ...plan, snapshot: rows };
        },
      );
      return { plan, reportLocation: reportDirFor(config, input) };
    },

    async finalizeReport(input: ReportRef): Promise<{ rejectReport: string; rejectRows: number }> {
      Context.current().heartbeat();
      const { path: rejectReport, rows } = await finalizeRejectReport(reportDirFor(config, input));
      // Nothing reads the audience after the report: a query source's snapshot goes.
      await removeSnapshot(snapshotDirFor(config, input));
      return { rejectReport, rejectRows: rows };
    },
  };
}

/**
 * The file to plan: the audience file, or the run's snapshot of a query or Parquet source (taken on the
 * first attempt that gets through, reused by later ones). A database that stays unreachable for the
 * configured attempts becomes `source_unavailable`: the run pauses for an operator instead of retrying for hours.
 */
async function readableSource(config: ActivityConfig, input: PlanInput, onProgress: (rows: number) => void): Promise<RowFileSource> {
  try {
    return await rowFileFor(input.audience, {
      dir: snapshotDirFor(config, input),
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
