/**
 * All activities, built from one config (dependency injection as in Temporal's samples), each wrapped
 * so its errors are classified into Temporal failures in one place.
 */
import type { ActivityConfig } from './config';
import { audienceActivities } from './audience';
import { klaviyoActivities } from './klaviyo';
import { listLockActivities } from './listLock';
import { reconcileActivities } from './reconcile';
import { upsertActivities } from './upsert';
import { mapFailures } from './failures';

export function createActivities(config: ActivityConfig) {
  const all = {
    ...klaviyoActivities(config),
    ...audienceActivities(config),
    ...upsertActivities(config),
    ...reconcileActivities(config),
    ...listLockActivities(config),
  };
  return Object.fromEntries(Object.entries(all).map(([name, fn]) => [name, mapFailures(fn as never)])) as typeof all;
}

export type AudienceSyncActivities = ReturnType<typeof createActivities>;
export { activityConfigFromEnv, type ActivityConfig } from './config';
