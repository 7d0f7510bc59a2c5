/**
 * All activities, built from one config and the sync-state store (dependency injection as in Temporal's
 * samples), each wrapped so its errors are classified into Temporal failures in one place.
 */
import type { ActivityConfig } from '../config';
import type { SyncStateStore } from '../store/types';
import { audienceActivities } from './audience';
import { listActivities } from './lists';
import { listLockActivities } from './listLock';
import { membershipActivities } from './membership';
import { removalActivities } from './removals';
import { upsertActivities } from './upsert';
import { mapFailures } from './failureAdapter';

export function createActivities(config: ActivityConfig, store: SyncStateStore) {
  const all = {
    ...listActivities(config),
    ...audienceActivities(config, store),
    ...membershipActivities(config, store),
    ...upsertActivities(config, store),
    ...removalActivities(config, store),
    ...listLockActivities(config),
  };
  return Object.fromEntries(Object.entries(all).map(([name, fn]) => [name, mapFailures(fn as never)])) as typeof all;
}

export type AudienceSyncActivities = ReturnType<typeof createActivities>;
