/**
 * For `estimate`: the list's current size, read from Klaviyo when a key is configured (read-only calls:
 * find by name, then the profile count). Without a key the estimate assumes a new list and says so.
 */
import { KlaviyoClient, DEFAULT_BASE_URL, oldestList } from '../klaviyo/client';

export interface ListSize {
  exists: boolean;
  members: number;
  /** Read from Klaviyo, given with --list-members, or assumed new for want of a key. */
  source: 'klaviyo' | 'flag' | 'assumed';
}

export async function lookUpListSize(listName: string, env: NodeJS.ProcessEnv): Promise<ListSize> {
  const apiKey = env.KLAVIYO_API_KEY;
  if (!apiKey) return { exists: false, members: 0, source: 'assumed' };
  const client = new KlaviyoClient({
    apiKey,
    baseUrl: env.KLAVIYO_BASE_URL || DEFAULT_BASE_URL,
    speedFactor: Number(env.KLAVIYO_RATE_SPEED) || 1,
  });
  const list = oldestList(await client.findListsByName(listName));
  if (!list) return { exists: false, members: 0, source: 'klaviyo' };
  const withCount = await client.getList(list.id, { profileCount: true });
  return { exists: true, members: withCount.profileCount ?? 0, source: 'klaviyo' };
}
