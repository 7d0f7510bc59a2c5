/** Signal and query definitions, shared by the workflow and any TypeScript client. */
import { defineQuery, defineSignal } from '@temporalio/workflow';
import { RESOLVE_SIGNAL, STATUS_QUERY, type SyncStatus } from '../shared';

export const resolveSignal = defineSignal<[]>(RESOLVE_SIGNAL);
export const statusQuery = defineQuery<SyncStatus>(STATUS_QUERY);
