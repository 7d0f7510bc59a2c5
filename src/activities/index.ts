/**
 * All activities, built from one config (dependency injection as in Temporal's samples), each wrapped
 * once here: audience paths confined to AUDIENCE_ROOTS, a heartbeat for as long as it runs (so a dead
 * worker's step moves on within seconds), a deleted list recognised, and errors classified into Temporal failures.
 */
import type { ActivityConfig } from '../config';
import { alertActivities } from './alerts';
import { audienceActivities } from './audience';
import { listActivities } from './lists';
import { listLockActivities } from './listLock';
import { reconcileActivities } from './reconcile';
import { upsertActivities } from './upsert';
import { mapFailures } from './failureAdapter';
import { confinedToRoots, listGoneAsDeleted } from './guards';
import { keepAlive } from './heartbeatTicker';

/** Activities that use the list after the run found or created it: a 404 there means someone deleted it. */
const USES_ENSURED_LIST = new Set(['upsertBatch', 'countListMembers', 'reconcileList']);

export function createActivities(config: ActivityConfig) {
  const all = {
    ...listActivities(config),
    ...audienceActivities(config),
    ...upsertActivities(config),
    ...reconcileActivities(config),
    ...listLockActivities(config),
    ...alertActivities(config),
  };
  const wrap = (name: string, fn: (input: never) => Promise<unknown>) => {
    // A query source's snapshot is the run's own file, under the snapshot folder: batches may read it there.
    const confined = confinedToRoots(fn, config.audienceRoots, [config.sources.snapshotDir]);
    const listAware = USES_ENSURED_LIST.has(name) ? listGoneAsDeleted(confined) : confined;
    return mapFailures((input: never) => keepAlive(() => listAware(input)));
  };
  return Object.fromEntries(Object.entries(all).map(([name, fn]) => [name, wrap(name, fn as never)])) as typeof all;
}

export type AudienceSyncActivities = ReturnType<typeof createActivities>;
