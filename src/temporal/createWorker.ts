/** Builds the worker that runs audienceSync and its activities; used by src/worker.ts, the demo and tests. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type WorkerOptions } from '@temporalio/worker';
import { createActivities, activityConfigFromEnv, type ActivityConfig } from '../activities';

export interface AudienceSyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  /** Defaults to the worker's environment (activityConfigFromEnv). */
  activities?: ActivityConfig;
  /** A prebuilt workflow bundle (tests share one); otherwise the workflows are bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
}

// The workflows' entry: index.ts when run from source (tsx, tests), index.js when compiled.
const workflowsPath = ['index.ts', 'index.js']
  .map((file) => path.join(__dirname, '..', 'workflows', file))
  .find((file) => fs.existsSync(file))!;
// Heavy, I/O-bound modules belong to activities; keep them out of the deterministic sandbox.
const ignoreModules = ['axios', 'csv-parse', 'libphonenumber-js'];

/** Bundles the workflows once, e.g. for a test suite that starts many workers. */
export async function bundleAudienceSyncWorkflows(): Promise<{ code: string }> {
  return bundleWorkflowCode({ workflowsPath, ignoreModules });
}

export async function createAudienceSyncWorker(opts: AudienceSyncWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.activities ?? activityConfigFromEnv()),
    ...(opts.workflowBundle ? { workflowBundle: opts.workflowBundle } : { workflowsPath, bundlerOptions: { ignoreModules } }),
    // Bulk import activities mostly wait on Klaviyo; a handful at once per worker is plenty.
    maxConcurrentActivityTaskExecutions: 16,
  });
}
