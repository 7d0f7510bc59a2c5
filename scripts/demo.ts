/**
 * `npm run demo`: a complete sync on a fresh machine. Starts a file-backed Temporal dev server with its UI,
 * the bundled Klaviyo emulator and a worker, writes a synthetic audience (a few thousand rows, some
 * invalid), runs `sync --wait` with live progress, prints the report, and keeps the UI up until Ctrl-C.
 *
 *   npm run demo                                  # emulator
 *   npm run demo -- --exit                        # stop when the sync ends (used by tests)
 *   KLAVIYO_API_KEY=... npm run demo -- --no-emulator    # real Klaviyo (or KLAVIYO_EMULATOR=off)
 *   npm run demo -- --postgres postgres://user:pass@localhost:5432/shop   # the sample as a table, synced by a query
 */
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import { Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { activityConfigFromEnv, codecSettingsFromEnv } from '../src/config';
import { loadAudienceTable } from '../dev/postgresAudience';
import { generateAudience } from '../dev/synthetic';
import { runCli } from '../src/cli/main';
import { defaultWorkflowId } from '../src/cli/naming';
import { freePort, startDevServer } from '../dev/temporalDevServer';
import { startEmulator, type RunningEmulator } from 'klaviyo-emulator';
import { connectionEnvVar, DEFAULT_TASK_QUEUE } from '../src/shared';
import { createAudienceSyncWorker } from '../src/temporal/createWorker';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';

interface DemoFlags {
  exit?: boolean;
  emulator: boolean;
  rows: number;
  list: string;
  speed: number;
  dataDir: string;
  postgres?: string;
}

const DEMO_TABLE = 'demo_customers';
/** The connection name the demo's worker resolves (AUDIENCE_CONNECTION_DEMO): the URL itself never enters a run. */
const DEMO_CONNECTION = 'demo';

const positive = (v: string) => {
  const n = Number(v);
  if (!Number.isInteger(n) || n <= 0) throw new InvalidArgumentError('give a whole number above 0');
  return n;
};

const flags = new Command('demo')
  .description('Run a complete audience sync on a local Temporal dev server and the bundled Klaviyo emulator.')
  .option('--exit', 'stop everything when the sync ends instead of keeping the UI up')
  .option('--no-emulator', 'target real Klaviyo (needs KLAVIYO_API_KEY; KLAVIYO_BASE_URL defaults to https://a.klaviyo.com)')
  .option('--rows <n>', 'rows in the synthetic sample audience', positive, 3000)
  .option('--list <name>', 'Klaviyo list to sync into', 'Demo VIP')
  .option('--speed <n>', "emulator speed factor (rate limits and job processing)", positive, 20)
  .option('--data-dir <dir>', 'where the dev server database, sample audience and logs go', '.data')
  .option('--postgres <url>', `load the sample into the table ${DEMO_TABLE} of this PostgreSQL database and sync it with --query`)
  .parse()
  .opts<DemoFlags>();

/** The port if nothing listens on it, else a free one (a second demo, or a Temporal server already up). */
async function portOr(preferred: number): Promise<number> {
  const free = await new Promise<boolean>((resolve) => {
    const s = net.createServer().once('error', () => resolve(false));
    s.listen(preferred, '127.0.0.1', () => s.close(() => resolve(true)));
  });
  return free ? preferred : freePort();
}

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

/** The sample as a CSV file, or (with --postgres) as a table; returns the sync flags that name it. */
async function sampleAudience(dataDir: string): Promise<string[]> {
  const sample = { rows: flags.rows, invalidShare: 0.03, seed: 42 };
  if (flags.postgres) {
    const { invalidRows } = await loadAudienceTable(flags.postgres, DEMO_TABLE, sample);
    console.log(
      `Sample audience: table ${DEMO_TABLE} (${flags.rows} rows, ${invalidRows} invalid on purpose); the worker reads it through ` +
        `connection "${DEMO_CONNECTION}" (${connectionEnvVar(DEMO_CONNECTION)}).`,
    );
    return ['--query', `select * from ${DEMO_TABLE}`, '--connection', DEMO_CONNECTION];
  }
  const file = await generateAudience({ ...sample, out: path.join(dataDir, 'demo-audience.csv') });
  console.log(`Sample audience: ${file.path} (${file.rows} rows, ${file.invalidRows} invalid on purpose).`);
  return ['--audience', path.relative(process.cwd(), file.path)];
}

const quoted = (arg: string): string => (/^[\w./-]+$/.test(arg) ? arg : `"${arg}"`);

async function main(): Promise<number> {
  // The demo's own output is the story; the worker only speaks up about problems.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const useEmulator = flags.emulator && process.env.KLAVIYO_EMULATOR !== 'off';
  if (!useEmulator && !process.env.KLAVIYO_API_KEY && !process.env.KLAVIYO_CREDENTIALS_FILE) {
    fail('Real Klaviyo needs a key: set KLAVIYO_API_KEY (or KLAVIYO_CREDENTIALS_FILE), or run without --no-emulator.');
  }
  const dataDir = path.resolve(flags.dataDir);
  fs.mkdirSync(dataDir, { recursive: true });
  const cleanups: (() => Promise<unknown>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch(() => undefined);
  };

  try {
    // 1. Temporal dev server, file-backed so runs survive a restart of the demo, with the web UI.
    const port = await portOr(7233);
    const uiPort = await portOr(8233);
    console.log(`Starting Temporal dev server on 127.0.0.1:${port} (UI port ${uiPort}, data in ${dataDir})...`);
    const server = await startDevServer({ port, uiPort, dbFile: path.join(dataDir, 'temporal.db'), logFile: path.join(dataDir, 'temporal.log') });
    cleanups.push(() => server.stop());
    const operator = await Connection.connect({ address: server.address });
    cleanups.push(() => operator.close());
    await ensureSearchAttributes(operator, 'default');

    // 2. Klaviyo: the bundled emulator, or the real API.
    let emulator: RunningEmulator | undefined;
    const klaviyoEnv: NodeJS.ProcessEnv = {};
    if (useEmulator) {
      emulator = await startEmulator({ speed: flags.speed });
      cleanups.push(() => emulator!.close());
      Object.assign(klaviyoEnv, {
        KLAVIYO_BASE_URL: emulator.url,
        KLAVIYO_API_KEY: await emulator.admin.createKey(),
        KLAVIYO_CREDENTIALS_FILE: '',
        KLAVIYO_RATE_SPEED: String(flags.speed),
      });
      console.log(`Klaviyo emulator on ${emulator.url} (speed x${flags.speed}).`);
    } else {
      console.log(`Targeting real Klaviyo at ${process.env.KLAVIYO_BASE_URL || 'https://a.klaviyo.com'}.`);
    }

    // 3. A worker in this process, configured exactly as `npm run worker` would be from these variables.
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...klaviyoEnv,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_NAMESPACE: 'default',
      TEMPORAL_TASK_QUEUE: process.env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
      AUDIENCE_REPORT_DIR: process.env.AUDIENCE_REPORT_DIR || 'reports',
      // The worker reads audiences only from here: the demo's data folder, where it writes the sample.
      AUDIENCE_ROOTS: process.env.AUDIENCE_ROOTS || dataDir,
      // Smaller jobs than Klaviyo's 10,000 so a few thousand rows show batches moving.
      AUDIENCE_BATCH_MAX_PROFILES: process.env.AUDIENCE_BATCH_MAX_PROFILES || '500',
      AUDIENCE_SNAPSHOT_DIR: process.env.AUDIENCE_SNAPSHOT_DIR || path.join(dataDir, 'snapshots'),
      ...(flags.postgres ? { [connectionEnvVar(DEMO_CONNECTION)]: flags.postgres } : {}),
    };
    console.log('Bundling the workflow code and starting a worker...');
    const workerConnection = await NativeConnection.connect({ address: server.address });
    const worker = await createAudienceSyncWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: env.TEMPORAL_TASK_QUEUE!,
      activities: activityConfigFromEnv(env),
      codec: codecSettingsFromEnv(env),
    });
    const running = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await running;
      await workerConnection.close();
    });

    // 4. The sample audience: deterministic, about 3% invalid rows (bad e-mails, phones, time zones).
    const audienceArgs = await sampleAudience(dataDir);

    // 5. The same command an operator types: sync --wait.
    const workflowId = defaultWorkflowId(flags.list);
    console.log(`\n$ klaviyo-audience-sync sync --list "${flags.list}" ${audienceArgs.map(quoted).join(' ')} --wait\n`);
    const code = await runCli(['node', 'klaviyo-audience-sync', 'sync', '--list', flags.list, ...audienceArgs, '--workflow-id', workflowId, '--wait'], { env });

    const runUrl = `${server.uiUrl}/namespaces/default/workflows/${encodeURIComponent(workflowId)}`;
    console.log(`\nTemporal UI: ${server.uiUrl}   (this run: ${runUrl})`);
    if (flags.exit || code !== 0) return code;

    console.log(
      `\nThe UI stays up. In another terminal, with TEMPORAL_ADDRESS=${server.address}: ` +
        '`npm run cli -- status <workflow-id>`, `npm run cli -- paused`. Press Ctrl-C to stop.',
    );
    await new Promise<void>((resolve) => {
      process.once('SIGINT', () => resolve());
      process.once('SIGTERM', () => resolve());
    });
    return 0;
  } finally {
    console.log('Stopping...');
    await cleanup();
  }
}

main().then(
  (code) => process.exit(code),
  (err: Error) => {
    process.stderr.write(`The demo failed: ${err.message}\n`);
    process.exit(1);
  },
);
