/**
 * The Klaviyo account a key belongs to: the key of every list lock and of the sync-state store, so a rotated
 * key of the same account keeps both.
 */
import { createHash } from 'node:crypto';
import { log } from '@temporalio/activity';
import type { KlaviyoClient } from '../klaviyo/client';
import { KlaviyoError } from '../klaviyo/errors';

/** Account ids already read, by a hash of the key: the accounts endpoint allows only 15 calls a minute. */
const accountByKeyHash = new Map<string, string>();

/**
 * The Klaviyo account id (not a secret). A key without accounts:read falls back to a hash of the key,
 * never the key: runs with the same key still share locks, runs with another key of the account do not.
 */
export async function accountKey(client: KlaviyoClient, apiKey: string): Promise<string> {
  const keyHash = createHash('sha256').update(apiKey).digest('hex');
  const known = accountByKeyHash.get(keyHash);
  if (known) return known;
  try {
    const id = await client.accountId();
    if (id) {
      accountByKeyHash.set(keyHash, id);
      return id;
    }
  } catch (err) {
    if (!(err instanceof KlaviyoError) || err.kind !== 'missing_scope') throw err;
  }
  log.warn(
    'The Klaviyo key cannot read its account (accounts:read); list locks and sync state are keyed by a hash of the key, so runs using another key of the same account do not share them',
  );
  return `key-${keyHash.slice(0, 16)}`;
}
