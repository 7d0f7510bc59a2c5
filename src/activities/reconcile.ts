/**
 * reconcileList: removes list members who are not in the audience, after a guard against emptying
 * the list by mistake (an empty or truncated source). Removal only ends list membership; it never
 * changes consent. Retries are safe: the diff is recomputed, members already removed are gone from
 * the list, and the count removed so far travels in heartbeat details.
 */
import { activityInfo } from '@temporalio/activity';
import { SyncFailure } from '../failures';
import type { RowFileSource } from '../shared';
import type { KlaviyoClient } from '../klaviyo/client';
import { AudienceEmailSet } from '../audience/emailSet';
import { checkFingerprint, type AudienceFingerprint } from '../audience/plan';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';
import { heartbeatNow, withHeartbeatTicker } from './heartbeatTicker';
import type { CredentialRef } from './lists';

/** Klaviyo takes at most this many profile ids per add/remove call. */
const REMOVE_CHUNK = 1000;

export interface ReconcileInput extends CredentialRef {
  listId: string | null;
  /** The audience file, or a query source's snapshot. */
  audience: RowFileSource;
  /** The plan's fingerprint: the audience must be the file the batches were sent from. */
  fingerprint: AudienceFingerprint;
  maxRemovalShare: number;
  /** Set after an operator resolved an `audience_shrink` action. */
  allowShrink: boolean;
  /** Compute the diff only. */
  dryRun: boolean;
}

export interface ReconcileResult {
  listSize: number;
  /** Members whose email is in the audience. */
  inAudience: number;
  toRemove: number;
  removed: number;
  apiCalls: Record<string, number>;
}

export interface ShrinkDetails {
  listSize: number;
  toRemove: number;
  audienceEmails: number;
}

interface ReconcileProgress {
  scanned: number;
  /** Members removed by this and earlier attempts. */
  removed: number;
}

export function reconcileActivities(config: ActivityConfig) {
  return {
    async reconcileList(input: ReconcileInput): Promise<ReconcileResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      if (!input.listId) return { listSize: 0, inAudience: 0, toRemove: 0, removed: 0, apiCalls };
      const listId = input.listId;
      const earlier = activityInfo().heartbeatDetails as ReconcileProgress | undefined;
      const progress: ReconcileProgress = { scanned: 0, removed: earlier?.removed ?? 0 };
      return withHeartbeatTicker(
        () => progress,
        async () => {
          await checkFingerprint(input.audience, input.fingerprint);
          const audience = await AudienceEmailSet.fromSource(input.audience);
          const { listSize, removals } = await diffMembers(client, listId, audience, progress);
          const result = { listSize, inAudience: listSize - removals.length, toRemove: removals.length, removed: progress.removed, apiCalls };
          if (input.dryRun || removals.length === 0) return result;
          if (!input.allowShrink) guardAgainstShrink(listSize, removals.length, audience.size, input.maxRemovalShare);
          for (let i = 0; i < removals.length; i += REMOVE_CHUNK) {
            const chunk = removals.slice(i, i + REMOVE_CHUNK);
            await client.removeListMembers(listId, chunk);
            progress.removed += chunk.length;
            heartbeatNow(progress);
          }
          return { ...result, removed: progress.removed };
        },
      );
    },
  };
}

/** Pages the whole list; returns its size and the ids of members whose email is not in the audience. */
async function diffMembers(client: KlaviyoClient, listId: string, audience: AudienceEmailSet, progress: ReconcileProgress) {
  let listSize = 0;
  const removals: string[] = [];
  for await (const page of client.listMemberPages(listId)) {
    for (const member of page.members) {
      listSize++;
      if (!member.email || !audience.has(member.email)) removals.push(member.id);
    }
    progress.scanned = listSize;
  }
  return { listSize, removals };
}

function guardAgainstShrink(listSize: number, toRemove: number, audienceEmails: number, maxShare: number): void {
  const share = toRemove / listSize;
  if (audienceEmails > 0 && share <= maxShare) return;
  const details: ShrinkDetails = { listSize, toRemove, audienceEmails };
  throw new SyncFailure(
    'audience_shrink',
    `Reconciliation would remove ${toRemove} of the list's ${listSize} members ` +
      `(${Math.round(share * 100)}%, above the ${Math.round(maxShare * 100)}% guard)` +
      (audienceEmails === 0 ? ' because the audience is empty' : '') +
      '; nothing was removed.',
    { details: { ...details } },
  );
}
