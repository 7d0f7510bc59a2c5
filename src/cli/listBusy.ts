/** What the CLI says when a run waits for another run of the same list (one writer per list). */
import type { WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY } from '../names';
import type { SyncStatus } from '../shared';

/** Steps before a run knows whether its list is free; a dry run takes no lock, so it never waits. */
const BEFORE_LIST_CLAIMED = new Set<SyncStatus['step']>(['validating_credential', 'planning', 'locking_list']);

export function waitingLine(holder: string): string {
  return `Waiting for run ${holder} to finish with this list (one run writes to a list at a time)...`;
}

export function busyNote(workflowId: string, status: SyncStatus): string {
  const list = status.listName ?? status.listId ?? 'this list';
  return (
    `Run ${status.waitingFor} is already syncing list '${list}'; this run (${workflowId}) waits for it and starts when it ends.\n` +
    `Follow it with: klaviyo-audience-sync status ${workflowId} (or start syncs with --wait to watch them; --if-list-busy fail refuses instead of waiting).`
  );
}

/** How long one status query may take: with no worker polling, the server would hold it much longer. */
const QUERY_PATIENCE_MS = 3000;

/**
 * Polls a just-started run until it has claimed its list, is waiting for it, or has ended (whatever
 * comes first, within `timeoutMs`: reading a large audience comes first and may take longer). Undefined
 * when no worker answered in time.
 */
export async function statusOnceListClaimed(handle: WorkflowHandle, timeoutMs = 10_000, pollMs = 250): Promise<SyncStatus | undefined> {
  const deadline = Date.now() + timeoutMs;
  let last: SyncStatus | undefined;
  while (Date.now() < deadline) {
    const patience = Math.min(QUERY_PATIENCE_MS, Math.max(0, deadline - Date.now()));
    const timeLeft = new Promise<undefined>((r) => setTimeout(() => r(undefined), patience).unref());
    const status = await Promise.race([handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined), timeLeft]);
    if (!status) return last;
    last = status;
    if (status.dryRun || status.state !== 'running' || !BEFORE_LIST_CLAIMED.has(status.step)) return status;
    await new Promise((r) => setTimeout(r, pollMs));
  }
  return last;
}
