/**
 * For `estimate`: the list's current size, read from Klaviyo with the key the workers would use for the
 * same credential (read-only calls: find by name, then the profile count). Without a key the estimate
 * assumes a new list and says so.
 */
import type { KlaviyoSettings } from '../config';
import { findApiKey } from '../credentials';
import { KlaviyoClient, oldestList } from '../klaviyo/client';

export interface ListSize {
  exists: boolean;
  members: number;
  /** Read from Klaviyo, given with --list-members, or assumed new for want of a key. */
  source: 'klaviyo' | 'flag' | 'assumed';
}

export async function lookUpListSize(listName: string, settings: KlaviyoSettings, credential: string): Promise<ListSize> {
  const apiKey = findApiKey(settings, credential);
  if (!apiKey) return { exists: false, members: 0, source: 'assumed' };
  const client = new KlaviyoClient({ apiKey, baseUrl: settings.baseUrl, speedFactor: settings.rateSpeedFactor });
  const list = oldestList(await client.findListsByName(listName));
  if (!list) return { exists: false, members: 0, source: 'klaviyo' };
  const withCount = await client.getList(list.id, { profileCount: true });
  return { exists: true, members: withCount.profileCount ?? 0, source: 'klaviyo' };
}
