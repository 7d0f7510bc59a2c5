/**
 * verifyMembership: the drift check. People edit lists by hand in Klaviyo, so now and then a run reads the
 * whole list (when the store knows nothing of it, when the input asks, and every AUDIENCE_VERIFY_EVERY per
 * list) and makes the stored members equal what is really there: strangers are stored with unknown hashes
 * (so they are sent or removed), members removed by hand are forgotten (so they are added again), profile
 * ids are refreshed. A dry run reads into its own scratch and changes nothing.
 *
 * Killed midway, the retried attempt resumes from the page cursor in its heartbeat details.
 */
import { activityInfo } from '@temporalio/activity';
import { loadHashes } from '../audience/emailHash';
import type { SyncStateStore } from '../store/types';
import { membershipReadReason, type VerifyReason } from '../store/listMembers';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';
import { heartbeatNow, withHeartbeatTicker } from './heartbeatTicker';
import type { CredentialRef } from './lists';
import type { MembershipBeat } from '../progress/beats';

export interface VerifyMembershipInput extends CredentialRef {
  runKey: string;
  account: string;
  listId: string;
  listName: string;
  /** The input's `verifyMembership`: read the list whatever the store says. */
  requested: boolean;
  dryRun: boolean;
}


export interface VerifyMembershipResult {
  /** Why the list was read; absent when it was not. */
  reason?: VerifyReason;
  /** Members on the list; strangers (not stored) and missing (stored, not on the list) among them. */
  listed: number;
  strangers: number;
  missing: number;
  apiCalls: Record<string, number>;
}

interface ReadProgress extends MembershipBeat {
  /** Cursor of the next page to read; null once the last page is stored. */
  cursor: string | undefined | null;
}

export function membershipActivities(config: ActivityConfig, store: SyncStateStore) {
  return {
    async verifyMembership(input: VerifyMembershipInput): Promise<VerifyMembershipResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      const state = await store.listState(input.account, input.listId);
      const reason = membershipReadReason(state, input.requested, config.state.verifyEveryMs, Date.now());
      if (!reason) return { listed: 0, strangers: 0, missing: 0, apiCalls };
      const { emailKey } = await loadHashes();
      const progress: ReadProgress = (activityInfo().heartbeatDetails as ReadProgress | undefined) ?? { cursor: undefined, read: 0, pages: 0 };
      // The stored size is the total `status` shows against the members read (a list the store knows nothing of has none).
      if (state) progress.listSize = await store.countMembers(input.account, input.listId);
      await withHeartbeatTicker(
        () => progress,
        async () => {
          if (progress.cursor === null) return;
          for await (const page of client.listMemberPages(input.listId, progress.cursor ? { cursor: progress.cursor } : {})) {
            await store.putReadMembers(
              input.runKey,
              page.members.map((m) => {
                const email = m.email?.trim().toLowerCase() || null;
                return { profileId: m.id, email, emailKey: email === null ? null : emailKey(email) };
              }),
            );
            progress.read += page.members.length;
            progress.pages = (progress.pages ?? 0) + 1;
            progress.cursor = page.nextCursor;
            heartbeatNow(progress);
          }
          progress.cursor = null;
          heartbeatNow(progress);
        },
      );
      const drift = await store.readDrift(input.account, input.listId, input.runKey);
      if (!input.dryRun) {
        await store.applyReadMembers(input.account, input.listId, input.runKey);
        await store.touchList(input.account, input.listId, input.listName, Date.now());
      }
      return { reason, ...drift, apiCalls };
    },
  };
}
