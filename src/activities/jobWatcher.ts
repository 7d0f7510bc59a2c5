/**
 * How a worker's bulk import jobs stand, for every batch waiting on one: a look asked for while another is
 * under way waits for the next, and each look is one call for the account's newest jobs (up to 100), not a
 * GET per job. Both endpoints are on the M tier (150 calls a minute each): a 1M first sync submits ~130 jobs
 * within a minute, and polling each job spent the GET's minute and stalled the sync for up to 25 s at a time.
 * A job missing from the page (over 100 newer jobs of the account) is read by its own GET. Looks start
 * LOOK_SPACING_MS apart at least, so they stay under that endpoint's own 150 a minute.
 */
import type { BulkImportJob } from '../klaviyo/types';

export interface JobReader {
  recentBulkImportJobs(): Promise<BulkImportJob[]>;
  getBulkImportJob(jobId: string): Promise<BulkImportJob>;
}

const LOOK_SPACING_MS = 450;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

interface Waiter {
  resolve: (job: BulkImportJob) => void;
  reject: (err: unknown) => void;
}

export class JobWatcher {
  private asked = new Map<string, Waiter[]>();
  private looking = false;

  constructor(private readonly spacingMs = LOOK_SPACING_MS) {}

  /** The job as the next look sees it (a look started after this call). */
  look(reader: JobReader, jobId: string): Promise<BulkImportJob> {
    return new Promise((resolve, reject) => {
      const waiters = this.asked.get(jobId) ?? [];
      waiters.push({ resolve, reject });
      this.asked.set(jobId, waiters);
      if (!this.looking) void this.lookWhileAsked(reader);
    });
  }

  private async lookWhileAsked(reader: JobReader): Promise<void> {
    this.looking = true;
    try {
      // Looks asked in the same turn of the event loop go in the first call.
      await new Promise((resolve) => setImmediate(resolve));
      while (this.asked.size > 0) {
        const started = Date.now();
        const asked = this.asked;
        this.asked = new Map();
        try {
          const recent = new Map((await reader.recentBulkImportJobs()).map((job) => [job.id, job]));
          for (const [jobId, waiters] of asked) {
            const job = recent.get(jobId) ?? (await reader.getBulkImportJob(jobId));
            for (const w of waiters) w.resolve(job);
          }
        } catch (err) {
          for (const waiters of asked.values()) for (const w of waiters) w.reject(err);
        }
        if (this.asked.size > 0) await sleep(started + this.spacingMs - Date.now());
      }
    } finally {
      this.looking = false;
    }
  }
}
