/**
 * The plan activity's heavy pass, run on the plan thread (planThread.ts) with a store connection of its own:
 * the list's members as stored, one pass over the audience writing the rows to send and the rejects into
 * the run's snapshot, then the departures.
 */
import { planAudience, type PlanSink, type RowToSend, type SentRef } from '../audience/plan';
import type { MemberDigest } from '../audience/memberDigest';
import type { RowReject } from '../audience/rowModel';
import { loadMemberDigest, MEMBER_PAGE } from '../store/listMembers';
import { BatchRowsWriter } from '../store/batchRows';
import type { Departure, MemberRow, MemberSource, SnapshotRowRef, SyncStateStore } from '../store/types';
import type { PlanningBeat } from '../progress/beats';
import type { PlanInput, PlanResult } from './audience';
import type { PlanJob } from './planThread';

/** Rejects and departures per store write while planning. */
const FLUSH_EVERY = 2000;
/**
 * Source rows a buffered reject may lag behind: its strings are slices of the chunk of text they were parsed
 * from, and keep that chunk (64 KiB) alive. A refresh rejects 1% or so, so 2,000 of them spanned the whole
 * file and held a chunk each (~40 MiB at 200k rows, ~128 MiB at 1M). Rows to send are copied into their
 * batch's buffer as they come (store/batchRows.ts), and keep nothing.
 */
const FLUSH_SPAN = 10_000;

export async function planIntoStore(store: SyncStateStore, job: PlanJob, onProgress: (beat: PlanningBeat) => void): Promise<PlanResult> {
  const { input } = job;
  const source: MemberSource = input.dryRun && input.membershipRead ? { kind: 'verified', runKey: input.runKey } : { kind: 'stored' };
  const members = input.listId ? await loadMemberDigest(store, input.account, input.listId, source) : undefined;
  const seal = input.sealBatches === true && !members;
  // Nothing reads a dry run's batches. A plan that seals may be sending its batches meanwhile: a re-planning
  // attempt writes them again the same. Any other starts afresh (a plan into a list made again may differ).
  const sink = new SnapshotSink(store, input.runKey, !input.dryRun);
  if (!seal && !input.dryRun) await store.clearSnapshot(input.runKey);
  const plan = await planAudience(job.rows, {
    updateContacts: input.updateContacts,
    maxProfiles: job.audience.batchMaxProfiles,
    defaultCountry: job.audience.defaultPhoneCountry,
    members,
    sink,
    seal,
    requireValidRow: true,
    onProgress: (rows, bytes) => onProgress({ rows, bytesRead: bytes?.read, bytesTotal: bytes?.total }),
  });
  await sink.flush();
  const departures = input.listId && members ? await writeDepartures(store, input, source, members) : { listSize: 0, toRemove: 0 };
  return { plan, ...departures };
}

/** Members the audience no longer holds, plus e-mail-less members a membership read found (never in an audience). */
async function writeDepartures(store: SyncStateStore, input: PlanInput, source: MemberSource, members: MemberDigest) {
  let seq = 0;
  let pending: Departure[] = [];
  const flush = async () => {
    await store.putDepartures(input.runKey, pending);
    pending = [];
  };
  for await (const page of departingMembers(store, input, source, members)) {
    for (const m of page) pending.push({ seq: ++seq, email: m.email, profileId: m.profileId });
    if (pending.length >= FLUSH_EVERY) await flush();
  }
  const withoutEmail = input.membershipRead ? await store.readMembersWithoutEmail(input.runKey) : [];
  for (const profileId of withoutEmail) pending.push({ seq: ++seq, email: null, profileId });
  await flush();
  return { listSize: members.size + withoutEmail.length, toRemove: seq };
}

/**
 * Members not seen in the audience, in memberPage's order. Stored members are looked up by the digest's
 * unseen keys (a refresh's few leavers, not a second pass over the whole list); a membership read's are
 * paged through, since the digest was built from them and the read may hold e-mails the store lacks.
 */
async function* departingMembers(store: SyncStateStore, input: PlanInput, source: MemberSource, members: MemberDigest): AsyncGenerator<MemberRow[]> {
  if (source.kind === 'stored') {
    const keys = members.unseenKeys();
    for (let i = 0; i < keys.length; i += MEMBER_PAGE) yield await store.membersByKeys(input.account, input.listId!, keys.slice(i, i + MEMBER_PAGE));
    return;
  }
  let after;
  for (;;) {
    const page = await store.memberPage(input.account, input.listId!, source, after, MEMBER_PAGE);
    yield page.filter((m) => !members.wasSeen(m.emailKey));
    if (page.length < MEMBER_PAGE) return;
    after = page[page.length - 1];
  }
}

/**
 * The plan's output into the store: the open batch in memory, written whole once the next batch opens (or the
 * batches before a seal are sealed, or the plan ends); rejects in chunks. A later row of an e-mail takes the
 * place of its earlier row in the open batch; one in a batch already written is marked superseded there.
 *
 * Writes go out in order behind the pass: while one batch is written (perhaps waiting for the write lock
 * the activities' connection holds for a fold of sent members, up to a second) the next fills in a second
 * buffer, and the pass waits only when that one is full too.
 */
class SnapshotSink implements PlanSink {
  private open = new BatchRowsWriter();
  /** The buffer of the batch being written (if any); the open batch's once it is done. */
  private spare = new BatchRowsWriter();
  /** The open batch's number, while it holds rows not yet written. */
  private openBatch: number | undefined;
  private superseded: SnapshotRowRef[] = [];
  private rejects: RejectBuffer;
  /** The writes queued, in order; settles when the last is done. */
  private writes: Promise<void> = Promise.resolve();
  /** The spare buffer's write: the next batch takes the buffer once it is done. */
  private readonly spareWrite = new InFlight();
  private failure: { err: unknown } | undefined;

  constructor(
    private readonly store: SyncStateStore,
    private readonly runKey: string,
    /** False for a dry run: only its rejects are kept. */
    private readonly keepRows: boolean,
  ) {
    this.rejects = new RejectBuffer((rejects) => this.queue(() => store.putRejects(runKey, rejects)));
  }

  /** A promise only when the pass must wait (both buffers taken): the plan awaits only those. */
  send(row: RowToSend, earlier?: number): Promise<void> | undefined {
    if (!this.keepRows) return undefined;
    if (this.openBatch !== undefined && this.openBatch !== row.batch) {
      const ready = this.writeOpen();
      if (ready) return ready.then(() => this.add(row, earlier));
    }
    this.add(row, earlier);
    return undefined;
  }

  private add(row: RowToSend, earlier: number | undefined): void {
    if (this.openBatch === undefined) {
      this.open.reset();
      this.openBatch = row.batch;
    }
    if (earlier === row.batch) this.open.remove(row.emailKey);
    else if (earlier !== undefined) this.superseded.push({ batch: earlier, emailKey: row.emailKey });
    this.open.add(row);
  }

  /** A promise when a chunk of rejects is queued while the one before is still being written: the plan waits. */
  reject(reject: RowReject): Promise<void> | undefined {
    return this.rejects.add(reject);
  }

  unsend(rows: SentRef[]): void {
    if (this.keepRows) this.superseded.push(...rows);
  }

  /** The sealed batches' rows are written before the seal that lets the workflow send them (the queue's order). */
  seal(sealed: number, waits: [number, number][], done?: boolean): Promise<void> | undefined {
    const ready = this.writeOpen();
    // A copy: the plan goes on adding to its waits (the open batch's last) before this is written.
    const seal = { sealed, waits: waits.map(([batch, before]): [number, number] => [batch, before]), done };
    const queueSeal = () => {
      this.rejects.flush();
      void this.queue(() => this.store.sealSnapshot(this.runKey, seal));
    };
    if (ready) return ready.then(queueSeal);
    queueSeal();
    return undefined;
  }

  /** Everything buffered, written. */
  async flush(): Promise<void> {
    await this.writeOpen();
    this.rejects.flush();
    await this.writes;
    this.throwIfFailed();
  }

  /**
   * Queues the open batch's write, then the marks on rows of batches written before (which then need no
   * rewrite); a promise when the spare buffer is still being written (the open one is swapped in after).
   */
  private writeOpen(): Promise<void> | undefined {
    this.throwIfFailed();
    if (this.openBatch === undefined) {
      this.queueSuperseded();
      return undefined;
    }
    const busy = this.spareWrite.pending;
    if (!busy) {
      this.swapAndWrite();
      return undefined;
    }
    return busy.then(() => this.swapAndWrite());
  }

  private swapAndWrite(): void {
    this.throwIfFailed();
    const batch = this.openBatch!;
    const full = this.open;
    this.open = this.spare;
    this.spare = full;
    this.openBatch = undefined;
    this.spareWrite.track(this.queue(() => this.store.putSnapshotBatch(this.runKey, batch, full.encoded())));
    this.queueSuperseded();
  }

  private queueSuperseded(): void {
    if (this.superseded.length === 0) return;
    const rows = this.superseded;
    this.superseded = [];
    void this.queue(() => this.store.supersedeSnapshotRows(this.runKey, rows));
  }

  /** Appends a write to the queue; a failure is kept and thrown at the next call (or flush). */
  private queue(write: () => Promise<void>): Promise<void> {
    this.writes = this.writes.then(() => (this.failure ? undefined : write())).catch((err: unknown) => {
      this.failure ??= { err };
    });
    return this.writes;
  }

  private throwIfFailed(): void {
    if (this.failure) throw this.failure.err;
  }
}

/**
 * Rejects into the store in chunks, within FLUSH_SPAN source rows of the oldest buffered one; one chunk may
 * be written while the next fills.
 */
class RejectBuffer {
  private rejects: RowReject[] = [];
  /** Source row of the oldest reject buffered. */
  private since = Infinity;
  private readonly write = new InFlight();

  constructor(private readonly store: (rejects: RowReject[]) => Promise<void>) {}

  /** A promise when the chunk before is still being written. */
  add(reject: RowReject): Promise<void> | undefined {
    this.rejects.push(reject);
    this.since = Math.min(this.since, reject.row);
    if (this.rejects.length < FLUSH_EVERY && reject.row - this.since < FLUSH_SPAN) return undefined;
    const before = this.write.pending;
    this.flush();
    return before;
  }

  flush(): void {
    if (this.rejects.length > 0) this.write.track(this.store(this.rejects));
    this.rejects = [];
    this.since = Infinity;
  }
}

/** The last write of one kind while it runs (writes of a kind are queued in order, so the last is the one to wait for). */
class InFlight {
  private current: Promise<void> | undefined;

  /** Settles when the write is done; undefined when none runs. */
  get pending(): Promise<void> | undefined {
    return this.current;
  }

  track(write: Promise<void>): void {
    const tracked: Promise<void> = write.then(() => {
      if (this.current === tracked) this.current = undefined;
    });
    this.current = tracked;
  }
}
