/** List activities: prove the credential (and learn its account), find the list, create it. */
import { log } from '@temporalio/activity';
import { SyncFailure } from '../failures';
import { oldestList, type KlaviyoClient } from '../klaviyo/client';
import { KlaviyoError } from '../klaviyo/errors';
import type { ActivityConfig } from '../config';
import { resolveApiKey } from '../credentials';
import { accountKey } from '../klaviyo/account';
import { clientFor } from './klaviyoClient';

/** Klaviyo's account-wide cap on lists and segments together. */
export const MAX_LISTS_AND_SEGMENTS = 1000;

export interface CredentialRef {
  credential: string;
}

export interface FindListInput extends CredentialRef {
  listName?: string;
  listId?: string;
}

export interface FindListResult {
  /** Null when no list has the name (yet). */
  listId: string | null;
  listName: string;
  apiCalls: Record<string, number>;
}

export interface EnsureListResult {
  listId: string;
  listName: string;
  created: boolean;
  apiCalls: Record<string, number>;
}

export function listActivities(config: ActivityConfig) {
  return {
    /** Proves the key works; the account id keys the sync state (and the list lock). */
    async validateCredential({ credential }: CredentialRef): Promise<{ account: string; apiCalls: Record<string, number> }> {
      const { client, apiCalls } = clientFor(config, credential);
      await client.checkKey();
      const account = await accountKey(client, resolveApiKey(config.klaviyo, credential), (m) => log.warn(m));
      return { account, apiCalls };
    },

    /** The list by id, or by exact name over all pages (the oldest of several); never creates one. */
    async findList(input: FindListInput): Promise<FindListResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      if (input.listId) {
        const list = await client.getList(input.listId);
        return { listId: list.id, listName: list.name, apiCalls };
      }
      const found = await client.findListsByName(input.listName!);
      const existing = oldestList(found);
      if (existing && found.length > 1) log.warn('Several Klaviyo lists share this name; using the oldest', { listId: existing.id });
      return { listId: existing?.id ?? null, listName: input.listName!, apiCalls };
    },

    /**
     * The list the run sends to is still there: a bulk import into a deleted list completes as if nothing
     * were wrong, so after the batches one read tells (a 404 becomes `list_deleted`, see guards.ts).
     */
    async confirmList(input: CredentialRef & { listId: string }): Promise<{ apiCalls: Record<string, number> }> {
      const { client, apiCalls } = clientFor(config, input.credential);
      await client.getList(input.listId);
      return { apiCalls };
    },

    /**
     * Creates the list, after the audience was read. Looks the name up first, so a retry after an
     * ambiguous failure finds the list the first attempt made instead of making a second one.
     */
    async ensureList(input: CredentialRef & { listName: string }): Promise<EnsureListResult> {
      const { client, apiCalls } = clientFor(config, input.credential);
      const name = input.listName;
      const existing = oldestList(await client.findListsByName(name));
      if (existing) return { listId: existing.id, listName: name, created: false, apiCalls };
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
      return { listId: list.id, listName: name, created: true, apiCalls };
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
