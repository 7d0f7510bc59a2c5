/**
 * removeDepartures: removes the members the plan found gone from the audience, by stored profile id, with
 * no list read: ids the store lacks (members sent since the last membership read) are looked up by e-mail,
 * 100 a call. Behind a guard against emptying the list by mistake (an empty or truncated source). Removal
 * only ends list membership; it never changes consent. The store forgets each page of members once removed;
 * the page reached travels in heartbeat details, so a retry resumes there (a repeated removal is harmless).
 */
import { activityInfo } from '@temporalio/activity';
import { SyncFailure } from '../failures';
import { MAX_EMAILS_PER_LOOKUP, MAX_MEMBERS_PER_CALL } from '../klaviyo/client';
import { loadHashes } from '../audience/emailHash';
import type { SyncStateStore } from '../store/types';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';
import { heartbeatNow, withHeartbeatTicker } from './heartbeatTicker';
import type { CredentialRef } from './lists';
import type { RemovalBeat } from '../progress/beats';

export interface RemoveDeparturesInput extends CredentialRef {
  runKey: string;
  account: string;
  listId: string;
  /** Members now (before the run, as stored or read, plus this run's adds), and how many left the audience. */
  listSize: number;
  toRemove: number;
  /** E-mails in the audience (valid rows, and rejected rows with a valid e-mail). */
  audienceEmails: number;
  maxRemovalShare: number;
  /** Set after an operator resolved an `audience_shrink` action. */
  allowShrink: boolean;
}

export interface RemoveDeparturesResult {
  removed: number;
  /** Departed members Klaviyo has no profile for any more (deleted there): nothing to remove. */
  gone: number;
  apiCalls: Record<string, number>;
}

export interface ShrinkDetails {
  listSize: number;
  toRemove: number;
  audienceEmails: number;
}

/** `status` reads the counts as the removal phase's progress (progress/beats.ts). */
interface RemovalProgress extends RemovalBeat {
  afterSeq: number;
}

export function removalActivities(config: ActivityConfig, store: SyncStateStore) {
  return {
    async removeDepartures(input: RemoveDeparturesInput): Promise<RemoveDeparturesResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      if (input.toRemove === 0) return { removed: 0, gone: 0, apiCalls };
      if (!input.allowShrink) guardAgainstShrink(input.listSize, input.toRemove, input.audienceEmails, input.maxRemovalShare);
      // Departures carry the stored e-mail, whose key the store holds (membership.ts and the plan key it the same).
      const { emailKey } = await loadHashes();
      const progress: RemovalProgress = (activityInfo().heartbeatDetails as RemovalProgress | undefined) ?? { afterSeq: 0, removed: 0, gone: 0 };
      await withHeartbeatTicker(
        () => progress,
        async () => {
          for (;;) {
            const page = await store.departurePage(input.runKey, progress.afterSeq, MAX_MEMBERS_PER_CALL);
            if (page.length === 0) return;
            const ids = page.flatMap((d) => (d.profileId ? [d.profileId] : []));
            const unknown = page.flatMap((d) => (!d.profileId && d.email ? [d.email] : []));
            for (let i = 0; i < unknown.length; i += MAX_EMAILS_PER_LOOKUP) {
              const found = await client.profileIdsByEmail(unknown.slice(i, i + MAX_EMAILS_PER_LOOKUP));
              ids.push(...found.values());
              const asked = Math.min(MAX_EMAILS_PER_LOOKUP, unknown.length - i);
              progress.gone += asked - found.size;
              progress.lookedUp = (progress.lookedUp ?? 0) + asked;
            }
            if (ids.length > 0) await client.removeListMembers(input.listId, ids);
            await store.forgetMembers(input.account, input.listId, page.flatMap((d) => (d.email ? [{ email: d.email, emailKey: emailKey(d.email) }] : [])));
            progress.removed += ids.length;
            progress.afterSeq = page[page.length - 1]!.seq;
            heartbeatNow(progress);
          }
        },
      );
      return { removed: progress.removed, gone: progress.gone, apiCalls };
    },
  };
}

function guardAgainstShrink(listSize: number, toRemove: number, audienceEmails: number, maxShare: number): void {
  const share = listSize > 0 ? toRemove / listSize : 1;
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
