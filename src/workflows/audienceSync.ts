/**
 * audienceSync: makes a named Klaviyo list hold exactly an audience, sending only what changed since the
 * last sync of the list (the sync-state store remembers it).
 * validate credential (learn the account) -> claim the list (not for a dry run) -> find the list
 * -> drift check (a full membership read, only when due) -> plan (read the audience once, diff it with the
 * stored members) -> create the list if absent -> batched upsert of new and changed rows -> remove the
 * members who left, by stored id -> report (into the store) -> release the list.
 *
 * One run writes to a list at a time: the list's lock (listLock.ts) queues any other run behind the
 * holder, which releases it on every way out, so two runs never interleave their adds and removals.
 *
 * History holds only ids, counts and byte offsets: the API key and the rows stay with the activities.
 * Failures the operator can fix pause the run on a workflow action until the `resolve` signal.
 */
import {
  ApplicationFailure,
  condition,
  continueAsNew,
  ContinueAsNew,
  isCancellation,
  log,
  patched,
  setCurrentDetails,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import {
  addCounts,
  CANCELLED_MESSAGE,
  describeInputError,
  emptyCounts,
  LIST_SEARCH_ATTRIBUTE,
  STATE_SEARCH_ATTRIBUTE,
  syncInputSchema,
  type SyncInput,
  type SyncInputRaw,
  type SyncReport,
  type SyncState,
  type SyncStatus,
  type SyncStep,
  type WorkflowAction,
} from '../shared';
import type { FailureKind } from '../failures';
import type { PlanResult } from '../activities/audience';
import type { UpsertBatchResult } from '../activities/upsert';
import type { MembershipCheck } from '../shared';
import { actionFor, classifiedFailure, timerWaitSeconds } from './actions';
import { shortActivities, longActivities } from './activityProxies';
import { alertFailed, alertPaused } from './alerts';
import { currentDetails } from './currentDetails';
import { resolveSignal, statusQuery } from './definitions';
import { ListLockClaim } from './listLockClaim';
import { runWithConcurrency } from './pool';
import { UPSERT_CONCURRENCY } from './uploadConcurrency';

/**
 * patched(): runs started before it kept 8 batches in flight, and drained their early uploads before
 * sending the batches a first sync's plan sealed last.
 */
const UPLOADS_PATCH = 'uploads-16-in-flight';
const UPSERT_CONCURRENCY_UNPATCHED = 8;

const stateKey = defineSearchAttributeKey(STATE_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);
const listKey = defineSearchAttributeKey(LIST_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/** What a run hands to its continuation: ids, the plan's counts, the batches done; never rows. */
export interface CarriedState {
  startedAt: string;
  runKey: string;
  account: string;
  listId: string;
  listName: string;
  listCreated: boolean;
  planned: PlanResult;
  doneBatches: number[];
  counts: SyncStatus['counts'];
  membershipCheck?: MembershipCheck;
  actionsResolved: number;
  /** The list's lock, held by this run chain. */
  listLock?: string;
}

export async function audienceSync(rawInput: SyncInputRaw, carried?: CarriedState): Promise<SyncReport> {
  const parsed = syncInputSchema.safeParse(rawInput);
  if (!parsed.success) {
    throw ApplicationFailure.create({
      type: 'invalid_input' satisfies FailureKind,
      message: `Invalid audienceSync input: ${describeInputError(parsed.error)}`,
      nonRetryable: true,
    });
  }
  return new AudienceSyncRun(parsed.data, carried).execute();
}

class AudienceSyncRun {
  private readonly status: SyncStatus;
  private resolveRequested = false;
  private allowShrink = false;
  private actionsResolved: number;
  private readonly runKey: string;
  private readonly doneBatches: Set<number>;
  /** UPLOADS_PATCH, asked once: a run keeps one way of uploading throughout. */
  private uploadsPatch: boolean | undefined;
  private readonly listLock: ListLockClaim;

  constructor(
    private readonly input: SyncInput,
    private readonly carried?: CarriedState,
  ) {
    const info = workflowInfo();
    this.runKey = carried?.runKey ?? `${info.workflowId}/${info.firstExecutionRunId}`;
    this.actionsResolved = carried?.actionsResolved ?? 0;
    this.doneBatches = new Set(carried?.doneBatches ?? []);
    this.status = {
      state: 'running',
      step: 'validating_credential',
      dryRun: input.dryRun,
      listId: carried?.listId ?? input.listId,
      listName: carried?.listName ?? input.listName,
      counts: carried?.counts ?? emptyCounts(),
      runKey: this.runKey,
      membershipCheck: carried?.membershipCheck,
      startedAt: carried?.startedAt ?? new Date().toISOString(),
      listLock: carried?.listLock,
    };
    this.listLock = new ListLockClaim(carried?.listLock);
    setHandler(statusQuery, () => this.status, {
      description: 'The run now: state, step, counts so far and, while paused, the workflow action (title, message, numbered steps).',
    });
    setHandler(
      resolveSignal,
      () => {
        // Resolve answers a pause; sent at any other time it is ignored rather than saved for a later pause.
        if (this.status.state === 'needs_action') this.resolveRequested = true;
        else log.info('resolve received while no action is pending; ignored');
      },
      { description: 'Resume a run paused on a workflow action, once its cause is fixed (no input). It repeats the step that stopped.' },
    );
  }

  async execute(): Promise<SyncReport> {
    // One upsert at start names the list too, so `runs --list` finds every run of it; unless the run was
    // started indexed already (with payload encryption on, the CLI indexes a hash: the name stays out).
    const indexed = workflowInfo().typedSearchAttributes.get(listKey) !== undefined;
    this.setState('running', { listName: indexed ? undefined : (this.input.listName ?? this.input.listId) });
    let continuing = false;
    let failed = false;
    try {
      const report = await this.run();
      this.status.step = 'done';
      this.setState('completed');
      return report;
    } catch (err) {
      continuing = isContinueAsNew(err);
      if (isCancellation(err)) {
        // Cancelled by the operator (`cancel`, the UI): no further step runs; the run ends as Cancelled.
        this.status.action = undefined;
        this.status.message = CANCELLED_MESSAGE;
        this.setState('cancelled');
      } else if (!continuing) {
        this.status.error = err instanceof Error ? err.message : String(err);
        this.setState('failed');
        failed = true;
      }
      throw err;
    } finally {
      // Completed, failed or cancelled: the next run may have the list. A continued run keeps it.
      if (!continuing) await this.listLock.release();
      // After the release: a slow webhook never keeps the next run of the list waiting.
      if (failed) await alertFailed(this.listForOperators(), this.status.error!);
    }
  }

  private async run(): Promise<SyncReport> {
    const { input, status } = this;
    const credential = input.credential;
    const { account } = await this.step('validating_credential', () => shortActivities.validateCredential({ credential }));
    // Before the list is looked up, so two first runs cannot each create a list of that name.
    if (!input.dryRun && !this.listLock.held) await this.claimList();
    if (this.carried) return this.send(account, this.carried.listId, this.carried.listCreated, this.carried.planned);

    const found = await this.step('ensuring_list', () => shortActivities.findList({ credential, listName: input.listName, listId: input.listId }));
    status.listId = found.listId ?? undefined;
    status.listName = found.listName;
    this.showDetails();
    // A list this run creates reads no membership: it is empty.
    if (found.listId) await this.checkMembership(account, found.listId, found.listName);
    if (!found.listId && !input.dryRun) return this.firstSync(account, found.listName);
    // The audience is read before the list is created, so a missing or malformed file leaves no empty list behind.
    const planned = await this.planAudience(account, found.listId, found.listName);
    if (input.dryRun) return this.dryRunReport(account, found.listId, planned);

    return this.send(account, found.listId ?? (await this.createList(found.listName)), !found.listId, planned);
  }

  /**
   * A first sync into a list this run creates sends batches while the plan still runs: the plan seals
   * batches as it goes (SnapshotSeal in the store), awaitSealedBatches tells the workflow how far, and
   * sealed batches are uploaded at once. The list is created once a batch is sealed (so a missing or
   * malformed file, or one without a valid row, still leaves no list behind). A batch holding the later row
   * of an e-mail a sealed batch held waits for that batch (plan.ts, PlanOptions.seal). Upload failures here
   * only stop the early uploads: once the plan is done, send() runs every batch not done, under step(), as
   * any run does (pauses, retries, continue-as-new). The plan's totals are set only when it ends. A plan
   * failing late (say the file was rewritten during the pass) fails the run after some batches were sent,
   * as a failure while sending would; each row sent was a valid row of the audience.
   */
  private async firstSync(account: string, listName: string): Promise<SyncReport> {
    const { credential } = this.input;
    const runKey = this.runKey;
    let planFinished = false;
    const planning = this.planAudience(account, null, listName, true).then(
      (planned) => ({ planned }),
      (error: unknown) => ({ error }),
    );
    void planning.then(() => (planFinished = true));
    let listId: string | undefined;
    let sealed = 0;
    let next = 0;
    let stopped = false;
    const waits = new Map<number, number>();
    const inFlight = new Map<number, Promise<void>>();
    const takeSeal = (news: { sealed: number; waits: [number, number][] }): void => {
      for (const [batch, earlier] of news.waits) waits.set(batch, earlier);
      sealed = Math.max(sealed, news.sealed);
      this.status.counts.batchesTotal = Math.max(this.status.counts.batchesTotal, sealed);
    };
    const launch = (): void => {
      // A long history continues as new, which a running plan cannot: send() does it once the plan is done.
      if (historyIsLong(this.input.continueAsNewAfterEvents)) stopped = true;
      while (listId && !stopped && next < sealed && inFlight.size < this.upsertConcurrency()) {
        const earlier = waits.get(next);
        // It holds the later row of an e-mail that batch held: the later row must land last.
        if (earlier !== undefined && !this.doneBatches.has(earlier)) return;
        const batch = next++;
        const upload = longActivities
          .upsertBatch({ credential, runKey, account, listId, batch })
          .then(
            (result) => this.recordBatch(result),
            (err: unknown) => {
              log.warn('A batch sent while planning failed; it is sent again after the plan', { batch, error: String(err) });
              stopped = true;
            },
          )
          .finally(() => {
            inFlight.delete(batch);
            launch();
          });
        inFlight.set(batch, upload);
      }
    };
    // Polls only while it can send: not once an early upload failed, nor while the plan waits on an operator.
    while (!planFinished && !stopped) {
      if (this.status.state === 'needs_action') await condition(() => planFinished || this.status.state !== 'needs_action');
      if (planFinished) break;
      const seal = shortActivities.awaitSealedBatches({ runKey, after: sealed }).catch(() => undefined);
      await Promise.race([planning, seal]);
      if (planFinished) break;
      const news = await seal;
      if (!news) break;
      takeSeal(news);
      if (sealed > 0 && !listId) listId = await this.createList(listName);
      launch();
    }
    const outcome = await planning;
    // The batches the plan sealed last go out as batches in flight finish, not once all have: that drain
    // cost the 1M first sync a second or two of its tail.
    if (!('error' in outcome) && listId && !stopped && this.uploadsPatched()) {
      takeSeal(await shortActivities.awaitSealedBatches({ runKey, after: sealed }));
      // The plan is done: what is left is sending, and status says so, as send() would.
      this.status.step = 'upserting';
      this.showDetails();
      launch();
      await condition(() => inFlight.size === 0);
    }
    stopped = true;
    await Promise.all(inFlight.values());
    if ('error' in outcome) throw outcome.error;
    listId ??= await this.createList(listName);
    return this.send(account, listId, true, outcome.planned);
  }

  private async createList(listName: string): Promise<string> {
    const step = this.status.step;
    const { listId } = await this.step('ensuring_list', () => shortActivities.ensureList({ credential: this.input.credential, listName }));
    this.status.listId = listId;
    this.status.step = step;
    return listId;
  }

  /** Sends into the list; when it was deleted in Klaviyo under the run and the operator resolved, into a new one. */
  private async send(account: string, listId: string, listCreated: boolean, planned: PlanResult): Promise<SyncReport> {
    let target = { listId, listCreated, planned };
    for (;;) {
      try {
        return await this.sendInto(account, target.listId, target.listCreated, target.planned);
      } catch (err) {
        if (!(err instanceof ListDeletedResolved)) throw err;
        target = await this.recreateList(account);
      }
    }
  }

  /**
   * Creates the list again by name (or finds one made meanwhile) and plans again against it: a new list has
   * no stored members, so everyone is sent; the batches and counts start over.
   */
  private async recreateList(account: string): Promise<{ listId: string; listCreated: boolean; planned: PlanResult }> {
    const { credential } = this.input;
    const listName = this.status.listName!;
    const { listId } = await this.step('ensuring_list', () => shortActivities.ensureList({ credential, listName }));
    log.warn('The list was deleted in Klaviyo during the run; syncing the whole audience into a new list', { listId });
    this.status.listId = listId;
    this.doneBatches.clear();
    this.status.counts = { ...emptyCounts(), apiCalls: this.status.counts.apiCalls };
    const planned = await this.planAudience(account, listId, listName);
    return { listId, listCreated: true, planned };
  }

  /** Upserts the batches not yet done, removes the members who left, reports. */
  private async sendInto(account: string, listId: string, listCreated: boolean, planned: PlanResult): Promise<SyncReport> {
    const { input } = this;
    const credential = input.credential;
    await this.step('upserting', () =>
      this.runBatches(planned.plan.batches, (batch) => longActivities.upsertBatch({ credential, runKey: this.runKey, account, listId, batch })),
    );
    if (this.doneBatches.size < planned.plan.batches) return this.continueAsNew(account, listId, listCreated, planned);
    // Imports into a list deleted meanwhile succeed silently: a deleted list pauses the run here (list_deleted).
    // A refresh that sent nothing spends no call on it (a removal from a deleted list is a 404 of its own).
    if (planned.plan.batches > 0) await this.step('upserting', () => shortActivities.confirmList({ credential, listId }));

    if (input.removeMissing && planned.toRemove > 0) {
      const removed = await this.step('reconciling', () =>
        longActivities.removeDepartures({
          credential,
          runKey: this.runKey,
          account,
          listId,
          // The list as it is now, with this run's adds: replacing members is not emptying the list.
          listSize: planned.listSize + this.status.counts.added,
          toRemove: planned.toRemove,
          audienceEmails: planned.plan.uniqueEmails + planned.plan.keptWithRejectedRow,
          maxRemovalShare: input.maxRemovalShare,
          allowShrink: this.allowShrink,
        }),
      );
      this.status.counts.removed = removed.removed + removed.gone;
    }
    return this.finish(account, listId, listCreated);
  }

  /** The drift check: reads the whole list when the state knows nothing of it, when asked, or when due. */
  private async checkMembership(account: string, listId: string, listName: string): Promise<void> {
    const { input } = this;
    const read = await this.step('verifying_membership', () =>
      longActivities.verifyMembership({
        credential: input.credential,
        runKey: this.runKey,
        account,
        listId,
        listName,
        requested: input.verifyMembership,
        dryRun: input.dryRun,
      }),
    );
    if (read.reason) {
      this.status.membershipCheck = { reason: read.reason, listed: read.listed, strangers: read.strangers, missing: read.missing };
    }
  }

  /** Waits until this run is the list's only writer (or fails at once when the input says `ifListBusy: "fail"`). */
  private async claimList(): Promise<void> {
    const { input, status } = this;
    const { workflowId, firstExecutionRunId } = workflowInfo();
    const reply = await this.listLock.acquire(
      async () => {
        const claim = await this.step('locking_list', () =>
          shortActivities.requestListLock({
            credential: input.credential,
            listName: input.listName,
            listId: input.listId,
            request: { workflowId, firstRunId: firstExecutionRunId, ifBusy: input.ifListBusy },
          }),
        );
        status.listLock = claim.lockId;
        status.listName ??= claim.listName;
        return claim;
      },
      (holder) => {
        status.waitingFor = holder;
        if (status.state !== 'waiting_for_list') this.setState('waiting_for_list');
      },
    );
    if (status.state === 'waiting_for_list') this.setState('running');
    status.waitingFor = undefined;
    if (reply.outcome === 'refused') {
      status.listLock = undefined;
      throw ApplicationFailure.create({
        type: 'list_busy' satisfies FailureKind,
        message:
          `List "${status.listName ?? input.listId}" is busy: run ${reply.holder} is syncing it, and this run was started with ` +
          `ifListBusy "fail", so it stopped before writing anything (wait for that run to end, or start again with ifListBusy "wait", the default, to run after it)`,
        nonRetryable: true,
        details: [{ holder: reply.holder }],
      });
    }
  }

  private async planAudience(account: string, listId: string | null, listName: string, sealBatches = false): Promise<PlanResult> {
    const { input } = this;
    const planned = await this.step('planning', () =>
      longActivities.planAudience({
        runKey: this.runKey,
        workflowId: workflowInfo().workflowId,
        startedAt: this.status.startedAt,
        account,
        listId,
        listName,
        audience: input.audience,
        updateContacts: input.updateContacts,
        dryRun: input.dryRun,
        membershipRead: this.status.membershipCheck !== undefined,
        ...(sealBatches && { sealBatches }),
      }),
    );
    const { plan } = planned;
    const { counts } = this.status;
    counts.rowsTotal = plan.rows;
    counts.rowsRead = plan.rows;
    counts.rowsValid = plan.validRows;
    counts.rowsRejected = plan.rejectedRows;
    counts.rejectedByReason = { ...plan.rejectedByReason };
    counts.duplicateRows = plan.duplicateRows;
    counts.unchanged = plan.unchanged;
    counts.toSend = plan.toAdd + plan.toUpdate;
    counts.toRemove = input.removeMissing ? planned.toRemove : 0;
    counts.keptWithRejectedRow = plan.keptWithRejectedRow;
    counts.batchesTotal = plan.batches;
    return planned;
  }

  private uploadsPatched(): boolean {
    return (this.uploadsPatch ??= patched(UPLOADS_PATCH));
  }

  private upsertConcurrency(): number {
    return this.uploadsPatched() ? UPSERT_CONCURRENCY : UPSERT_CONCURRENCY_UNPATCHED;
  }

  /** Runs the batches not yet done; stops launching new ones on the first failure or when history is long. */
  private async runBatches(batches: number, runOne: (batch: number) => Promise<UpsertBatchResult>): Promise<void> {
    const remaining = Array.from({ length: batches }, (_, i) => i).filter((b) => !this.doneBatches.has(b));
    let failure: unknown;
    let launched = 0;
    await runWithConcurrency(
      remaining,
      this.upsertConcurrency(),
      async (batch) => {
        launched++;
        try {
          this.recordBatch(await runOne(batch));
        } catch (err) {
          failure ??= err;
        }
      },
      // Each run makes progress before it continues as new, however long its history already is.
      () => failure !== undefined || (launched > 0 && historyIsLong(this.input.continueAsNewAfterEvents)),
    );
    if (failure !== undefined) throw failure;
  }

  private recordBatch(result: UpsertBatchResult): void {
    const { counts } = this.status;
    this.doneBatches.add(result.index);
    counts.batchesDone = this.doneBatches.size;
    counts.profilesSent += result.sent;
    counts.profilesImported += result.imported;
    counts.importJobs += result.jobs;
    counts.added += result.added;
    counts.updated += result.updated;
    if (result.klaviyoRejected > 0) {
      counts.rowsRejected += result.klaviyoRejected;
      addCounts(counts.rejectedByReason, { klaviyo_rejected: result.klaviyoRejected });
    }
    addCounts(counts.apiCalls, result.apiCalls);
    this.showDetails();
  }

  /** A dry run reports the plan a real run would carry out (the same diff), without writing to Klaviyo. */
  private async dryRunReport(account: string, listId: string | null, planned: PlanResult): Promise<SyncReport> {
    const { plan } = planned;
    const wouldRemove = this.input.removeMissing ? planned.toRemove : 0;
    this.status.counts.listSize = planned.listSize - wouldRemove + plan.toAdd;
    return this.finish(account, listId, false, { wouldAdd: plan.toAdd, wouldUpdate: plan.toUpdate, wouldRemove });
  }

  /** Hands ids, the plan's counts and the batches done to a fresh run; the batches done are not redone. */
  private continueAsNew(account: string, listId: string, listCreated: boolean, planned: PlanResult): Promise<never> {
    return continueAsNew<typeof audienceSync>(this.input, {
      startedAt: this.status.startedAt,
      runKey: this.runKey,
      account,
      listId,
      listName: this.status.listName!,
      listCreated,
      planned,
      doneBatches: [...this.doneBatches],
      counts: this.status.counts,
      membershipCheck: this.status.membershipCheck,
      actionsResolved: this.actionsResolved,
      listLock: this.listLock.id,
    });
  }

  private async finish(account: string, listId: string | null, listCreated: boolean, preview: Pick<SyncReport, 'wouldAdd' | 'wouldUpdate' | 'wouldRemove'> = {}): Promise<SyncReport> {
    this.status.step = 'reporting';
    const report: SyncReport = {
      listId,
      listName: this.status.listName,
      listCreated,
      dryRun: this.input.dryRun,
      counts: this.status.counts,
      ...preview,
      ...(this.status.membershipCheck && { membershipCheck: this.status.membershipCheck }),
      runKey: this.runKey,
      startedAt: this.status.startedAt,
      durationMs: Date.now() - Date.parse(this.status.startedAt),
      actionsResolved: this.actionsResolved,
    };
    const done = await shortActivities.finalizeReport({ runKey: this.runKey, workflowId: workflowInfo().workflowId, account, report });
    if (done.listSize !== null) {
      this.status.counts.listSize = done.listSize;
      this.status.listMembers = done.listSize;
    }
    if (done.rejectFile) this.status.reportLocation = done.rejectFile;
    return {
      ...report,
      counts: this.status.counts,
      ...(done.listSize !== null && { listMembers: done.listSize }),
      ...(done.rejectFile && { reportLocation: done.rejectFile }),
    };
  }

  /**
   * Runs one step. An activity failure that maps to a workflow action pauses the run until `resolve`,
   * then runs the same step again; the daily list-creation cap waits on a durable timer instead.
   */
  private async step<T>(step: SyncStep, fn: () => Promise<T>): Promise<T> {
    this.status.step = step;
    this.showDetails();
    for (;;) {
      try {
        const result = await fn();
        addCounts(this.status.counts.apiCalls, (result as { apiCalls?: Record<string, number> } | undefined)?.apiCalls);
        return result;
      } catch (err) {
        const failure = classifiedFailure(err);
        if (!failure) throw err;
        const waitSeconds = timerWaitSeconds(failure);
        if (waitSeconds !== undefined) {
          log.warn('Waiting on a durable timer before repeating the step', { kind: failure.type, waitSeconds });
          await sleep(waitSeconds * 1000);
          continue;
        }
        const action = actionFor(failure, this.input, workflowInfo().workflowId, new Date(), this.status.listName);
        // Not for an operator: fail the run with the activity's own message, not "activity task failed".
        if (!action) throw failure;
        await this.pauseUntilResolved(action);
        if (action.code === 'audience_shrink') this.allowShrink = true;
        // Repeating the step cannot help: the list is gone. The run starts over from creating it.
        if (action.code === 'list_deleted') throw new ListDeletedResolved();
      }
    }
  }

  private async pauseUntilResolved(action: WorkflowAction): Promise<void> {
    log.warn('Run paused on a workflow action', { code: action.code });
    this.status.action = action;
    this.resolveRequested = false;
    this.setState('needs_action');
    alertPaused(this.listForOperators(), action, this.actionsResolved + 1);
    await condition(() => this.resolveRequested);
    this.actionsResolved++;
    this.status.action = undefined;
    this.setState('running');
  }

  private setState(state: SyncState, { listName }: { listName?: string } = {}): void {
    this.status.state = state;
    upsertSearchAttributes([{ key: stateKey, value: state }, ...(listName ? [{ key: listKey, value: listName }] : [])]);
    this.showDetails();
  }

  /** What the Temporal UI shows on the run's page (currentDetails.ts). */
  private showDetails(): void {
    setCurrentDetails(currentDetails(this.status, workflowInfo().workflowId));
  }

  private listForOperators(): string {
    return this.status.listName ?? this.input.listName ?? this.status.listId ?? this.input.listId ?? '(unknown list)';
  }
}

/** Thrown by step() once an operator resolved `list_deleted`: the run recreates the list. */
class ListDeletedResolved extends Error {}

function historyIsLong(limit: number): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > limit;
}

function isContinueAsNew(err: unknown): boolean {
  return err instanceof ContinueAsNew;
}
