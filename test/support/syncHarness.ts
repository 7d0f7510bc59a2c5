/**
 * One isolated sync environment per test file: the suite's real Temporal dev server, a fresh Klaviyo
 * emulator with a key, a credentials file, a report folder and a real worker on its own task queue.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import { Client, Connection, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { startEmulator, type RunningEmulator } from 'klaviyo-emulator';
import { createAudienceSyncWorker } from '../../src/temporal/createWorker';
import type { ActivityConfig, CodecSettings } from '../../src/config';
import { dataConverterFor } from '../../src/temporal/codec';
import { STATUS_QUERY, WORKFLOW_TYPE, type SyncInputRaw, type SyncReport, type SyncStatus } from '../../src/shared';

export interface SyncHarness {
  client: Client;
  address: string;
  namespace: string;
  taskQueue: string;
  emulator: RunningEmulator;
  /** The key currently in the credentials file under "default". */
  apiKey: string;
  credentialsFile: string;
  /** The workers' AUDIENCE_CONNECTIONS_FILE (absent until setConnection writes it). */
  connectionsFile: string;
  /** The workers' AUDIENCE_SNAPSHOT_DIR. */
  snapshotDir: string;
  reportDir: string;
  /** A scratch folder for audience files. */
  dir: string;
  /** Environment for a subprocess (worker or CLI) that should use this server, queue and emulator. */
  env: Record<string, string>;
  activityConfig: ActivityConfig;
  /** Starts (another) in-process worker on this harness's queue. */
  startWorker(): Promise<RunningWorker>;
  /** Starts `src/worker.ts` in a process of its own (killed on close), so a test can SIGKILL it; `output` collects its stdout and stderr. */
  startWorkerProcess(output?: string[]): ChildProcess;
  /** Revokes the current key in the emulator, creates a new one and writes it to the credentials file. */
  rotateKey(): Promise<string>;
  /** Writes `url` to the connections file as connection `name` (other entries stay). */
  setConnection(name: string, url: string): void;
  /** Writes `key` to the credentials file as the "default" credential. */
  useKey(key: string): void;
  /** Starts a run with a fresh workflow id. */
  start(input: SyncInputRaw, workflowId?: string): Promise<WorkflowHandle>;
  /** Polls the status query until `until` holds. */
  waitForStatus(handle: WorkflowHandle, until: (s: SyncStatus) => boolean, timeoutMs?: number): Promise<SyncStatus>;
  close(): Promise<void>;
}

export interface RunningWorker {
  worker: Worker;
  stop(): Promise<void>;
}

export interface HarnessOptions {
  /** Emulator and client rate-limit speed factor (default 50). */
  speed?: number;
  /** Start an in-process worker (default true). */
  worker?: boolean;
  /** Profiles per bulk import job (default 10,000); small values give a small audience many batches. */
  batchMaxProfiles?: number;
  /** Emulator bulk-job processing delay. */
  jobDelayMs?: number;
  /** How long a bulk job may stand still before it is submitted again (default 20 s). */
  bulkJobStallMs?: number;
  /** Payload encryption for the worker, the harness's client and (as TEMPORAL_CODEC_*) subprocesses; one key. */
  codec?: { keyId: string; key: Buffer };
  /** Attempts to reach an audience database before the run pauses on source_unavailable (default 2). */
  sourceAttempts?: number;
}

let runtimeInstalled = false;

export async function createSyncHarness(opts: HarnessOptions = {}): Promise<SyncHarness> {
  if (!runtimeInstalled) {
    // Worker lifecycle chatter would drown test output; warnings and errors still show.
    Runtime.install({ logger: new DefaultLogger('WARN') });
    runtimeInstalled = true;
  }
  const speed = opts.speed ?? 50;
  const address = inject('temporalAddress');
  const bundlePath = inject('workflowBundlePath');
  const namespace = 'default';
  const taskQueue = `audience-sync-test-${randomUUID()}`;
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-sync-'));
  const credentialsFile = path.join(dir, 'credentials.json');
  const reportDir = path.join(dir, 'reports');
  const connectionsFile = path.join(dir, 'connections.json');
  const snapshotDir = path.join(dir, 'snapshots');

  const emulator = await startEmulator({ speed, jobDelayMs: opts.jobDelayMs });
  let apiKey = await emulator.admin.createKey();
  const writeCredentials = (key: string) => fs.writeFileSync(credentialsFile, JSON.stringify({ default: key }));
  writeCredentials(apiKey);

  const codec: CodecSettings | undefined = opts.codec && { keyId: opts.codec.keyId, keys: { [opts.codec.keyId]: opts.codec.key } };
  const connection = await Connection.connect({ address });
  const client = new Client({ connection, namespace, dataConverter: dataConverterFor(codec) });
  const activityConfig: ActivityConfig = {
    klaviyo: { baseUrl: emulator.url, credentialsFile, rateSpeedFactor: speed },
    audience: { batchMaxProfiles: opts.batchMaxProfiles ?? 10_000, defaultPhoneCountry: 'US' },
    // Runs read audiences from the scratch folder only (which also holds the credentials file: tests point runs at it).
    audienceRoots: [dir],
    sources: { connectionsFile, connectionVariables: {}, queryTimeoutMs: 60_000, connectAttempts: opts.sourceAttempts ?? 2, snapshotDir },
    reportDir,
    bulkJobTimeoutMs: 20_000,
    bulkJobStallMs: opts.bulkJobStallMs ?? 20_000,
    // A list lock notices a holder that closed without releasing within a second, not 15.
    listLockCheckMs: 1000,
    readableLockIds: !codec,
  };
  const workers: RunningWorker[] = [];
  const processes: ChildProcess[] = [];

  const harness: SyncHarness = {
    client,
    address,
    namespace,
    taskQueue,
    emulator,
    get apiKey() {
      return apiKey;
    },
    credentialsFile,
    connectionsFile,
    snapshotDir,
    reportDir,
    dir,
    activityConfig,
    env: {
      TEMPORAL_ADDRESS: address,
      TEMPORAL_NAMESPACE: namespace,
      TEMPORAL_TASK_QUEUE: taskQueue,
      KLAVIYO_BASE_URL: emulator.url,
      KLAVIYO_CREDENTIALS_FILE: credentialsFile,
      KLAVIYO_RATE_SPEED: String(speed),
      AUDIENCE_REPORT_DIR: reportDir,
      AUDIENCE_ROOTS: dir,
      AUDIENCE_CONNECTIONS_FILE: connectionsFile,
      AUDIENCE_SNAPSHOT_DIR: snapshotDir,
      AUDIENCE_SOURCE_ATTEMPTS: String(opts.sourceAttempts ?? 2),
      KLAVIYO_BULK_JOB_TIMEOUT_MS: '20000',
      KLAVIYO_BULK_JOB_STALL_MS: String(opts.bulkJobStallMs ?? 20_000),
      AUDIENCE_BATCH_MAX_PROFILES: String(opts.batchMaxProfiles ?? 10_000),
      ...(opts.codec ? { TEMPORAL_CODEC_KEY: opts.codec.key.toString('base64'), TEMPORAL_CODEC_KEY_ID: opts.codec.keyId } : {}),
    },
    async startWorker() {
      const workerConnection = await NativeConnection.connect({ address });
      const worker = await createAudienceSyncWorker({
        connection: workerConnection,
        namespace,
        taskQueue,
        activities: activityConfig,
        workflowBundle: { codePath: bundlePath },
        codec,
      });
      const running = worker.run();
      let stopped: Promise<void> | undefined;
      const handle: RunningWorker = {
        worker,
        // Idempotent: a test may stop a worker it started, and close() stops every worker again.
        stop() {
          stopped ??= (async () => {
            if (worker.getState() === 'RUNNING') worker.shutdown();
            await running;
            await workerConnection.close();
          })();
          return stopped;
        },
      };
      workers.push(handle);
      return handle;
    },
    startWorkerProcess(output) {
      // One process (no tsx wrapper) so SIGKILL really kills the worker.
      const child = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/worker.ts'], {
        cwd: path.resolve(__dirname, '../..'),
        env: { ...process.env, ...harness.env },
        stdio: ['ignore', output ? 'pipe' : 'ignore', output ? 'pipe' : 'inherit'],
      });
      if (output) for (const stream of [child.stdout!, child.stderr!]) stream.on('data', (d: Buffer) => output.push(d.toString()));
      processes.push(child);
      return child;
    },
    setConnection(name, url) {
      const current = fs.existsSync(connectionsFile) ? (JSON.parse(fs.readFileSync(connectionsFile, 'utf8')) as Record<string, string>) : {};
      fs.writeFileSync(connectionsFile, JSON.stringify({ ...current, [name]: url }));
    },
    useKey(key) {
      apiKey = key;
      writeCredentials(key);
    },
    async rotateKey() {
      await emulator.admin.revokeKey(apiKey).catch(() => undefined);
      apiKey = await emulator.admin.createKey();
      writeCredentials(apiKey);
      return apiKey;
    },
    async start(input, workflowId = `test-${randomUUID()}`) {
      return client.workflow.start(WORKFLOW_TYPE, { taskQueue, workflowId, args: [input] });
    },
    async waitForStatus(handle, until, timeoutMs = 60_000) {
      const deadline = Date.now() + timeoutMs;
      let last: SyncStatus | undefined;
      for (;;) {
        try {
          last = await handle.query<SyncStatus>(STATUS_QUERY);
          if (until(last)) return last;
        } catch (err) {
          // The first workflow task may not have run yet.
          if (Date.now() > deadline) throw err;
        }
        if (Date.now() > deadline) {
          throw new Error(`status did not reach the expected state in ${timeoutMs} ms; last: ${JSON.stringify(last)}`);
        }
        await new Promise((r) => setTimeout(r, 200));
      }
    },
    async close() {
      for (const p of processes) p.kill('SIGKILL');
      for (const w of workers) await w.stop();
      await connection.close();
      await emulator.close();
      fs.rmSync(dir, { recursive: true, force: true });
    },
  };
  if (opts.worker !== false) await harness.startWorker();
  return harness;
}

/** Waits for a run's result. */
export async function resultOf(handle: WorkflowHandle): Promise<SyncReport> {
  return handle.result() as Promise<SyncReport>;
}
