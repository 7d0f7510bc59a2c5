/**
 * Activities around the audience: planning (read the source once, diff it with the stored members, write the
 * rows to send and the departures to the run's snapshot) and reporting (the report into the store).
 */
import path from 'node:path';
import { activityInfo, Context } from '@temporalio/activity';
import type { AudienceSource, RowFileSource, SyncReport } from '../shared';
import { SourceUnreachableError } from '../audience/errors';
import { removeSnapshot, rowFileFor } from '../audience/snapshot';
import { planAudience, type AudiencePlan, type PlanSink, type RowToSend } from '../audience/plan';
import type { MemberDigest } from '../audience/memberDigest';
import { loadMemberDigest, MEMBER_PAGE } from '../store/listMembers';
import type { RowReject } from '../audience/rowModel';
import { REJECT_REPORT_FILE, writeRejectCsv } from '../audience/rejects';
import { storedRejects } from '../store/reports';
import type { Departure, MemberRow, MemberSource, SnapshotSeal, SyncStateStore } from '../store/types';
import type { ActivityConfig } from '../config';
import { withHeartbeatTicker } from './heartbeatTicker';
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

/** Rows per store write while planning. */
const FLUSH_EVERY = 2000;
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
          const source: MemberSource = input.dryRun && input.membershipRead ? { kind: 'verified', runKey: input.runKey } : { kind: 'stored' };
          const members = input.listId ? await loadMemberDigest(store, input.account, input.listId, source) : undefined;
          const sink = new SnapshotSink(store, input.runKey);
          // A query's snapshot counts rows only; the plan then reads the snapshot file, with its size.
          const onProgress = (rows: number, bytes?: { read: number; total: number }) => {
            Object.assign(progress, { rows, bytesRead: bytes?.read, bytesTotal: bytes?.total });
          };
          // A query or Parquet source is planned from its snapshot file: read once, like any audience file.
          const rows = await readableSource(config, input, onProgress);
          const plan = await planAudience(rows, {
            updateContacts: input.updateContacts,
            maxProfiles: config.audience.batchMaxProfiles,
            defaultCountry: config.audience.defaultPhoneCountry,
            members,
            sink,
            seal: input.sealBatches === true && !members,
            requireValidRow: true,
            onProgress,
          });
          await sink.flush();
          const departures = input.listId && members ? await writeDepartures(store, input, source, members) : { listSize: 0, toRemove: 0 };
          return { plan, ...departures };
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

/** Buffers the plan's output into the store in chunks. */
class SnapshotSink implements PlanSink {
  private rows: RowToSend[] = [];
  private rejects: RowReject[] = [];

  constructor(
    private readonly store: SyncStateStore,
    private readonly runKey: string,
  ) {}

  async send(row: RowToSend): Promise<void> {
    this.rows.push(row);
    if (this.rows.length >= FLUSH_EVERY) await this.flush();
  }

  async reject(reject: RowReject): Promise<void> {
    this.rejects.push(reject);
    if (this.rejects.length >= FLUSH_EVERY) await this.flush();
  }

  async unsend(keys: bigint[]): Promise<void> {
    await this.flush();
    await this.store.dropSnapshotKeys(this.runKey, keys);
  }

  /** The sealed batches' rows are written before the seal that lets the workflow send them. */
  async seal(sealed: number, waits: [number, number][], done?: boolean): Promise<void> {
    await this.flush();
    await this.store.sealSnapshot(this.runKey, { sealed, waits, done });
  }

  async flush(): Promise<void> {
    if (this.rows.length > 0) await this.store.putSnapshot(this.runKey, this.rows);
    if (this.rejects.length > 0) await this.store.putRejects(this.runKey, this.rejects);
    this.rows = [];
    this.rejects = [];
  }
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
