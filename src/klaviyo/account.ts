/**
 * The Klaviyo account a key belongs to: the key of every list lock and of the sync-state store, so a rotated
 * key of the same account keeps both.
 */
import { createHash } from 'node:crypto';
import type { KlaviyoClient } from './client';
import { KlaviyoError } from './errors';

/** Account ids already read, by a hash of the key: the accounts endpoint allows only 15 calls a minute. */
const accountByKeyHash = new Map<string, string>();

/** Said once per fallback, where the caller logs (an activity's logger, the CLI's stderr). */
export const ACCOUNT_FALLBACK_WARNING =
  'The Klaviyo key cannot read its account (accounts:read); list locks and sync state are keyed by a hash of the key, so runs using another key of the same account do not share them';

/**
 * The Klaviyo account id (not a secret). A key without accounts:read falls back to a hash of the key,
 * never the key: runs with the same key still share locks, runs with another key of the account do not.
 * Workers and `estimate` derive it here, so both find the same stored state.
 */
export async function accountKey(client: KlaviyoClient, apiKey: string, warn: (message: string) => void): Promise<string> {
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
  warn(ACCOUNT_FALLBACK_WARNING);
  return `key-${keyHash.slice(0, 16)}`;
}
