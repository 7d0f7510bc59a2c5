/**
 * What the store knows of one list, as a run's plan and `estimate` both need it: the members as a digest to
 * diff an audience against, and whether this run must read the list's membership in full (the drift check).
 */
import { MemberDigest } from '../audience/memberDigest';
import type { ListState, MemberHashes, MemberRow, MemberSource, SyncStateStore } from './types';

/** Members loaded from the store per query. */
export const MEMBER_PAGE = 10_000;

/** Why a run reads the whole list: the store knows nothing of it, the input asks, or the cadence is due. */
export type VerifyReason = 'no_state' | 'requested' | 'cadence';

export async function loadMemberDigest(store: SyncStateStore, account: string, listId: string, source: MemberSource): Promise<MemberDigest> {
  const digest = new MemberDigest();
  // Stored members: keys and hashes only, what the diff needs, read from the members' key index.
  if (source.kind === 'stored') return fill(digest, (after) => store.memberHashPage(account, listId, after?.emailKey, MEMBER_PAGE));
  return fill(digest, (after: MemberRow | undefined) => store.memberPage(account, listId, source, after, MEMBER_PAGE));
}

/** Adds pages to the digest, each after the last member of the one before, until a short page. */
async function fill<T extends MemberHashes>(digest: MemberDigest, nextPage: (after: T | undefined) => Promise<T[]>): Promise<MemberDigest> {
  let after: T | undefined;
  for (;;) {
    const page = await nextPage(after);
    digest.add(page);
    if (page.length < MEMBER_PAGE) return digest;
    after = page[page.length - 1];
  }
}

/** Undefined when the stored members can be trusted as they are. */
export function membershipReadReason(state: ListState | undefined, requested: boolean, everyMs: number, now: number): VerifyReason | undefined {
  if (requested) return 'requested';
  if (!state) return 'no_state';
  if (state.verifiedAt === null || now - state.verifiedAt >= everyMs) return 'cadence';
  return undefined;
}
