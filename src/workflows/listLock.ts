/**
 * listLock: grants one Klaviyo list to one audienceSync run at a time, first come first served (the
 * mutex of Temporal's samples). Its id, `audience-list-lock/<account>/<list>`, is derived from the list,
 * so every run of that list reaches the same lock however it was started.
 *
 * Runs ask with `request` (signal-with-start from an activity) and get `listLockReply`: granted, queued
 * behind the holder, or refused (`ifBusy: "fail"`). The holder sends `release` when it ends, whatever
 * the outcome. A holder that closes without releasing (terminated, timed out) is noticed while runs wait:
 * the lock checks it every `holderCheckMs`. Locks are held by workflow id, so a holder's continue-as-new
 * keeps the list. An idle lock ends; the next request starts it again.
 */
import { condition, continueAsNew, getExternalWorkflowHandle, log, setHandler, workflowInfo } from '@temporalio/workflow';
import type { ListLockReply, ListLockRequest } from '../shared';
import { lockLocalActivities } from './activityProxies';
import { listLockReleaseSignal, listLockReplySignal, listLockRequestSignal, listLockStateQuery } from './definitions';

/** A free lock with nobody asking ends after this long. */
const IDLE_MS = 60_000;
/** Continue-as-new well before Temporal's history limits (a long wait costs a few events per check). */
const MAX_HISTORY_EVENTS = 2_000;

export interface LockHolder {
  workflowId: string;
  firstRunId: string;
  /** ISO time the list was granted. */
  since: string;
}

export interface ListLockInput {
  listName: string;
  account: string;
  holderCheckMs: number;
  /** Carried across continue-as-new. */
  holder?: LockHolder;
  queue?: ListLockRequest[];
}

type Message = { request: ListLockRequest } | { release: { workflowId: string; firstRunId: string } };

export async function listLock(input: ListLockInput): Promise<void> {
  await new ListLock(input).run();
}

class ListLock {
  private holder?: LockHolder;
  private readonly queue: ListLockRequest[];
  /** Signals are only queued here; the main loop handles them in arrival order. */
  private readonly inbox: Message[] = [];
  private holderCheckedAt = 0;

  constructor(private readonly input: ListLockInput) {
    this.holder = input.holder;
    this.queue = [...(input.queue ?? [])];
    setHandler(listLockRequestSignal, (request) => void this.inbox.push({ request }));
    setHandler(listLockReleaseSignal, (release) => void this.inbox.push({ release }));
    setHandler(listLockStateQuery, () => ({
      listName: input.listName,
      account: input.account,
      holder: this.holder?.workflowId,
      waiting: this.queue.map((r) => r.workflowId),
    }));
  }

  async run(): Promise<void> {
    for (;;) {
      while (this.inbox.length) await this.handle(this.inbox.shift()!);
      if (!this.holder && this.queue.length) {
        await this.grantNext();
        continue;
      }
      if (this.inbox.length) continue;
      if (historyIsLong()) {
        await continueAsNew<typeof listLock>({ ...this.input, holder: this.holder, queue: this.queue });
      }
      if (!this.holder) {
        await condition(() => this.inbox.length > 0, IDLE_MS);
        if (this.inbox.length) continue;
        return;
      }
      if (!this.queue.length) {
        // Nobody waits, so nobody needs to know whether the holder is alive yet.
        await condition(() => this.inbox.length > 0);
        continue;
      }
      const dueIn = this.holderCheckedAt + this.input.holderCheckMs - Date.now();
      if (dueIn > 0) await condition(() => this.inbox.length > 0, dueIn);
      else await this.checkHolder();
    }
  }

  private async handle(message: Message): Promise<void> {
    if ('release' in message) {
      const { workflowId, firstRunId } = message.release;
      if (this.holder?.workflowId === workflowId && this.holder.firstRunId === firstRunId) this.holder = undefined;
      else this.removeFromQueue(workflowId);
      return;
    }
    const request = message.request;
    if (this.holder?.workflowId === request.workflowId) {
      // The same run asking again (a retried activity): tell it again. A new run reusing the id means the old one closed.
      if (this.holder.firstRunId === request.firstRunId) {
        await this.reply(request.workflowId, { outcome: 'granted', holder: request.workflowId });
        return;
      }
      this.holder = undefined;
    }
    const queued = this.queue.findIndex((r) => r.workflowId === request.workflowId);
    if (queued >= 0) {
      // Asked again while waiting: it keeps its place.
      this.queue[queued] = request;
      if (this.holder) await this.notifyWaiting([request]);
      else await this.grantNext();
      return;
    }
    if (this.holder && request.ifBusy === 'fail') {
      // Refuse only for a live holder.
      if (Date.now() - this.holderCheckedAt >= this.input.holderCheckMs) await this.checkHolder();
      if (!this.holder) await this.grantNext();
      if (this.holder) {
        await this.reply(request.workflowId, { outcome: 'refused', holder: this.holder.workflowId });
        return;
      }
    }
    this.queue.push(request);
    if (!this.holder) await this.grantNext();
    else await this.notifyWaiting([request]);
  }

  /** Grants the list to the first waiting run that can still be reached, then tells the others who holds it. */
  private async grantNext(): Promise<void> {
    while (!this.holder && this.queue.length) {
      const next = this.queue.shift()!;
      this.holder = { workflowId: next.workflowId, firstRunId: next.firstRunId, since: new Date().toISOString() };
      // Just reached by a signal, so alive now.
      this.holderCheckedAt = Date.now();
      if (!(await this.reply(next.workflowId, { outcome: 'granted', holder: next.workflowId }))) this.holder = undefined;
    }
    await this.notifyWaiting([...this.queue]);
  }

  private async notifyWaiting(requests: ListLockRequest[]): Promise<void> {
    for (const r of requests) {
      if (!(await this.reply(r.workflowId, { outcome: 'queued', holder: this.holder!.workflowId }))) this.removeFromQueue(r.workflowId);
    }
  }

  /** Frees the list when its holder has closed without releasing it (terminated, timed out). */
  private async checkHolder(): Promise<void> {
    const holder = this.holder!;
    const open = await lockLocalActivities.listLockHolderOpen({ workflowId: holder.workflowId, firstRunId: holder.firstRunId });
    this.holderCheckedAt = Date.now();
    if (!open && this.holder === holder) {
      log.warn('The run holding the list closed without releasing it; freeing the list', { holder: holder.workflowId });
      this.holder = undefined;
    }
  }

  /** False when the run cannot be signalled (it has closed): it no longer wants the list. */
  private async reply(workflowId: string, reply: ListLockReply): Promise<boolean> {
    try {
      await getExternalWorkflowHandle(workflowId).signal(listLockReplySignal, reply);
      return true;
    } catch (err) {
      log.warn('A run that asked for the list cannot be reached; passing it over', { workflowId, error: String(err) });
      return false;
    }
  }

  private removeFromQueue(workflowId: string): void {
    const i = this.queue.findIndex((r) => r.workflowId === workflowId);
    if (i >= 0) this.queue.splice(i, 1);
  }
}

function historyIsLong(): boolean {
  const info = workflowInfo();
  return info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS;
}
