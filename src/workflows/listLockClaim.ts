/**
 * An audienceSync run's side of its list's lock (listLock.ts): ask, wait for the answer, release on
 * every way out. Only the lock's id travels across continue-as-new: a continued run still holds the list.
 */
import {
  CancellationScope,
  condition,
  getExternalWorkflowHandle,
  log,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ListLockReply } from '../shared';
import { listLockReleaseSignal, listLockReplySignal } from './definitions';

/**
 * With no answer for this long the run asks again: harmless if the lock is there (it ignores repeats),
 * and it starts the lock again if someone terminated it.
 */
const ASK_AGAIN_AFTER = '5 minutes';

export class ListLockClaim {
  private reply?: ListLockReply;
  private replies = 0;

  /** `lockId` is set when the run holds the list already (carried across continue-as-new). */
  constructor(private lockId?: string) {
    setHandler(listLockReplySignal, (reply) => {
      this.reply = reply;
      this.replies++;
    });
  }

  get held(): boolean {
    return this.lockId !== undefined && (this.reply === undefined || this.reply.outcome === 'granted');
  }

  /** The lock's id while this run holds the list or waits for it. */
  get id(): string | undefined {
    return this.lockId;
  }

  /**
   * Asks (`ask` sends the request and returns the lock's id) and waits until the list is granted or
   * refused; `onQueued` hears who holds the list each time that changes while this run waits.
   */
  async acquire(ask: () => Promise<{ lockId: string }>, onQueued: (holder: string) => void): Promise<ListLockReply> {
    this.reply = undefined;
    this.lockId = (await ask()).lockId;
    for (;;) {
      const reply = this.reply as ListLockReply | undefined;
      if (reply?.outcome === 'granted') return reply;
      if (reply?.outcome === 'refused') {
        // Never queued: nothing to release.
        this.lockId = undefined;
        return reply;
      }
      if (reply?.outcome === 'queued') onQueued(reply.holder);
      const seen = this.replies;
      if (!(await condition(() => this.replies !== seen, ASK_AGAIN_AFTER))) await ask();
    }
  }

  /** Frees the list (or leaves the queue), even when the run was cancelled; a lock that is gone is fine. */
  async release(): Promise<void> {
    const lockId = this.lockId;
    if (!lockId) return;
    const { workflowId, firstExecutionRunId } = workflowInfo();
    await CancellationScope.nonCancellable(() =>
      getExternalWorkflowHandle(lockId)
        .signal(listLockReleaseSignal, { workflowId, firstRunId: firstExecutionRunId })
        .catch((err) => log.warn('Could not release the list lock', { lockId, error: String(err) })),
    );
    this.lockId = undefined;
  }
}
