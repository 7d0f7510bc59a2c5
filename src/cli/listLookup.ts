/**
 * For `estimate`: the list as the workers would find it, read from Klaviyo with the key the workers would
 * use for the same credential (read-only calls: find by name, the profile count, the account id that keys
 * the stored state). Without a key the estimate assumes a new list and says so.
 */
import type { KlaviyoSettings } from '../config';
import { findApiKey } from '../credentials';
import { accountKey } from '../klaviyo/account';
import { KlaviyoClient, oldestList } from '../klaviyo/client';

export interface ListSize {
  exists: boolean;
  members: number;
  /** Read from Klaviyo, given with --list-members, or assumed new for want of a key. */
  source: 'klaviyo' | 'flag' | 'assumed';
  /** Known when read from Klaviyo: where the workers keep the list's sync state. */
  listId?: string;
  account?: string;
}

export async function lookUpListSize(listName: string, settings: KlaviyoSettings, credential: string, warn: (message: string) => void): Promise<ListSize> {
  const apiKey = findApiKey(settings, credential);
  if (!apiKey) return { exists: false, members: 0, source: 'assumed' };
  const client = new KlaviyoClient({ apiKey, baseUrl: settings.baseUrl, speedFactor: settings.rateSpeedFactor });
  const list = oldestList(await client.findListsByName(listName));
  if (!list) return { exists: false, members: 0, source: 'klaviyo' };
  const withCount = await client.getList(list.id, { profileCount: true });
  const account = await accountKey(client, apiKey, warn);
  return { exists: true, members: withCount.profileCount ?? 0, source: 'klaviyo', listId: list.id, account };
}
