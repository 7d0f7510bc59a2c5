/**
 * When to look at a bulk import job: polls share one M-tier bucket (150 a minute) across every job in
 * flight, so at a million rows (100 jobs) two or three polls a job would take longer than the imports.
 * The pace is learned from this worker's finished jobs (Klaviyo's own created_at -> completed_at per
 * profile), and a job seen half done is expected when its progress says; so most jobs need one or two polls.
 */
import type { BulkImportJob } from '../klaviyo/types';

const MIN_WAIT_MS = 250;
const MAX_WAIT_MS = 10_000;

export class JobPace {
  private msPerProfile: number | undefined;

  /** Learns from a completed job (a moving average: the pace changes with the jobs in flight). */
  learn(job: BulkImportJob): void {
    if (!job.createdAt || !job.completedAt || job.totalCount <= 0) return;
    const ms = Date.parse(job.completedAt) - Date.parse(job.createdAt);
    if (!(ms >= 0)) return;
    const perProfile = ms / job.totalCount;
    this.msPerProfile = this.msPerProfile === undefined ? perProfile : 0.7 * this.msPerProfile + 0.3 * perProfile;
  }

  /** The first look at a job of `profiles` profiles just submitted; `fallbackMs` until a job has finished. */
  firstWait(profiles: number, fallbackMs: number): number {
    return this.msPerProfile === undefined ? fallbackMs : clamp(profiles * this.msPerProfile);
  }

  /**
   * The next look at a job seen unfinished `elapsedMs` after it was submitted: when its progress so far
   * says it ends, or `backoffMs` when it has not started.
   */
  nextWait(job: BulkImportJob, elapsedMs: number, backoffMs: number): number {
    const done = job.completedCount + job.failedCount;
    if (done <= 0 || done >= job.totalCount) return backoffMs;
    return clamp((elapsedMs * (job.totalCount - done)) / done);
  }
}

function clamp(ms: number): number {
  return Math.min(MAX_WAIT_MS, Math.max(MIN_WAIT_MS, Math.round(ms)));
}
