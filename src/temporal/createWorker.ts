/** Builds the worker that runs audienceSync and its activities; used by src/worker.ts, the demo and tests. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleWorkflowCode, NativeConnection, Worker, type BundleOptions, type WorkerOptions } from '@temporalio/worker';
import { createActivities } from '../activities';
import type { ActivityConfig, CodecSettings } from '../config';
import type { SyncStateStore } from '../store/types';
import { dataConverterFor, FAILURE_CONVERTER_PATH } from './codec';

export interface AudienceSyncWorkerOptions {
  connection: NativeConnection;
  namespace: string;
  taskQueue: string;
  activities: ActivityConfig;
  /** The sync-state store the activities use (opened once per process: openStateStore). */
  store: SyncStateStore;
  /** A prebuilt workflow bundle (tests share one); otherwise lib/workflow-bundle.js, else bundled at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  /** Another prebuilt bundle file (WORKFLOW_BUNDLE_PATH); it must come from the same code. */
  workflowBundlePath?: string;
  /** Payload encryption (TEMPORAL_CODEC_KEY); the clients that start and read runs need the same keys. */
  codec?: CodecSettings;
}

// The workflows' entry: index.ts when run from source (tsx, tests), index.js when compiled.
const workflowsPath = ['index.ts', 'index.js']
  .map((file) => path.join(__dirname, '..', 'workflows', file))
  .find((file) => fs.existsSync(file))!;
// Heavy, I/O-bound modules belong to activities; keep them out of the deterministic sandbox.
const ignoreModules = ['axios', 'papaparse', 'libphonenumber-js', 'better-sqlite3', 'pg'];

/**
 * The SDK needs an inline source map in the bundle, but not the sources in it (they only serve the stack-trace
 * query's `showStackTraceSources`, off here): the worker keeps the bundle's text and parsed map in its main
 * thread and the workflow thread loads both again. Without the sources and column mappings the bundle is
 * 1.3 MB instead of 3.0 MB and an idle worker ~25 MiB smaller; workflow stack traces still name the source line.
 */
const withSlimSourceMap: NonNullable<BundleOptions['webpackConfigHook']> = (config) => ({
  ...config,
  devtool: 'inline-nosources-cheap-module-source-map',
});

/** Bundles the workflows once, e.g. for a test suite that starts many workers. */
export async function bundleAudienceSyncWorkflows(): Promise<{ code: string }> {
  // The workflows' own failures (a run failing with an activity's message) get the same failure converter.
  return bundleWorkflowCode({ workflowsPath, ignoreModules, failureConverterPath: FAILURE_CONVERTER_PATH, webpackConfigHook: withSlimSourceMap });
}

/** A bundle made at build time (`npm run build` writes lib/workflow-bundle.js) spares each worker start the webpack run and its memory. */
function prebuiltBundle(named: string | undefined): WorkerOptions['workflowBundle'] | undefined {
  if (named && !fs.existsSync(named)) throw new Error(`WORKFLOW_BUNDLE_PATH names ${named}, which does not exist`);
  const file = named ?? path.join(__dirname, '..', 'workflow-bundle.js');
  return fs.existsSync(file) ? { codePath: file } : undefined;
}

/**
 * Workflows run in the worker's main thread (the SDK's debugMode; their sandbox, a reused V8 context, is the same
 * as in a thread) instead of a workflow thread with a V8 heap of its own: ~30 MiB less resident, idle and at peak
 * (README, *Where the worker's memory goes*). Activations are small, and they already wait on the main thread,
 * which receives them from the core. debugMode lifts the limit on an activation's run time: the SDK's usual 5 s
 * (an option its types do not expose) is set again, so a workflow stuck in a loop fails its task instead of
 * hanging the worker.
 */
export const WORKFLOWS_IN_MAIN_THREAD = { debugMode: true, isolateExecutionTimeout: '5s' } as const;

export async function createAudienceSyncWorker(opts: AudienceSyncWorkerOptions): Promise<Worker> {
  const workflowBundle = opts.workflowBundle ?? prebuiltBundle(opts.workflowBundlePath);
  return Worker.create({
    connection: opts.connection,
    namespace: opts.namespace,
    taskQueue: opts.taskQueue,
    activities: createActivities(opts.activities, opts.store),
    dataConverter: dataConverterFor(opts.codec),
    ...(workflowBundle ? { workflowBundle } : { workflowsPath, bundlerOptions: { ignoreModules, webpackConfigHook: withSlimSourceMap } }),
    ...WORKFLOWS_IN_MAIN_THREAD,
    // Bulk import activities mostly wait on Klaviyo; a handful at once per worker is plenty.
    maxConcurrentActivityTaskExecutions: 16,
    // Heartbeats reach the server within 2 s (not 0.8 x the heartbeat timeout): `status` shows what a step waits on,
    // and each phase's progress, promptly. Heartbeats are not history events; only the latest details are kept.
    maxHeartbeatThrottleInterval: '2s',
  });
}
