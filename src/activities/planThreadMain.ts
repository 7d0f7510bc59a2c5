/** The plan thread's entry (see planThread.ts): its own store connection, the pass, then one answer. */
import { parentPort, workerData } from 'node:worker_threads';
import { openStateStore } from '../store/open';
import { planIntoStore } from './planPass';
import { toThreadError, type PlanJob, type ThreadMessage } from './planThread';

const post = (message: ThreadMessage) => parentPort!.postMessage(message);

/**
 * The plan's connection reads the members' key index once in order and writes each batch once, as one value:
 * nothing it reads is read again, so a page cache beyond SQLite's default only holds memory (a 1M-member
 * refresh filled the default 32 MiB with the digest's pages and kept them for the whole plan).
 */
const PLAN_CACHE_MIB = 2;
/**
 * The pass goes on while its writes wait for the write lock (SnapshotSink), so a wait never blocks the thread;
 * and the activities' connection, which commits every batch sent, checkpoints the log first: a checkpoint
 * here would stop the pass while it copies 64 MiB.
 */
const PLAN_CONNECTION = { cacheMiB: PLAN_CACHE_MIB, blockingBusyMs: 0, checkpointMiB: 256 };

async function run(job: PlanJob) {
  const store = await openStateStore(job.store.location, PLAN_CONNECTION);
  try {
    if (store.location !== job.store.shownAs) {
      throw new Error(`the plan thread opened the sync-state store at ${store.location}, not the activity's (${job.store.shownAs})`);
    }
    return await planIntoStore(store, job, (progress) => post({ progress }));
  } finally {
    await store.close();
  }
}

run(workerData as PlanJob).then(
  (done) => post({ done }),
  (err: unknown) => post({ failed: toThreadError(err) }),
);
