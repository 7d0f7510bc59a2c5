/**
 * The sync-state store: what the last syncs of each list left behind, so a refresh sends only what changed.
 * One interface, two engines (embedded SQLite, PostgreSQL), the same SQL where the dialects agree.
 *
 * Keyed by Klaviyo account (the id from GET /api/accounts, so a rotated key keeps its state) and list id.
 *   members      per list: e-mail, profile id where known, hashes of the row and profile last sent, the run
 *                that last changed it. Updated per finished batch, so a killed worker loses nothing.
 *   lists        when a list's membership was last read in full (the drift check's cadence).
 *   runs         each run's report and its reject rows (so reports need no shared folder).
 *   run scratch  a run's snapshot of the rows it will send (one row per batch), its departures, and a membership read: written
 *                by the plan and read by later activities, deleted when the run reports.
 * 64-bit hashes are signed (BigInt64) in both engines, so both order them alike.
 */
import type { RowToSend } from '../audience/plan';
import type { BatchColumns, EncodedBatch } from './batchRows';
import type { RowReject } from '../audience/rowModel';
import type { SyncReport } from '../shared';

export interface MemberRow {
  email: string;
  emailKey: bigint;
  profileId: string | null;
  /** Hash of the source row last sent (null: not known to be in sync, e.g. found by a membership read). */
  rowHash: bigint | null;
  /** Hash of the profile attributes last sent. */
  attrHash: bigint | null;
}

/** What a plan compares an audience row with: a member's e-mail key and hashes. */
export type MemberHashes = Pick<MemberRow, 'emailKey' | 'rowHash' | 'attrHash'>;

/** Where a plan reads the list's members from: the store, or a membership read this run made (dry runs). */
export type MemberSource = { kind: 'stored' } | { kind: 'verified'; runKey: string };

/** Keyset position for paging members in email-key order. */
export interface MemberCursor {
  emailKey: bigint;
  email: string;
}

/** A row the run will send, as the plan found it: the normalised profile, so batches never parse the source again. */
export type SnapshotRow = RowToSend;

/**
 * A snapshot row as read back: its attributes are the UTF-8 bytes of their JSON, a view into the batch's
 * stored value, copied into the request body as they are (decoded to strings, a batch's 10,000 cost the
 * worker's main thread ~5 MB of young-generation strings to collect and encode again, per batch).
 */
export interface StoredSnapshotRow extends Omit<SnapshotRow, 'attributes'> {
  attributes: Buffer;
}

/** An e-mail's row in a batch of the snapshot, by e-mail key. */
export interface SnapshotRowRef {
  batch: number;
  emailKey: bigint;
}

/**
 * How far a plan that is still running has cut the snapshot into final batches (a first sync sends them
 * while it plans): batches below `sealed` get no new rows. `waits` pairs [batch, earlier batch]: the batch
 * holds the later row of an e-mail an earlier sealed batch already held, so it is sent only once that
 * earlier batch is done (the later row must be the one Klaviyo and the store end with).
 */
export interface SnapshotSeal {
  sealed: number;
  waits: [number, number][];
  /** The plan is done: every batch is sealed. */
  done?: boolean;
}

/** A member to remove; e-mail-less members found by a membership read have only an id. */
export interface Departure {
  seq: number;
  email: string | null;
  profileId: string | null;
}

/** A list member as a membership read saw it. */
export interface ReadMember {
  profileId: string;
  email: string | null;
  emailKey: bigint | null;
}

export interface ListState {
  /** Epoch ms of the last full membership read (or of the list's creation by a run). */
  verifiedAt: number | null;
  members: number;
}

export interface RunRecord {
  /** `<workflowId>/<firstRunId>`: one run chain, across continue-as-new. */
  runKey: string;
  workflowId: string;
  account: string;
  listId: string | null;
  listName: string | null;
  dryRun: boolean;
  startedAt: string;
  finishedAt?: string | null;
  report?: SyncReport | null;
}

/** A list the store keeps members for, as the operators' console shows it. */
export interface StoredList {
  account: string;
  listId: string;
  listName: string | null;
  /** ISO time a run last synced (or read) the list. */
  syncedAt: string;
  /** Member rows the store holds for the list. */
  members: number;
  /** The list's latest run that was not a dry run, if the store still has it. */
  lastRun?: RunRecord;
}

export interface SentMember {
  email: string;
  emailKey: bigint;
  /** Null: Klaviyo rejected the row; the member (if any) is kept but sent again next run. */
  rowHash: bigint | null;
  attrHash: bigint | null;
}

/**
 * Members to record, by index: an array, or a batch's columns that make each row as it is read (a batch's
 * 10,000 row objects, made at once, outlived the young generation while the rows were written).
 */
export interface SentMembers {
  readonly length: number;
  at(index: number): SentMember | undefined;
}

export interface SyncStateStore {
  readonly engine: 'sqlite' | 'postgres';
  /** Where the store is, without credentials (for logs and the report). */
  readonly location: string;
  close(): Promise<void>;

  listState(account: string, listId: string): Promise<ListState | undefined>;
  /** Records that a run synced the list; `verifiedAt` when its membership is known exactly (read, or created empty). */
  touchList(account: string, listId: string, listName: string | null, verifiedAt?: number): Promise<void>;

  memberPage(account: string, listId: string, source: MemberSource, after: MemberCursor | undefined, limit: number): Promise<MemberRow[]>;
  /**
   * Stored members' keys and hashes with e-mail keys above `after` (all of them when undefined), in key order:
   * a plan's digest of the list. The members of one key never straddle two pages, so a page holds at least
   * `limit` rows unless it is the last.
   */
  memberHashPage(account: string, listId: string, after: bigint | undefined, limit: number): Promise<MemberHashes[]>;
  /** Stored members with these e-mail keys, in memberPage's order (a refresh's departures: few, found by key). */
  membersByKeys(account: string, listId: string, emailKeys: bigint[]): Promise<MemberRow[]>;
  countMembers(account: string, listId: string): Promise<number>;
  /**
   * After a batch's jobs finished: the rows Klaviyo took (their profile ids are forgotten: an upsert may make a new
   * profile) and those it refused. Recorded in order (the last row of an e-mail wins), readers see them at once.
   */
  recordSent(account: string, listId: string, runKey: string, rows: SentMembers): Promise<void>;
  /** Members are found by e-mail and its key (emailHash.ts emailKey of the stored e-mail): the key orders them. */
  setProfileIds(account: string, listId: string, pairs: { email: string; emailKey: bigint; profileId: string }[]): Promise<void>;
  forgetMembers(account: string, listId: string, members: { email: string; emailKey: bigint }[]): Promise<void>;

  /** A page of a full membership read, into the run's scratch. */
  putReadMembers(runKey: string, members: ReadMember[]): Promise<void>;
  /** What the read found that the store did not know: members not stored, and stored members not on the list. */
  readDrift(account: string, listId: string, runKey: string): Promise<{ listed: number; strangers: number; missing: number }>;
  /** Makes the stored members equal the read: strangers added with unknown hashes, missing ones dropped, ids refreshed. */
  applyReadMembers(account: string, listId: string, runKey: string): Promise<void>;
  /** Members the read found without an e-mail (they cannot be in an audience keyed by e-mail). */
  readMembersWithoutEmail(runKey: string): Promise<string[]>;

  saveRun(run: RunRecord): Promise<void>;
  getRun(runKey: string): Promise<RunRecord | undefined>;
  /** The latest run chain of a workflow id. */
  latestRun(workflowId: string): Promise<RunRecord | undefined>;
  /** The newest run chains first (the operators' console). */
  recentRuns(limit: number): Promise<RunRecord[]>;
  /** Every list the store knows, with its member count and latest run (the operators' console). */
  storedLists(): Promise<StoredList[]>;

  /** Idempotent: one reject per (run, row). */
  putRejects(runKey: string, rejects: RowReject[]): Promise<void>;
  rejectPage(runKey: string, afterRow: number, limit: number): Promise<RowReject[]>;
  countRejects(runKey: string): Promise<number>;

  /**
   * Writes one batch of the snapshot whole (encoded by store/batchRows.ts), replacing what a re-planning attempt
   * wrote before: the plan writes a batch once it is complete, so every batch of a plan has a row.
   */
  putSnapshotBatch(runKey: string, batch: number, encoded: EncodedBatch): Promise<void>;
  /**
   * Marks rows of written batches as not to be sent: a later row of the e-mail superseded them (the last row
   * wins), or the e-mail turned out unchanged after all (by e-mail key, like the plan).
   */
  supersedeSnapshotRows(runKey: string, rows: SnapshotRowRef[]): Promise<void>;
  /**
   * A batch's rows in source order, superseded ones left out (`withSuperseded`: as written, for a job sent
   * again with the rows it was first sent with). Undefined when the store has no such batch: its snapshot is gone.
   */
  snapshotBatch(runKey: string, batch: number, opts?: { withSuperseded?: boolean }): Promise<StoredSnapshotRow[] | undefined>;
  /** The same batch column by column (what upsertBatch holds while its jobs run). */
  snapshotBatchColumns(runKey: string, batch: number, opts?: { withSuperseded?: boolean }): Promise<BatchColumns | undefined>;
  /** Forgets the run's snapshot (a plan that does not seal starts afresh: it may differ from an earlier attempt's). */
  clearSnapshot(runKey: string): Promise<void>;
  /** Records a seal after the sealed batches' rows are written; a seal never goes back (a re-planning attempt repeats an earlier one). */
  sealSnapshot(runKey: string, seal: SnapshotSeal): Promise<void>;
  /** The latest seal ({ sealed: 0 } before the first). */
  snapshotSeal(runKey: string): Promise<SnapshotSeal>;
  putDepartures(runKey: string, rows: Departure[]): Promise<void>;
  departurePage(runKey: string, afterSeq: number, limit: number): Promise<Departure[]>;
  /** Forgets a run's snapshot, departures and membership read (the report and rejects stay). */
  clearScratch(runKey: string): Promise<void>;
  /** Forgets scratch of runs started before `before` (runs that never reported). */
  pruneScratch(before: string): Promise<void>;
}
