/**
 * upsertBatch: one planned batch of the audience -> Klaviyo bulk import job(s) that add the profiles
 * to the list. Safe to retry at any point: the submitted job ids travel in heartbeat details, so a
 * retried attempt resumes waiting for the same job instead of importing twice; the batch's reject
 * file is rewritten whole; and a bulk import is an upsert, so even a job submitted twice adds nothing twice.
 */
import { activityInfo, log, sleep } from '@temporalio/activity';
import type { RowFileSource } from '../shared';
import type { KlaviyoClient } from '../klaviyo/client';
import { KlaviyoError } from '../klaviyo/errors';
import { splitForBulkImport } from '../klaviyo/client';
import type { ProfileInput } from '../klaviyo/types';
import { normalizeRow, type RowReject } from '../audience/row';
import { readAudienceRows } from '../audience/source';
import { checkFingerprint, type AudienceFingerprint, type BatchRange } from '../audience/plan';
import { writeBatchRejects } from '../audience/rejects';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';
import { heartbeatNow, noteWaitingOn, withHeartbeatTicker } from './heartbeatTicker';
import { reportDirFor, type ReportRef } from './audience';
import type { CredentialRef } from './lists';

/** One planned batch of the audience file (a query source's snapshot). */
export interface BatchInput extends ReportRef {
  audience: RowFileSource;
  batch: BatchRange;
  fingerprint: AudienceFingerprint;
  updateContacts: boolean;
}

export interface UpsertBatchInput extends BatchInput, CredentialRef {
  listId: string;
}

export interface UpsertBatchResult {
  index: number;
  rowsRead: number;
  /** Profiles Klaviyo imported. */
  imported: number;
  /** Rows rejected here or by Klaviyo, by reason (local rejects are also counted by the plan). */
  rejectedByReason: Record<string, number>;
  klaviyoRejected: number;
  apiCalls: Record<string, number>;
}

interface UpsertProgress {
  /** chunk index -> bulk import job id already submitted for it. */
  jobs: Record<number, string>;
}

/** Pending profiles of one batch, with the row each came from so Klaviyo's rejections map back to rows. */
interface PreparedBatch {
  profiles: ProfileInput[];
  rowByEmail: Map<string, number>;
  rejects: RowReject[];
  rowsRead: number;
}

export function upsertActivities(config: ActivityConfig) {
  return {
    async upsertBatch(input: UpsertBatchInput): Promise<UpsertBatchResult> {
      await checkFingerprint(input.audience, input.fingerprint);
      const prepared = await prepareBatch(input, config);
      const { client, apiCalls } = clientFor(config, input.credential);
      const progress: UpsertProgress = (activityInfo().heartbeatDetails as UpsertProgress | undefined) ?? { jobs: {} };
      let imported = 0;
      let klaviyoRejected = 0;
      const chunks = splitForBulkImport(prepared.profiles);
      await withHeartbeatTicker(
        () => progress,
        async () => {
          for (let i = 0; i < chunks.length; i++) {
            const outcome = await importChunk(client, input.listId, chunks[i], i, progress, prepared, config);
            imported += outcome.imported;
            klaviyoRejected += outcome.rejected;
          }
        },
      );
      return finishBatch(config, input, prepared, { imported, klaviyoRejected, apiCalls });
    },

    /** A dry run's pass over one batch: validates every row and reports rejects, sends nothing. */
    async checkBatch(input: BatchInput): Promise<UpsertBatchResult> {
      await checkFingerprint(input.audience, input.fingerprint);
      const prepared = await prepareBatch(input, config);
      return finishBatch(config, input, prepared, { imported: 0, klaviyoRejected: 0, apiCalls: {} });
    },
  };
}

/** Writes the batch's reject file (whole, so a retry rewrites it) and sums its outcome. */
async function finishBatch(
  config: ActivityConfig,
  input: BatchInput,
  prepared: PreparedBatch,
  sent: Pick<UpsertBatchResult, 'imported' | 'klaviyoRejected' | 'apiCalls'>,
): Promise<UpsertBatchResult> {
  await writeBatchRejects(reportDirFor(config, input), input.batch.index, prepared.rejects);
  const rejectedByReason: Record<string, number> = {};
  for (const r of prepared.rejects) rejectedByReason[r.reason] = (rejectedByReason[r.reason] ?? 0) + 1;
  return { index: input.batch.index, rowsRead: prepared.rowsRead, rejectedByReason, ...sent };
}

async function prepareBatch(input: BatchInput, config: ActivityConfig): Promise<PreparedBatch> {
  const prepared: PreparedBatch = { profiles: [], rowByEmail: new Map(), rejects: [], rowsRead: 0 };
  // Later duplicate rows overwrite earlier ones, as a second upsert would.
  const indexByEmail = new Map<string, number>();
  for await (const { row, raw } of readAudienceRows(input.audience, input.batch)) {
    prepared.rowsRead++;
    const result = normalizeRow(raw, row, {
      updateContacts: input.updateContacts,
      defaultCountry: config.audience.defaultPhoneCountry,
    });
    if (!result.ok) {
      prepared.rejects.push(result.reject);
      continue;
    }
    const existing = indexByEmail.get(result.email);
    if (existing !== undefined) prepared.profiles[existing] = result.profile;
    else {
      indexByEmail.set(result.email, prepared.profiles.length);
      prepared.profiles.push(result.profile);
    }
    prepared.rowByEmail.set(result.email, row);
  }
  return prepared;
}

async function importChunk(
  client: KlaviyoClient,
  listId: string,
  profiles: ProfileInput[],
  chunk: number,
  progress: UpsertProgress,
  prepared: PreparedBatch,
  config: ActivityConfig,
): Promise<{ imported: number; rejected: number }> {
  let pending = profiles;
  let rejected = 0;
  for (;;) {
    if (pending.length === 0) return { imported: 0, rejected };
    let jobId = progress.jobs[chunk];
    if (!jobId) {
      try {
        jobId = (await client.createBulkImportJob({ listId, profiles: pending })).id;
      } catch (err) {
        // Klaviyo rejects the whole request when one profile is malformed: report those rows, send the rest.
        if (!(err instanceof KlaviyoError) || err.kind !== 'validation' || !err.profileErrors?.length) throw err;
        const bad = new Set(err.profileErrors.map((e) => e.index));
        for (const e of err.profileErrors) {
          const email = pending[e.index]?.attributes.email ?? undefined;
          prepared.rejects.push({
            row: (email && prepared.rowByEmail.get(email)) || 0,
            email,
            reason: 'klaviyo_rejected',
            field: e.field,
            message: e.message,
          });
          rejected++;
        }
        pending = pending.filter((_, i) => !bad.has(i));
        continue;
      }
      progress.jobs[chunk] = jobId;
      heartbeatNow(progress);
    }
    const job = await waitForJob(client, jobId, progress, config);
    if (!job) {
      // Stuck job: forget it and submit the chunk again (an upsert, so harmless if the old one wakes up).
      delete progress.jobs[chunk];
      heartbeatNow(progress);
      continue;
    }
    for await (const e of client.bulkImportErrors(jobId)) {
      prepared.rejects.push({
        row: (e.email && prepared.rowByEmail.get(e.email)) || 0,
        email: e.email,
        reason: 'klaviyo_rejected',
        field: e.pointer?.split('/').pop(),
        message: e.detail || e.title,
      });
      rejected++;
    }
    return { imported: job.completedCount, rejected };
  }
}

/**
 * Polls with back-off; returns undefined when the job stopped moving (status and counts unchanged for
 * bulkJobStallMs) or did not finish within bulkJobTimeoutMs. While it stands still, the heartbeat says so
 * (`status` shows "import job … unchanged for 2 min").
 */
async function waitForJob(client: KlaviyoClient, jobId: string, progress: UpsertProgress, config: ActivityConfig) {
  const deadline = Date.now() + config.bulkJobTimeoutMs;
  const stallMs = config.bulkJobStallMs;
  const noteAfterMs = Math.min(60_000, stallMs / 3);
  let delay = 250 / Math.min(config.klaviyo.rateSpeedFactor, 4);
  let last = '';
  let changedAt = Date.now();
  try {
    for (;;) {
      const job = await client.getBulkImportJob(jobId);
      const seen = `${job.status} ${job.completedCount} ${job.failedCount}`;
      if (seen !== last) [last, changedAt] = [seen, Date.now()];
      const still = Date.now() - changedAt;
      noteWaitingOn(
        still >= noteAfterMs && job.status !== 'complete'
          ? `Klaviyo import job ${jobId} unchanged for ${roughly(still)} (${job.status}, ${job.completedCount} of ${job.totalCount} done)`
          : undefined,
      );
      heartbeatNow(progress);
      if (job.status === 'complete') return job;
      if (job.status === 'cancelled' || still > stallMs || Date.now() > deadline) {
        log.warn('Bulk import job did not complete; submitting the batch again', { jobId, status: job.status, unchangedMs: still });
        return undefined;
      }
      // Activity sleep ends early when the activity is cancelled.
      await sleep(delay);
      delay = Math.min(delay * 1.5, 10_000);
    }
  } finally {
    noteWaitingOn(undefined);
  }
}

function roughly(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min`;
}
