/**
 * The activity side of "one writer per list": finding the list's lock and asking it (signal-with-start,
 * which workflows cannot do themselves), and telling the lock whether its holder is still running.
 */
import { createHash } from 'node:crypto';
import { activityInfo, getClient, log } from '@temporalio/activity';
import { WorkflowNotFoundError } from '@temporalio/client';
import {
  LIST_LOCK_REQUEST_SIGNAL,
  LIST_LOCK_WORKFLOW_TYPE,
  type ListLockRequest,
} from '../shared';
import type { ListLockInput } from '../workflows/listLock';
import type { ActivityConfig } from '../config';
import { resolveApiKey } from '../credentials';
import type { CredentialRef } from './lists';
import { accountKey } from '../klaviyo/account';
import { clientFor } from './klaviyoClient';

/** How often a lock with runs waiting checks that its holder is still running, unless the config says. */
export const DEFAULT_HOLDER_CHECK_MS = 15_000;

export interface RequestListLockInput extends CredentialRef {
  listName?: string;
  listId?: string;
  request: ListLockRequest;
}

export interface ListLockClaim {
  lockId: string;
  /** The list's name (looked up for a run by list id). */
  listName: string;
  apiCalls: Record<string, number>;
}

export interface HolderRef {
  workflowId: string;
  firstRunId: string;
}

/**
 * `audience-list-lock/<account>/<readable name>-<hash>`: one lock per list name per account. Klaviyo
 * matches names exactly, so the hash is of the exact name; the readable part only helps people find it,
 * and is left out (`readableName` false) when payloads are encrypted, since workflow ids are not.
 */
export function listLockId(account: string, listName: string, readableName = true): string {
  const readable = readableName
    ? listName
        .replace(/[^A-Za-z0-9._-]+/g, '-')
        .replace(/^-+|-+$/g, '')
        .slice(0, 48)
    : '';
  const hash = createHash('sha256').update(listName).digest('hex').slice(0, 16);
  return `audience-list-lock/${account.replace(/[^A-Za-z0-9_-]/g, '_')}/${readable ? `${readable}-` : ''}${hash}`;
}

export function listLockActivities(config: ActivityConfig) {
  return {
    /** Asks the list's lock for the list (starting the lock if none runs). Safe to repeat: the lock ignores a repeated request. */
    async requestListLock(input: RequestListLockInput): Promise<ListLockClaim> {
      const { client, apiCalls } = clientFor(config, input.credential);
      const account = await accountKey(client, resolveApiKey(config.klaviyo, input.credential), (m) => log.warn(m));
      // A run by id and a run by name of the same list must share a lock: both are keyed by the name.
      const listName = input.listName ?? (await client.getList(input.listId!)).name;
      const lockId = listLockId(account, listName, config.readableLockIds ?? true);
      const lockInput: ListLockInput = {
        listName,
        account,
        holderCheckMs: config.listLockCheckMs ?? DEFAULT_HOLDER_CHECK_MS,
      };
      await getClient().workflow.signalWithStart(LIST_LOCK_WORKFLOW_TYPE, {
        workflowId: lockId,
        taskQueue: activityInfo().taskQueue,
        args: [lockInput],
        signal: LIST_LOCK_REQUEST_SIGNAL,
        signalArgs: [input.request],
        staticSummary: `One writer at a time for Klaviyo list "${listName}"`,
      });
      return { lockId, listName, apiCalls };
    },

    /** False once the holder's run chain has closed (completed, failed, terminated, timed out) or was replaced. */
    async listLockHolderOpen(holder: HolderRef): Promise<boolean> {
      try {
        const described = await getClient().workflow.getHandle(holder.workflowId).describe();
        if (described.status.name !== 'RUNNING') return false;
        const firstRunId = described.raw.workflowExecutionInfo?.firstRunId;
        return !firstRunId || firstRunId === holder.firstRunId;
      } catch (err) {
        if (err instanceof WorkflowNotFoundError) return false;
        throw err;
      }
    },
  };
}
