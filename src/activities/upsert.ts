/**
 * upsertBatch: one batch of the run's snapshot (rows new or changed since the last sync, as the plan
 * normalised them) -> Klaviyo bulk import job(s) that also add the profiles to the list; then the store
 * learns what Klaviyo took. Safe to retry at any point: the submitted job ids travel in heartbeat details,
 * so a retried attempt resumes waiting for the same job instead of importing twice; rejects are stored
 * once per row; the members' hashes are written after the jobs finished, so a killed worker loses nothing.
 */
import { activityInfo, log, sleep } from '@temporalio/activity';
import type { KlaviyoClient } from '../klaviyo/client';
import { KlaviyoError } from '../klaviyo/errors';
import { SyncFailure } from '../failures';
import { splitForBulkImport, type SerializedProfile } from '../klaviyo/client';
import type { RowReject } from '../audience/row';
import type { SyncStateStore } from '../store/types';
import type { BatchColumns, HeldRow, RowColumns } from '../store/batchRows';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';
import { heartbeatNow, noteWaitingOn, withHeartbeatTicker } from './heartbeatTicker';
import { JobPace } from './jobPace';
import { BodySlots, type BodySlot } from './bodySlots';
import { JobWatcher } from './jobWatcher';
import type { CredentialRef } from './lists';
import type { UpsertBeat } from '../progress/beats';

/** One batch of the run's snapshot. */
export interface UpsertBatchInput extends CredentialRef {
  runKey: string;
  account: string;
  listId: string;
  batch: number;
}

export interface UpsertBatchResult {
  index: number;
  /** Profiles sent (the batch's rows). */
  sent: number;
  /** Profiles Klaviyo imported. */
  imported: number;
  /** Of those imported: new to the list, and members updated. */
  added: number;
  updated: number;
  klaviyoRejected: number;
  /** Bulk import jobs that completed for the batch. */
  jobs: number;
  apiCalls: Record<string, number>;
}

interface UpsertProgress {
  /** chunk index -> bulk import job id already submitted for it. */
  jobs: Record<number, string>;
}

/**
 * The batch's heartbeat details: the jobs a retry resumes waiting for, and counts for `status` (UpsertBeat).
 * The counts start afresh each attempt: resumed jobs are counted again as the attempt reaches them.
 */
class BatchProgress {
  readonly jobs: Record<number, string>;
  private readonly counts: Required<UpsertBeat>;
  private readonly counted = new Set<number>();
  /** Profiles in chunks whose jobs completed. */
  private processedBefore = 0;

  constructor(restored: UpsertProgress | undefined, profiles: number) {
    this.jobs = restored?.jobs ?? {};
    this.counts = { profiles, submitted: 0, jobsSubmitted: 0, jobsComplete: 0, processed: 0 };
  }

  /** A chunk's job exists (a stuck job submitted again is still one job of this chunk). */
  submitted(chunk: number, profiles: number): void {
    if (this.counted.has(chunk)) return;
    this.counted.add(chunk);
    this.counts.submitted += profiles;
    this.counts.jobsSubmitted++;
  }

  polled(job: { completedCount: number; failedCount: number }): void {
    this.counts.processed = this.processedBefore + job.completedCount + job.failedCount;
  }

  completed(profiles: number): void {
    this.processedBefore += profiles;
    this.counts.processed = this.processedBefore;
    this.counts.jobsComplete++;
  }

  get jobsComplete(): number {
    return this.counts.jobsComplete;
  }

  details(): UpsertProgress & UpsertBeat {
    return { jobs: this.jobs, ...this.counts };
  }
}

/** The batch's rejects, and what maps Klaviyo's errors (by e-mail) back to source rows. */
class BatchRejects {
  readonly list: RowReject[] = [];
  private rowByEmail?: Map<string, number>;

  constructor(private readonly rows: RowColumns) {}

  add(email: string | undefined, field: string | undefined, message: string): void {
    // Built on the first reject only: most batches have none.
    this.rowByEmail ??= new Map(this.rows.emails.map((e, i) => [e, this.rows.sourceRow(i)]));
    this.list.push({ row: (email && this.rowByEmail.get(email)) || 0, email, reason: 'klaviyo_rejected', field, message });
  }
}

/**
 * One bulk import's profiles. Their attributes (most of a batch's memory, ~5 MB: views into the stored batch)
 * are dropped once the request body is built, while it posts and the job runs: batches in flight then hold
 * their e-mails and hashes, not their profiles. A job sent again reads them back from the snapshot.
 */
class Chunk {
  private profiles: SerializedProfile[] | undefined;
  emails: string[];

  constructor(
    profiles: SerializedProfile[],
    private readonly reload: () => Promise<Map<string, Buffer>>,
  ) {
    this.profiles = profiles;
    this.emails = profiles.map((p) => p.email!);
  }

  get size(): number {
    return this.emails.length;
  }

  async toSend(): Promise<SerializedProfile[]> {
    if (this.profiles) return this.profiles;
    const attributes = await this.reload();
    return this.emails.map((email) => ({ email, attributes: attributes.get(email)! }));
  }

  /** Klaviyo refused these (by index into toSend()'s profiles): the rest is sent. */
  drop(indexes: Set<number>): void {
    this.profiles = this.profiles?.filter((_, i) => !indexes.has(i));
    this.emails = this.emails.filter((_, i) => !indexes.has(i));
  }

  /** The profiles go (the request body holds them, or the job has them); a job sent again reads them back. */
  letGo(): void {
    this.profiles = undefined;
  }
}

export function upsertActivities(config: ActivityConfig, store: SyncStateStore) {
  const pace = new JobPace();
  // One per credential: a look reads that account's newest jobs.
  const watchers = new Map<string, JobWatcher>();
  const jobsOf = (credential: string): JobTracking => {
    let watcher = watchers.get(credential);
    if (!watcher) watchers.set(credential, (watcher = new JobWatcher()));
    return { pace, watcher };
  };
  const bodies = new BodySlots();
  return {
    async upsertBatch(input: UpsertBatchInput): Promise<UpsertBatchResult> {
      // Given back before the batch waits on its job: see bodySlots.ts.
      const slot = bodies.holder();
      try {
        await slot.take();
        const { held, chunks } = await readBatch(store, input);
        const rejects = new BatchRejects(held);
        const { client, apiCalls } = clientFor(config, input.credential);
        const progress = new BatchProgress(activityInfo().heartbeatDetails as UpsertProgress | undefined, held.length);
        const jobs = jobsOf(input.credential);
        let imported = 0;
        let klaviyoRejected = 0;
        await withHeartbeatTicker(
          () => progress.details(),
          async () => {
            // Every job is posted before the batch waits on any: the batch's bytes then go at once, not after
            // its first job (a batch of two jobs held ~5 MB while it waited).
            const work: BatchWork = { client, listId: input.listId, progress, rejects, slot, config, jobs };
            for (let i = 0; i < chunks.length; i++) klaviyoRejected += await submitChunk(work, chunks[i]!, i);
            for (let i = 0; i < chunks.length; i++) {
              const outcome = await finishChunk(work, chunks[i]!, i);
              imported += outcome.imported;
              klaviyoRejected += outcome.rejected;
            }
          },
        );
        const refused = new Set(rejects.list.map((r) => r.email));
        // Before this batch's rows are recorded: the stored row is then still the earlier batch's.
        const sentBefore = await sentByEarlierBatch(store, input, held, refused);
        await store.putRejects(input.runKey, rejects.list);
        await store.recordSent(input.account, input.listId, input.runKey, held.sentMembers(refused));
        let taken = 0;
        let added = 0;
        held.emails.forEach((email, i) => {
          if (refused.has(email)) return;
          taken++;
          if (held.isNew(i) && !sentBefore.has(email)) added++;
        });
        return { index: input.batch, sent: held.length, imported, added, updated: taken - added, klaviyoRejected, jobs: progress.jobsComplete, apiCalls };
      } finally {
        slot.give();
      }
    },
  };
}

/** The batch from the snapshot: its rows without their attributes, and its profiles cut into jobs. */
async function readBatch(store: SyncStateStore, input: UpsertBatchInput): Promise<{ held: RowColumns; chunks: Chunk[] }> {
  const columns = (await store.snapshotBatchColumns(input.runKey, input.batch)) ?? snapshotLost(input);
  const reload = reloader(store, input);
  const chunks = splitForBulkImport(profilesOf(columns)).map((profiles) => new Chunk(profiles, reload));
  return { held: columns.withoutAttributes(), chunks };
}

/**
 * A job sent again carries the rows it was first sent with, even of e-mails a later row superseded since.
 * Made apart from readBatch: a closure made there would share its scope, and so keep the batch's bytes
 * (~5 MB) alive while the batch waits on its jobs.
 */
function reloader(store: SyncStateStore, input: UpsertBatchInput): () => Promise<Map<string, Buffer>> {
  return async () => {
    const all = (await store.snapshotBatchColumns(input.runKey, input.batch, { withSuperseded: true })) ?? snapshotLost(input);
    return new Map(profilesOf(all).map((p) => [p.email, p.attributes]));
  };
}

function profilesOf(columns: BatchColumns): { email: string; attributes: Buffer }[] {
  return columns.emails.map((email, i) => ({ email, attributes: columns.attributes(i) }));
}

/**
 * The plan writes every batch it counts: one missing means the run's snapshot is gone (a store upgraded while
 * the run was in flight, or its scratch pruned). Sending it as empty would report success and send nothing.
 */
function snapshotLost(input: UpsertBatchInput): never {
  throw new SyncFailure(
    'snapshot_lost',
    `batch ${input.batch} of run ${input.runKey} is missing from the sync-state store (the store was upgraded while the run was ` +
      'in flight, or the run was older than the scratch retention); start the sync again: it sends what the store does not hold yet',
  );
}

/**
 * E-mails of this batch an earlier batch of the run already sent with an earlier row: a first sync sends
 * sealed batches while it plans, so a later row of an e-mail can follow its first (see PlanOptions.seal).
 * Those are updates, not adds. Looked up only for a batch the seal marks as such (rare); the stored row hash
 * tells an earlier batch's row from this batch's own (a retry after this batch was recorded counts it as added).
 */
async function sentByEarlierBatch(store: SyncStateStore, input: UpsertBatchInput, held: RowColumns, refused: ReadonlySet<string | undefined>): Promise<Set<string>> {
  const { waits } = await store.snapshotSeal(input.runKey);
  if (!waits.some(([batch]) => batch === input.batch)) return new Set();
  const fresh: HeldRow[] = [];
  held.emails.forEach((email, i) => {
    if (held.isNew(i) && !refused.has(email)) fresh.push(held.row(i, input.batch));
  });
  const own = new Map(fresh.map((r) => [r.email, r.rowHash]));
  const stored = await store.membersByKeys(input.account, input.listId, fresh.map((r) => r.emailKey));
  return new Set(stored.filter((m) => own.has(m.email) && m.rowHash !== null && m.rowHash !== own.get(m.email)).map((m) => m.email));
}

/** What a batch's chunks share while their jobs are posted and awaited. */
interface BatchWork {
  client: KlaviyoClient;
  listId: string;
  progress: BatchProgress;
  rejects: BatchRejects;
  slot: BodySlot;
  config: ActivityConfig;
  jobs: JobTracking;
}

/**
 * Posts the chunk's job unless it has one (a retried attempt resumes the job in its heartbeat); returns the rows
 * Klaviyo refused in the request. The chunk's profiles go once the body is built.
 */
async function submitChunk({ client, listId, progress, rejects, slot }: BatchWork, chunk: Chunk, index: number): Promise<number> {
  let rejected = 0;
  while (!progress.jobs[index] && chunk.size > 0) {
    await slot.take();
    const emails = chunk.emails;
    const sending = client.createBulkImportJob({ listId, profiles: await chunk.toSend(), scratch: slot.scratch });
    // The body is built (before the call first waits): the profiles need not outlive the post.
    chunk.letGo();
    try {
      progress.jobs[index] = (await sending).id;
    } catch (err) {
      // Klaviyo rejects the whole request when one profile is malformed: report those rows, send the rest.
      if (!(err instanceof KlaviyoError) || err.kind !== 'validation' || !err.profileErrors?.length) throw err;
      for (const e of err.profileErrors) {
        rejects.add(emails[e.index], e.field, e.message);
        rejected++;
      }
      chunk.drop(new Set(err.profileErrors.map((e) => e.index)));
      continue;
    }
    progress.submitted(index, chunk.size);
    heartbeatNow(progress.details());
  }
  chunk.letGo();
  return rejected;
}

/** Waits for the chunk's job; a job that stopped moving is posted again. */
async function finishChunk(work: BatchWork, chunk: Chunk, index: number): Promise<{ imported: number; rejected: number }> {
  const { client, progress, rejects, slot, config, jobs } = work;
  let rejected = 0;
  for (;;) {
    rejected += await submitChunk(work, chunk, index);
    if (chunk.size === 0) return { imported: 0, rejected };
    const jobId = progress.jobs[index]!;
    slot.give();
    progress.submitted(index, chunk.size);
    const job = await waitForJob(client, jobId, chunk.size, progress, config, jobs);
    if (!job) {
      // Stuck job: forget it and submit the chunk again (an upsert, so harmless if the old one wakes up).
      delete progress.jobs[index];
      heartbeatNow(progress.details());
      continue;
    }
    progress.completed(chunk.size);
    // Import errors are read only when the job says some profiles failed: one M-tier call fewer per job.
    if (job.failedCount > 0) for await (const e of client.bulkImportErrors(jobId)) {
      rejects.add(e.email, e.pointer?.split('/').pop(), e.detail || e.title);
      rejected++;
    }
    return { imported: job.completedCount, rejected };
  }
}

/** How a worker paces its looks at jobs, and the looks themselves (shared by its batches). */
interface JobTracking {
  pace: JobPace;
  watcher: JobWatcher;
}

/**
 * Polls with back-off; returns undefined when the job stopped moving (status and counts unchanged for
 * bulkJobStallMs) or did not finish within bulkJobTimeoutMs. While it stands still, the heartbeat says so
 * (`status` shows "import job … unchanged for 2 min").
 */
async function waitForJob(client: KlaviyoClient, jobId: string, profiles: number, progress: BatchProgress, config: ActivityConfig, { pace, watcher }: JobTracking) {
  const started = Date.now();
  const deadline = started + config.bulkJobTimeoutMs;
  const stallMs = config.bulkJobStallMs;
  const noteAfterMs = Math.min(60_000, stallMs / 3);
  // A job takes a second or more: until the pace is known, a first look after 2 s saves status polls.
  let delay = 2000 / Math.min(config.klaviyo.rateSpeedFactor, 4);
  let last = '';
  let changedAt = started;
  try {
    await sleep(pace.firstWait(profiles, delay));
    for (;;) {
      const job = await watcher.look(client, jobId);
      const seen = `${job.status} ${job.completedCount} ${job.failedCount}`;
      if (seen !== last) [last, changedAt] = [seen, Date.now()];
      const still = Date.now() - changedAt;
      noteWaitingOn(
        still >= noteAfterMs && job.status !== 'complete'
          ? `Klaviyo import job ${jobId} unchanged for ${roughly(still)} (${job.status}, ${job.completedCount} of ${job.totalCount} done)`
          : undefined,
      );
      progress.polled(job);
      heartbeatNow(progress.details());
      if (job.status === 'complete') {
        pace.learn(job);
        return job;
      }
      if (job.status === 'cancelled' || still > stallMs || Date.now() > deadline) {
        log.warn('Bulk import job did not complete; submitting the batch again', { jobId, status: job.status, unchangedMs: still });
        return undefined;
      }
      // Activity sleep ends early when the activity is cancelled.
      await sleep(pace.nextWait(job, Date.now() - started, delay));
      delay = Math.min(delay * 1.5, 10_000);
    }
  } finally {
    noteWaitingOn(undefined);
  }
}

function roughly(ms: number): string {
  return ms < 120_000 ? `${Math.round(ms / 1000)} s` : `${Math.floor(ms / 60_000)} min`;
}
