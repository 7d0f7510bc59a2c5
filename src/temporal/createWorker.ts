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

/**
 * A bundle made at build time (`npm run build` writes lib/workflow-bundle.js) spares each worker start
 * the webpack run and its memory. WORKFLOW_BUNDLE_PATH names another; it must come from the same code.
 */
function prebuiltBundle(): WorkerOptions['workflowBundle'] | undefined {
  const file = process.env.WORKFLOW_BUNDLE_PATH || path.join(__dirname, '..', 'workflow-bundle.js');
  if (process.env.WORKFLOW_BUNDLE_PATH && !fs.existsSync(file)) {
    throw new Error(`WORKFLOW_BUNDLE_PATH names ${file}, which does not exist`);
  }
  return fs.existsSync(file) ? { codePath: file } : undefined;
}

export async function createAudienceSyncWorker(opts: AudienceSyncWorkerOptions): Promise<Worker> {
  const workflowBundle = opts.workflowBundle ?? prebuiltBundle();
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.activities ?? activityConfigFromEnv()),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath, bundlerOptions: { ignoreModules } }),
    // Bulk import activities mostly wait on Klaviyo; a handful at once per worker is plenty.
    maxConcurrentActivityTaskExecutions: 16,
  });
}
