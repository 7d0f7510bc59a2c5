/**
 * For `estimate`: what the workers' sync-state store knows of a list, read without changing anything, so a
 * refresh is priced as the incremental run it will be (only new and changed rows sent, removals by stored id).
 */
import type { MemberDigest } from '../audience/memberDigest';
import { stateStoreSettingsFromEnv } from '../config';
import type { ListState } from '../store/types';

export type StoredList =
  | { kind: 'known'; state: ListState; members: MemberDigest }
  /** The store has nothing for this list: the run reads its membership and sends every valid row. */
  | { kind: 'none' }
  | { kind: 'unavailable'; reason: string };

export async function readStoredList(env: NodeJS.ProcessEnv, account: string, listId: string): Promise<StoredList> {
  const { openExistingStateStore } = require('../store/open') as typeof import('../store/open');
  const { loadMemberDigest } = require('../store/listMembers') as typeof import('../store/listMembers');
  const { location } = stateStoreSettingsFromEnv(env);
  let store;
  try {
    store = await openExistingStateStore(location);
  } catch (err) {
    // The message names the store by its location without credentials (SyncStateStore.location).
    return { kind: 'unavailable', reason: (err as Error).message };
  }
  if (!store) return { kind: 'none' };
  try {
    const state = await store.listState(account, listId);
    if (!state) return { kind: 'none' };
    return { kind: 'known', state, members: await loadMemberDigest(store, account, listId, { kind: 'stored' }) };
  } finally {
    await store.close();
  }
}
