/** Signal and query definitions, shared by the workflows and any TypeScript client. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import {
  LIST_LOCK_RELEASE_SIGNAL,
  LIST_LOCK_REPLY_SIGNAL,
  LIST_LOCK_REQUEST_SIGNAL,
  LIST_LOCK_STATE_QUERY,
  RESOLVE_SIGNAL,
  STATUS_QUERY,
  type ListLockRelease,
  type ListLockReply,
  type ListLockRequest,
  type SyncStatus,
} from '../shared';

export const resolveSignal = defineSignal<[]>(RESOLVE_SIGNAL);
export const statusQuery = defineQuery<SyncStatus>(STATUS_QUERY);

export const listLockRequestSignal = defineSignal<[ListLockRequest]>(LIST_LOCK_REQUEST_SIGNAL);
export const listLockReleaseSignal = defineSignal<[ListLockRelease]>(LIST_LOCK_RELEASE_SIGNAL);
export const listLockReplySignal = defineSignal<[ListLockReply]>(LIST_LOCK_REPLY_SIGNAL);

export interface ListLockState {
  listName: string;
  account: string;
  /** Workflow id of the run holding the list. */
  holder?: string;
  /** Workflow ids of the runs waiting, first in line first. */
  waiting: string[];
}
export const listLockStateQuery = defineQuery<ListLockState>(LIST_LOCK_STATE_QUERY);
