/**
 * reconcileList: removes list members who are not in the audience, after a guard against emptying
 * the list by mistake (an empty or truncated source). Removal only ends list membership; it never
 * changes consent. Retries are safe: the diff is recomputed, and members already removed are gone
 * from the list.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType, type AudienceSource } from '../shared';
import { AudienceEmailSet } from '../audience/emailSet';
import type { ActivityConfig } from './config';
import { clientFor } from './klaviyoClient';
import { withHeartbeatTicker } from './heartbeatTicker';
import type { CredentialRef } from './klaviyo';

/** Klaviyo takes at most this many profile ids per add/remove call. */
const REMOVE_CHUNK = 1000;

export interface ReconcileInput extends CredentialRef {
  listId: string | null;
  audience: AudienceSource;
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

export function reconcileActivities(config: ActivityConfig) {
  return {
    async reconcileList(input: ReconcileInput): Promise<ReconcileResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      if (!input.listId) return { listSize: 0, inAudience: 0, toRemove: 0, removed: 0, apiCalls };
      const listId = input.listId;
      let listSize = 0;
      const removals: string[] = [];
      const progress = { scanned: 0, removed: 0 };
      return withHeartbeatTicker(() => progress, async () => {
      const audience = await AudienceEmailSet.fromSource(input.audience);
      for await (const page of client.listMemberPages(listId)) {
        for (const member of page.members) {
          listSize++;
          if (!member.email || !audience.has(member.email)) removals.push(member.id);
        }
        progress.scanned = listSize;
      }
      const result = { listSize, inAudience: listSize - removals.length, toRemove: removals.length, removed: 0, apiCalls };
      if (input.dryRun || removals.length === 0) return result;

      const share = removals.length / listSize;
      if (!input.allowShrink && (audience.size === 0 || share > input.maxRemovalShare)) {
        const details: ShrinkDetails = { listSize, toRemove: removals.length, audienceEmails: audience.size };
        throw ApplicationFailure.create({
          type: FailureType.AudienceShrink,
          message:
            `Reconciliation would remove ${removals.length} of the list's ${listSize} members ` +
            `(${Math.round(share * 100)}%, above the ${Math.round(input.maxRemovalShare * 100)}% guard)` +
            (audience.size === 0 ? ' because the audience is empty' : '') +
            '; nothing was removed.',
          nonRetryable: true,
          details: [details],
        });
      }
      for (let i = 0; i < removals.length; i += REMOVE_CHUNK) {
        await client.removeListMembers(listId, removals.slice(i, i + REMOVE_CHUNK));
        result.removed += Math.min(REMOVE_CHUNK, removals.length - i);
        progress.removed = result.removed;
      }
      return result;
      });
    },
  };
}
