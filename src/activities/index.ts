/**
 * All activities, built from one config (dependency injection as in Temporal's samples), each wrapped
 * so its errors are classified into Temporal failures in one place.
 */
import type { ActivityConfig } from '../config';
import { alertActivities } from './alerts';
import { audienceActivities } from './audience';
import { listActivities } from './lists';
import { listLockActivities } from './listLock';
import { reconcileActivities } from './reconcile';
import { upsertActivities } from './upsert';
import { mapFailures } from './failureAdapter';

export function createActivities(config: ActivityConfig) {
  const all = {
    ...listActivities(config),
    ...audienceActivities(config),
    ...upsertActivities(config),
    ...reconcileActivities(config),
    ...listLockActivities(config),
    ...alertActivities(config),
  };
  return Object.fromEntries(Object.entries(all).map(([name, fn]) => [name, mapFailures(fn as never)])) as typeof all;
}

export type AudienceSyncActivities = ReturnType<typeof createActivities>;
