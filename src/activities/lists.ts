/** List activities: prove the credential, find or create the list, count its members. */
import { log } from '@temporalio/activity';
import { SyncFailure } from '../failures';
import { oldestList, type KlaviyoClient } from '../klaviyo/client';
import { KlaviyoError } from '../klaviyo/errors';
import type { ActivityConfig } from '../config';
import { clientFor } from './klaviyoClient';

/** Klaviyo's account-wide cap on lists and segments together. */
export const MAX_LISTS_AND_SEGMENTS = 1000;

export interface CredentialRef {
  credential: string;
}

export interface EnsureListInput extends CredentialRef {
  listName?: string;
  listId?: string;
  /** Dry runs never create a list: an absent list is reported as such. */
  dryRun: boolean;
}

export interface EnsureListResult {
  listId: string | null;
  listName?: string;
  created: boolean;
  /** Members before this run touched the list. */
  profileCount: number;
  apiCalls: Record<string, number>;
}

export function listActivities(config: ActivityConfig) {
  return {
    async validateCredential({ credential }: CredentialRef): Promise<{ apiCalls: Record<string, number> }> {
      const { client, apiCalls } = clientFor(config, credential);
      await client.checkKey();
      return { apiCalls };
    },

    async ensureList(input: EnsureListInput): Promise<EnsureListResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      if (input.listId) {
        const list = await client.getList(input.listId, { profileCount: true });
        return { listId: list.id, listName: list.name, created: false, profileCount: list.profileCount ?? 0, apiCalls };
      }
      const name = input.listName!;
      const found = await client.findListsByName(name);
      const existing = oldestList(found);
      if (existing) {
        if (found.length > 1) log.warn('Several Klaviyo lists share this name; using the oldest', { listId: existing.id });
        const withCount = await client.getList(existing.id, { profileCount: true });
        return { listId: existing.id, listName: name, created: false, profileCount: withCount.profileCount ?? 0, apiCalls };
      }
      if (input.dryRun) return { listId: null, listName: name, created: false, profileCount: 0, apiCalls };
      const counted = await countOrSkip(client);
      if (counted && counted.lists + counted.segments >= MAX_LISTS_AND_SEGMENTS) {
        const { lists, segments } = counted;
        throw new SyncFailure(
          'list_limit',
          `The Klaviyo account has ${lists} lists and ${segments} segments, Klaviyo's maximum of ${MAX_LISTS_AND_SEGMENTS}; list "${name}" cannot be created.`,
          { details: { lists, segments } },
        );
      }
      const list = await client.createList(name);
      return { listId: list.id, listName: name, created: true, profileCount: 0, apiCalls };
    },

    async countListMembers(input: CredentialRef & { listId: string }): Promise<{ profileCount: number; apiCalls: Record<string, number> }> {
      const { client, apiCalls } = clientFor(config, input.credential);
      const list = await client.getList(input.listId, { profileCount: true });
      return { profileCount: list.profileCount ?? 0, apiCalls };
    },
  };
}

/**
 * Counts lists and segments before creating a list. A key without segments:read cannot count; then the
 * create call itself is the check (Klaviyo's rejection is classified as the list limit).
 */
async function countOrSkip(client: KlaviyoClient): Promise<{ lists: number; segments: number } | undefined> {
  try {
    return await client.countListsAndSegments();
  } catch (err) {
    if (!(err instanceof KlaviyoError) || err.kind !== 'missing_scope') throw err;
    log.warn('The key cannot read segments; creating the list without checking the lists-and-segments limit first');
    return undefined;
  }
}
