/**
 * audienceSync: makes a named Klaviyo list hold exactly an audience.
 * validate credential -> plan (read the audience) -> claim the list (not for a dry run) -> ensure list
 * -> batched upsert -> reconcile -> report -> release the list.
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
  rowSourceOf,
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
import type { AudiencePlan, BatchRange } from '../audience/plan';
import type { UpsertBatchResult } from '../activities/upsert';
import { actionFor, classifiedFailure, timerWaitSeconds } from './actions';
import { shortActivities, longActivities } from './activityProxies';
import { alertFailed, alertPaused } from './alerts';
import { currentDetails } from './currentDetails';
import { resolveSignal, statusQuery } from './definitions';
import { ListLockClaim } from './listLockClaim';
import { runWithConcurrency } from './pool';

/** Bulk import jobs in flight at once: Klaviyo's bulk-import endpoints are on the M tier (10/s, 150/m). */
const UPSERT_CONCURRENCY = 4;

const stateKey = defineSearchAttributeKey(STATE_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);
const listKey = defineSearchAttributeKey(LIST_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD);

/** What a run hands to its continuation: ids, the plan's offsets and counts, nothing else. */
export interface CarriedState {
  startedAt: string;
  reportKey: string;
  reportLocation: string;
  /** Null only for a dry run against a list that does not exist yet. */
  listId: string | null;
  listName?: string;
  listCreated: boolean;
  profileCountBefore: number;
  plan: AudiencePlan;
  doneBatches: number[];
  counts: SyncStatus['counts'];
  actionsResolved: number;
  /** The list's lock, held by this run chain (absent for a dry run). */
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
  private readonly reportKey: string;
  private readonly doneBatches: Set<number>;
  private readonly listLock: ListLockClaim;

  constructor(
    private readonly input: SyncInput,
    private readonly carried?: CarriedState,
  ) {
    const info = workflowInfo();
    this.reportKey = carried?.reportKey ?? `${info.workflowId}/${info.firstExecutionRunId}`;
    this.actionsResolved = carried?.actionsResolved ?? 0;
    this.doneBatches = new Set(carried?.doneBatches ?? []);
    this.status = {
      state: 'running',
      step: 'validating_credential',
      dryRun: input.dryRun,
      listId: carried?.listId ?? input.listId,
      listName: carried?.listName ?? input.listName,
      counts: carried?.counts ?? emptyCounts(),
      reportLocation: carried?.reportLocation,
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
    const { input } = this;
    const credential = input.credential;
    await this.step('validating_credential', () => shortActivities.validateCredential({ credential }));
    // The audience is read before the list is created, so a missing or malformed file leaves no empty list behind.
    const plan = this.carried?.plan ?? (await this.planAudience());
    // Before the list is looked up, so two first runs cannot each create a list of that name.
    if (!input.dryRun && !this.listLock.held) await this.claimList();

    const list = this.carried
      ? { listId: this.carried.listId, listName: this.carried.listName, created: this.carried.listCreated, profileCount: this.carried.profileCountBefore }
      : await this.step('ensuring_list', () =>
          shortActivities.ensureList({ credential, listName: input.listName, listId: input.listId, dryRun: input.dryRun }),
        );
    this.status.listId = list.listId ?? undefined;
    this.status.listName = list.listName;
    this.showDetails();

    if (input.dryRun) return this.dryRunReport(list.listId, plan, list.created);
    let target: ListTarget = list;
    for (;;) {
      try {
        return await this.syncInto(plan, target);
      } catch (err) {
        // The list was deleted in Klaviyo under the run and the operator resolved: a new list gets everyone.
        if (!(err instanceof ListDeletedResolved)) throw err;
        target = await this.recreateList(plan);
      }
    }
  }

  /** Upserts every batch into the list, removes members not in the audience, and reports. */
  private async syncInto(plan: AudiencePlan, list: ListTarget): Promise<SyncReport> {
    const { input } = this;
    const credential = input.credential;
    const listId = list.listId!;
    await this.step('upserting', () =>
      this.runBatches(plan, (batch) =>
        longActivities.upsertBatch({ ...this.batchInput(plan, batch), credential, listId }),
      ),
    );
    if (this.doneBatches.size < plan.batches.length) return this.continueAsNew(listId, plan, list.created, list.profileCount);

    const { counts } = this.status;
    const after = await this.step('reconciling', () => shortActivities.countListMembers({ credential, listId }));
    counts.added = Math.max(0, after.profileCount - list.profileCount);
    counts.updated = Math.max(0, counts.profilesImported - counts.added);
    if (input.removeMissing) {
      const reconciled = await this.step('reconciling', () =>
        longActivities.reconcileList({
          credential,
          listId,
          audience: rowSourceOf(input.audience, plan.snapshot),
          fingerprint: plan.fingerprint,
          maxRemovalShare: input.maxRemovalShare,
          allowShrink: this.allowShrink,
          dryRun: false,
        }),
      );
      counts.removed = reconciled.removed;
    }
    this.status.listMembers = after.profileCount - counts.removed;
    return this.finish(listId, list.created);
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

  private async planAudience(): Promise<AudiencePlan> {
    const { plan, reportLocation } = await this.step('planning', () =>
      longActivities.planAudience({
        audience: this.input.audience,
        updateContacts: this.input.updateContacts,
        reportKey: this.reportKey,
      }),
    );
    this.status.reportLocation = reportLocation;
    this.countPlan(plan);
    return plan;
  }

  private countPlan(plan: AudiencePlan): void {
    const { counts } = this.status;
    counts.rowsTotal = plan.rows;
    counts.duplicateRows = plan.duplicateRows;
    counts.batchesTotal = plan.batches.length;
  }

  /** Creates the list again by name (or finds one made meanwhile) and starts the batches over, counts included. */
  private async recreateList(plan: AudiencePlan): Promise<ListTarget> {
    const { credential } = this.input;
    const listName = this.status.listName!;
    const list = await this.step('ensuring_list', () => shortActivities.ensureList({ credential, listName, dryRun: false }));
    log.warn('The list was deleted in Klaviyo during the run; syncing the whole audience into a new list', { listId: list.listId });
    this.status.listId = list.listId ?? undefined;
    this.doneBatches.clear();
    this.status.counts = { ...emptyCounts(), apiCalls: this.status.counts.apiCalls };
    this.countPlan(plan);
    return list;
  }

  /** Runs the batches not yet done; stops launching new ones on the first failure or when history is long. */
  private async runBatches(plan: AudiencePlan, runOne: (batch: BatchRange) => Promise<UpsertBatchResult>): Promise<void> {
    const remaining = plan.batches.filter((b) => !this.doneBatches.has(b.index));
    let failure: unknown;
    let launched = 0;
    await runWithConcurrency(
      remaining,
      UPSERT_CONCURRENCY,
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

  private batchInput(plan: AudiencePlan, batch: BatchRange) {
    return {
      audience: rowSourceOf(this.input.audience, plan.snapshot),
      batch: { ...batch, header: plan.header },
      fingerprint: plan.fingerprint,
      updateContacts: this.input.updateContacts,
      reportKey: this.reportKey,
    };
  }

  private recordBatch(result: UpsertBatchResult): void {
    const { counts } = this.status;
    this.doneBatches.add(result.index);
    counts.batchesDone = this.doneBatches.size;
    counts.rowsRead += result.rowsRead;
    counts.profilesImported += result.imported;
    const rejected = Object.values(result.rejectedByReason).reduce((a, b) => a + b, 0);
    counts.rowsRejected += rejected;
    counts.rowsValid += result.rowsRead - (rejected - result.klaviyoRejected);
    addCounts(counts.rejectedByReason, result.rejectedByReason);
    addCounts(counts.apiCalls, result.apiCalls);
    this.showDetails();
  }

  /** A dry run checks every row (writing the reject report) and compares the list, without writing to Klaviyo. */
  private async dryRunReport(listId: string | null, plan: AudiencePlan, listCreated: boolean): Promise<SyncReport> {
    await this.step('checking_rows', () =>
      this.runBatches(plan, (batch) => longActivities.checkBatch(this.batchInput(plan, batch))),
    );
    if (this.doneBatches.size < plan.batches.length) return this.continueAsNew(listId, plan, listCreated, 0);
    const diff = await this.step('reconciling', () =>
      longActivities.reconcileList({
        credential: this.input.credential,
        listId,
        audience: rowSourceOf(this.input.audience, plan.snapshot),
        fingerprint: plan.fingerprint,
        maxRemovalShare: this.input.maxRemovalShare,
        allowShrink: true,
        dryRun: true,
      }),
    );
    const uniqueValid = plan.validRows - plan.duplicateRows;
    return {
      ...(await this.finish(listId, listCreated)),
      wouldAdd: Math.max(0, uniqueValid - diff.inAudience),
      wouldUpdate: this.input.updateContacts ? Math.min(diff.inAudience, uniqueValid) : 0,
      wouldRemove: this.input.removeMissing ? diff.toRemove : 0,
    };
  }

  /** Hands ids, the plan's offsets and the counts to a fresh run; the batches done are not redone. */
  private continueAsNew(listId: string | null, plan: AudiencePlan, listCreated: boolean, profileCountBefore: number): Promise<never> {
    return continueAsNew<typeof audienceSync>(this.input, {
      startedAt: this.status.startedAt,
      reportKey: this.reportKey,
      reportLocation: this.status.reportLocation!,
      listId,
      listName: this.status.listName,
      listCreated,
      profileCountBefore,
      plan,
      doneBatches: [...this.doneBatches],
      counts: this.status.counts,
      actionsResolved: this.actionsResolved,
      listLock: this.listLock.id,
    });
  }

  private async finish(listId: string | null, listCreated: boolean): Promise<SyncReport> {
    this.status.step = 'reporting';
    const { rejectReport } = await shortActivities.finalizeReport({ reportKey: this.reportKey });
    return {
      listId,
      listName: this.status.listName,
      listCreated,
      dryRun: this.input.dryRun,
      counts: this.status.counts,
      reportLocation: rejectReport,
      durationMs: Date.now() - Date.parse(this.status.startedAt),
      actionsResolved: this.actionsResolved,
      listMembers: this.status.listMembers,
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

/** The list a run writes to, as ensureList (or the carried state) gives it. */
interface ListTarget {
  listId: string | null;
  listName?: string;
  created: boolean;
  profileCount: number;
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
