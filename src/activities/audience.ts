/** Activities that read the audience source: planning the batches and closing the reject report. */
import path from 'node:path';
import { Context } from '@temporalio/activity';
import type { AudienceSource } from '../shared';
import { planAudience, type AudiencePlan } from '../audience/plan';
import { finalizeRejectReport } from '../audience/rejects';
import type { ActivityConfig } from '../config';
import { withHeartbeatTicker } from './heartbeatTicker';

/** Identifies a run's report folder across continue-as-new: `<workflowId>/<firstRunId>`. */
export interface ReportRef {
  reportKey: string;
}

export function reportDirFor(config: ActivityConfig, ref: ReportRef): string {
  // The key comes from workflow ids, which operators choose: keep it inside the report folder.
  const safe = ref.reportKey
    .split('/')
    .map((part) => part.replace(/[^A-Za-z0-9._-]/g, '_').replace(/^\.+$/, '_'))
    .join(path.sep);
  return path.join(config.reportDir, safe);
}

export interface PlanInput extends ReportRef {
  audience: AudienceSource;
  updateContacts: boolean;
}

export function audienceActivities(config: ActivityConfig) {
  return {
    async planAudience(input: PlanInput): Promise<{ plan: AudiencePlan; reportLocation: string }> {
      const progress = { rows: 0 };
      const plan = await withHeartbeatTicker(
        () => progress,
        () =>
          planAudience(input.audience, {
            updateContacts: input.updateContacts,
            maxProfiles: config.audience.batchMaxProfiles,
            defaultCountry: config.audience.defaultPhoneCountry,
            requireValidRow: true,
            onProgress: (rows) => {
              progress.rows = rows;
            },
          }),
      );
      return { plan, reportLocation: reportDirFor(config, input) };
    },

    async finalizeReport(input: ReportRef): Promise<{ rejectReport: string; rejectRows: number }> {
      Context.current().heartbeat();
      const { path: rejectReport, rows } = await finalizeRejectReport(reportDirFor(config, input));
      return { rejectReport, rejectRows: rows };
    },
  };
}
