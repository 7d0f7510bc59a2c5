/**
 * Benchmark: syncs a synthetic audience into the emulator on a real Temporal dev server, with the worker
 * in its own process, and prints rows/s, API calls by endpoint, the worker's peak RSS and the number of
 * history events.
 *
 *   npm run bench -- --rows 100000 [--speed 1] [--format csv|ndjson] [--batch 10000]
 *   npm run bench -- --source postgres --rows 1000000 [--extract-only] [--postgres-url URL]
 *
 * With --source postgres the audience is a table of the same synthetic customers and the run reads it with
 * a query; the extraction (query -> snapshot) is first timed in a process of its own (rows/s, peak RSS).
 *
 * --speed 1 paces calls at Klaviyo's real rate limits (the emulator enforces them); a higher factor
 * shortens the windows to measure the worker's own throughput.
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../dev/temporalDevServer';
import { startEmulator } from 'klaviyo-emulator';
import { generateAudience } from '../dev/synthetic';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { bundleAudienceSyncWorkflows } from '../src/temporal/createWorker';
import { STATUS_QUERY, WORKFLOW_TYPE, type AudienceSource, type SyncReport, type SyncStatus } from '../src/shared';
import { BENCH_CONNECTION, benchPostgresUrl, benchTable, measureExtraction } from './bench-postgres';

const program = new Command()
  .name('bench')
  .option('--rows <n>', 'audience rows', (v) => parseInt(v, 10), 100_000)
  .option('--speed <factor>', 'rate-limit speed factor (1 = Klaviyo limits)', Number, 1)
  .option('--format <format>', 'csv or ndjson', 'csv')
  .option('--batch <n>', 'profiles per bulk import job', (v) => parseInt(v, 10), 10_000)
  .option('--invalid-share <share>', 'share of invalid rows', Number, 0.01)
  .option('--source <source>', 'file (--format) or postgres', 'file')
  .option('--extract-only', 'postgres: time the extraction only, no sync')
  .option('--postgres-url <url>', 'postgres: the database (default TEST_POSTGRES_URL, else a private cluster started for it)')
  .parse();
const opts = program.opts<{
  rows: number;
  speed: number;
  format: 'csv' | 'ndjson';
  batch: number;
  invalidShare: number;
  source: 'file' | 'postgres';
  extractOnly?: boolean;
  postgresUrl?: string;
}>();

/** The run's audience, prepared (a generated file, or a loaded table with its extraction timed), and the worker's environment for it. */
async function prepareAudience(dir: string): Promise<{ audience: AudienceSource; env: Record<string, string> } | undefined> {
  if (opts.source === 'postgres') {
    const { url, query } = await benchTable(benchPostgresUrl(opts.postgresUrl), opts.rows, opts.invalidShare);
    console.log(`Extracting (${query}) into a snapshot, in a process of its own...`);
    const m = await measureExtraction(url, query);
    console.log('\nExtraction');
    console.log(`  rows                 ${m.rows} (${m.snapshotMb} MB of NDJSON)`);
    console.log(`  wall time            ${(m.ms / 1000).toFixed(1)} s`);
    console.log(`  throughput           ${Math.round(m.rows / (m.ms / 1000))} rows/s (${Math.round(m.rows / (m.cpuMs / 1000))} rows per CPU-second)`);
    console.log(`  peak RSS             ${m.peakRssMb} MiB\n`);
    if (opts.extractOnly) return undefined;
    return {
      audience: { type: 'postgres', connection: BENCH_CONNECTION, query },
      env: { AUDIENCE_CONNECTION_BENCH: url, AUDIENCE_SNAPSHOT_DIR: path.join(dir, 'snapshots') },
    };
  }
  console.log(`Generating ${opts.rows} rows (${opts.format})...`);
  const file = await generateAudience({
    rows: opts.rows,
    out: path.join(dir, `audience.${opts.format}`),
    format: opts.format,
    invalidShare: opts.invalidShare,
    seed: 1,
  });
  console.log(`  ${(fs.statSync(file.path).size / 1e6).toFixed(1)} MB, ${file.invalidRows} invalid rows`);
  return { audience: { type: opts.format, path: file.path }, env: {} };
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-bench-'));
  const root = path.resolve(__dirname, '..');
  const prepared = await prepareAudience(dir);
  if (!prepared) return fs.rmSync(dir, { recursive: true, force: true });

  const server = await startDevServer({ logFile: path.join(dir, 'temporal.log') });
  const emulator = await startEmulator({ speed: opts.speed });
  const apiKey = await emulator.admin.createKey();
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default');
  const client = new Client({ connection });
  const taskQueue = 'audience-sync-bench';
  // Bundled here, as `npm run build` does for production, so the worker's memory is its own work.
  const bundlePath = path.join(dir, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, (await bundleAudienceSyncWorkflows()).code);
  const worker = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/worker.ts'], {
    cwd: root,
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      KLAVIYO_BASE_URL: emulator.url,
      KLAVIYO_API_KEY: apiKey,
      KLAVIYO_RATE_SPEED: String(opts.speed),
      AUDIENCE_REPORT_DIR: path.join(dir, 'reports'),
      AUDIENCE_ROOTS: dir,
      AUDIENCE_BATCH_MAX_PROFILES: String(opts.batch),
      WORKFLOW_BUNDLE_PATH: bundlePath,
      ...prepared.env,
    },
    stdio: ['ignore', 'ignore', 'inherit'],
  });

  try {
    const started = Date.now();
    const handle = await client.workflow.start(WORKFLOW_TYPE, {
      taskQueue,
      workflowId: `bench-${started}`,
      args: [{ listName: 'Benchmark audience', audience: prepared.audience }],
    });
    const ticker = setInterval(async () => {
      const s = await handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined);
      if (s) console.log(`  ${s.step}: ${s.counts.rowsRead}/${s.counts.rowsTotal} rows, ${s.counts.batchesDone}/${s.counts.batchesTotal} batches, worker RSS ${mb(rss(worker.pid!, 'VmRSS'))}`);
    }, 5_000);
    const report = (await handle.result()) as SyncReport;
    clearInterval(ticker);
    const seconds = (Date.now() - started) / 1000;
    const peak = rss(worker.pid!, 'VmHWM');
    const events = await historyEvents(client, handle.workflowId);
    const stats = await emulator.admin.stats();
    const members = (await emulator.admin.listMembers(report.listId!)).emails.length;

    console.log('\nResults');
    console.log(`  rows                 ${opts.rows} (${report.counts.rowsValid} valid, ${report.counts.rowsRejected} rejected)`);
    console.log(`  list members after   ${members}`);
    console.log(`  wall time            ${seconds.toFixed(1)} s`);
    console.log(`  throughput           ${Math.round(opts.rows / seconds)} rows/s`);
    console.log(`  worker peak RSS      ${mb(peak)}`);
    console.log(`  history events       ${events}`);
    console.log(`  429 responses        ${stats.throttled}`);
    console.log('  API calls by endpoint (emulator count)');
    for (const [endpoint, n] of Object.entries(stats.calls).sort()) console.log(`    ${endpoint.padEnd(60)} ${n}`);
  } finally {
    worker.kill('SIGTERM');
    await connection.close();
    await emulator.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** Resident memory of a process from /proc (VmRSS now, VmHWM peak), in bytes. */
function rss(pid: number, field: 'VmRSS' | 'VmHWM'): number {
  try {
    const line = fs.readFileSync(`/proc/${pid}/status`, 'utf8').split('\n').find((l) => l.startsWith(field));
    return Number(line?.match(/(\d+)/)?.[1] ?? 0) * 1024;
  } catch {
    return 0;
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Events across every run of the workflow (continue-as-new starts a new run). */
async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let total = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) {
    total += wf.historyLength;
  }
  return total;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
