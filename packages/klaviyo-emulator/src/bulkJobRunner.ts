/**
 * Runs bulk profile import jobs asynchronously: `queued` for one job delay, then `processing` (profiles are
 * upserted in slices so a 10,000-profile job does not block the server), then `complete` once at least one
 * more job delay has passed. Invalid e-mails / non-E.164 phones become import errors (the profile is
 * skipped); bulk import ignores nulls. A job marked `stuck` stays `processing` forever.
 */
import { randomUUID } from 'node:crypto';
import { upsertProfile } from './profileUpsert';
import type { Account, EmulatorState, ImportJob, SubmittedProfile } from './store';

const SLICE = 2000;

/** What the runner did, for benchmarks: profiles submitted, and time spent importing them (the server's own work). */
export interface JobCounters {
  jobsSubmitted: number;
  profilesSubmitted: number;
  processingMs: number;
  /** The base delay every job spends queued, then processing. */
  jobDelayMs: number;
}

export class BulkJobRunner {
  private readonly timers = new Set<NodeJS.Timeout>();
  private closed = false;
  private counters = { jobsSubmitted: 0, profilesSubmitted: 0, processingMs: 0 };

  constructor(
    private readonly state: EmulatorState,
    private readonly jobDelayMs: number,
  ) {}

  submit(acc: Account, profiles: SubmittedProfile[], listIds: string[], stuck: boolean): ImportJob {
    const now = Date.now();
    const job: ImportJob = {
      id: this.state.ulid.next(now),
      status: 'queued',
      created: now,
      profiles,
      totalCount: profiles.length,
      listIds,
      completedCount: 0,
      failedCount: 0,
      profileIds: [],
      errors: [],
      stuck,
    };
    acc.jobs.set(job.id, job);
    this.counters.jobsSubmitted++;
    this.counters.profilesSubmitted += profiles.length;
    this.later(this.jobDelayMs, () => this.start(acc, job));
    return job;
  }

  snapshot(): JobCounters {
    return { ...this.counters, processingMs: Math.round(this.counters.processingMs), jobDelayMs: this.jobDelayMs };
  }

  resetCounters(): void {
    this.counters = { jobsSubmitted: 0, profilesSubmitted: 0, processingMs: 0 };
  }

  /** Stops pending timers (server shutdown or reset). */
  close(): void {
    this.closed = true;
    for (const t of this.timers) clearTimeout(t);
    this.timers.clear();
  }

  reopen(): void {
    this.closed = false;
  }

  private later(ms: number, fn: () => void): void {
    if (this.closed) return;
    const t = setTimeout(() => {
      this.timers.delete(t);
      if (!this.closed) fn();
    }, ms);
    this.timers.add(t);
  }

  private start(acc: Account, job: ImportJob): void {
    job.status = 'processing';
    job.started = Date.now();
    if (job.stuck) return;
    this.processSlice(acc, job, 0);
  }

  private processSlice(acc: Account, job: ImportJob, from: number): void {
    const to = Math.min(job.profiles.length, from + SLICE);
    const started = performance.now();
    for (let i = from; i < to; i++) this.importOne(acc, job, job.profiles[i]!);
    this.counters.processingMs += performance.now() - started;
    if (to < job.profiles.length) {
      this.later(0, () => this.processSlice(acc, job, to));
      return;
    }
    const remaining = Math.max(0, job.started! + this.jobDelayMs - Date.now());
    this.later(remaining, () => {
      job.status = 'complete';
      job.completed = Date.now();
      job.profiles = []; // the submitted payloads are no longer needed (errors keep their own copy)
    });
  }

  private importOne(acc: Account, job: ImportJob, submitted: SubmittedProfile): void {
    const outcome = upsertProfile(this.state, acc, submitted, 'ignore', '/data/attributes');
    if (!outcome.ok) {
      job.failedCount++;
      job.errors.push({ id: randomUUID(), error: outcome.error, originalPayload: submitted });
      return;
    }
    job.completedCount++;
    job.profileIds.push(outcome.profile.id);
    const now = Date.now();
    for (const listId of job.listIds) acc.lists.get(listId)?.members.add(outcome.profile.id, now);
  }
}
