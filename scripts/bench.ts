/**
 * Benchmark: a first sync of a synthetic audience into a new list, then a refresh of the same list with a
 * share of rows changed, joined or gone (a third each), into the emulator on a real Temporal dev server,
 * with the worker run as production runs it (compiled by `npm run build`, prebuilt workflow bundle, its own
 * process). For each run it prints the wall time, the rate-limit floor of the run's necessary calls and the
 * ratio, profiles sent, API calls by endpoint, the worker's peak RSS, and history events.
 *
 *   npm run bench -- --rows 1000000 --churn 0.01 [--speed 1] [--state postgres://...] [--no-build] [--audience-cache DIR]
 *   npm run bench -- --source postgres --rows 1000000 [--extract-only] [--postgres-url URL]
 *
 * With --source postgres the two audiences are tables of the same synthetic customers in PostgreSQL
 * (scripts/bench-postgres.ts), read by a query; the extraction (query -> snapshot) is first timed in a
 * process of its own (rows/s, rows per CPU-second, peak RSS), and --extract-only stops there.
 *
 * --memory-trace <file> samples the worker's memory in each of its threads (main, workflow, plan) every
 * 250 ms (scripts/memory-trace.cjs) and prints each thread's peak heap and GC time per run.
 *
 * --speed 1 paces calls at Klaviyo's real rate limits (the emulator enforces them); a higher factor
 * shortens the windows to measure the worker's own throughput. The floor: ⌈N/10,000⌉ bulk-job POSTs at
 * 10/s and 150/min, removals at 1,000 ids a call and lookups at 100 a call on their tiers, membership
 * pages (none should be needed) at 100 a page, plus the emulator's own job processing time and one job's
 * queued-and-processing delay.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { startDevServer } from '../dev/temporalDevServer';
import { startEmulator, type StatsSnapshot } from 'klaviyo-emulator';
import { churnedRows, generateAudience, generateChurnedAudience, syntheticRows } from '../dev/synthetic';
import { ensureSearchAttributes } from '../src/temporal/searchAttributes';
import { OPERATIONS, TIERS, type RateLimitTier } from '../src/klaviyo/endpoints';
import { STATUS_QUERY, WORKFLOW_TYPE, type AudienceSource, type SyncReport, type SyncStatus } from '../src/shared';
import { BENCH_CONNECTION, benchPostgresUrl, benchTable, measureExtraction, printExtraction } from './bench-postgres';

const program = new Command()
  .name('bench')
  .option('--rows <n>', 'audience rows', (v) => parseInt(v, 10), 100_000)
  .option('--churn <share>', 'share of rows changed, joined or gone before the refresh (a third each)', Number, 0.01)
  .option('--speed <factor>', 'rate-limit speed factor (1 = Klaviyo limits)', Number, 1)
  .option('--batch <n>', 'profiles per bulk import job', (v) => parseInt(v, 10), 10_000)
  .option('--invalid-share <share>', 'share of invalid rows', Number, 0.01)
  .option('--state <url>', 'sync-state store (default: a fresh SQLite file)')
  .option('--no-build', 'use lib/ as it is (skip `npm run build`)')
  .option('--audience-cache <dir>', 'keep the generated CSV audiences in this folder and use them again on the next run with the same --rows, --churn and --invalid-share')
  .option('--cpu-prof <dir>', "write the worker's (or the extraction's) V8 CPU profile into this folder (open it in Chrome DevTools)")
  .option('--memory-trace <file>', "sample the worker's memory per thread into this file (JSON lines, scripts/memory-trace.cjs) and print each thread's peak heap")
  .option('--source <source>', 'file (a generated CSV) or postgres (a table read by a query)', 'file')
  .option('--extract-only', 'postgres: time the extraction only, no sync')
  .option('--postgres-url <url>', 'postgres: the database (default TEST_POSTGRES_URL, else a private cluster from scripts/ensure-postgres.sh)')
  .parse();
const opts = program.opts<{
  rows: number;
  churn: number;
  speed: number;
  batch: number;
  invalidShare: number;
  state?: string;
  build: boolean;
  audienceCache?: string;
  source: 'file' | 'postgres';
  extractOnly?: boolean;
  postgresUrl?: string;
  cpuProf?: string;
  memoryTrace?: string;
}>();
if (opts.source !== 'file' && opts.source !== 'postgres') program.error(`--source must be file or postgres, not ${opts.source}`);
const root = path.resolve(__dirname, '..');

interface RunFigures {
  label: string;
  seconds: number;
  floorSeconds: number;
  profilesSent: number;
  calls: Record<string, number>;
  peakRss: number;
  /** Highest RSS seen in each step, and seconds spent in it (sampled every half second): where memory and time go. */
  rssByStep: Record<string, number>;
  secondsByStep: Record<string, number>;
  /** CPU-seconds of the worker in each step, and of the run: what wall time hides on a shared machine. */
  cpuByStep: Record<string, number>;
  workerCpu: number;
  /** Seconds the worker's threads were ready to run but found both cores taken (other processes): wall that is not the worker's. */
  cpuWait: number;
  cpuWaitByStep: Record<string, number>;
  /** CPU-seconds of this process (the emulator runs in it) during the run. */
  emulatorCpu: number;
  events: number;
  report: SyncReport;
}

async function main(): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-bench-'));
  const prepared = await prepareAudiences(dir);
  if (!prepared) return fs.rmSync(dir, { recursive: true, force: true });
  if (opts.build) {
    console.log('Building (npm run build)...');
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  }

  const server = await startDevServer({ logFile: path.join(dir, 'temporal.log') });
  const emulator = await startEmulator({ speed: opts.speed });
  const apiKey = await emulator.admin.createKey();
  const connection = await Connection.connect({ address: server.address });
  await ensureSearchAttributes(connection, 'default');
  const client = new Client({ connection });
  const taskQueue = 'audience-sync-bench';
  const worker = spawn(process.execPath, [...workerNodeFlags(), ...cpuProfiling(), ...memoryTracing(dir), 'lib/worker.js'], {
    cwd: root,
    env: {
      ...process.env,
      NODE_ENV: 'production',
      ...workerMemoryEnv(),
      TEMPORAL_ADDRESS: server.address,
      TEMPORAL_TASK_QUEUE: taskQueue,
      KLAVIYO_BASE_URL: emulator.url,
      KLAVIYO_API_KEY: apiKey,
      KLAVIYO_CREDENTIALS_FILE: '',
      KLAVIYO_RATE_SPEED: String(opts.speed),
      AUDIENCE_STATE_URL: opts.state ?? path.join(dir, 'state.sqlite'),
      AUDIENCE_BATCH_MAX_PROFILES: String(opts.batch),
      AUDIENCE_REPORT_DIR: '',
      AUDIENCE_ROOTS: opts.audienceCache ? [dir, path.resolve(opts.audienceCache)].join(path.delimiter) : dir,
      AUDIENCE_SNAPSHOT_DIR: path.join(dir, 'snapshots'),
      ...prepared.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  try {
    await polling(worker);
    // A worker that dies mid-run (out of heap, say) ends the bench instead of leaving it waiting on the run.
    const workerDied = new Promise<never>((_, reject) => worker.once('exit', (code, signal) => reject(new Error(`the worker exited (${signal ?? code})`))));
    workerDied.catch(() => undefined);
    await new Promise((r) => setTimeout(r, 3000));
    const idleRss = rss(worker.pid!, 'VmRSS');
    console.log(`Worker polling; idle RSS ${mb(idleRss)}`);
    const runs: RunFigures[] = [];
    for (const [label, audience] of [
      ['first sync', prepared.first],
      ['refresh', prepared.refresh],
    ] as const) {
      resetPeak(worker.pid!);
      const before = await emulator.admin.stats();
      const started = Date.now();
      const cpuAtStart = { worker: cpuSeconds(worker.pid!), emulator: process.cpuUsage() };
      const handle = await client.workflow.start(WORKFLOW_TYPE, {
        taskQueue,
        workflowId: `bench-${label.replace(' ', '-')}-${started}`,
        args: [{ listName: 'Benchmark audience', audience }],
      });
      const rssByStep: Record<string, number> = {};
      const secondsByStep: Record<string, number> = {};
      const cpuByStep: Record<string, number> = {};
      let last = Date.now();
      let lastCpu = cpuAtStart.worker;
      const cpuWaitByStep: Record<string, number> = {};
      const waits = new RunQueueWaits(worker.pid!);
      let step = 'starting';
      const waitSampler = setInterval(() => {
        cpuWaitByStep[step] = (cpuWaitByStep[step] ?? 0) + waits.sample();
      }, 200);
      const sampler = setInterval(() => {
        void handle.query<SyncStatus>(STATUS_QUERY).then(
          (s) => {
            step = s.step;
            rssByStep[s.step] = Math.max(rssByStep[s.step] ?? 0, rss(worker.pid!, 'VmRSS'));
            secondsByStep[s.step] = (secondsByStep[s.step] ?? 0) + (Date.now() - last) / 1000;
            const cpu = cpuSeconds(worker.pid!);
            cpuByStep[s.step] = (cpuByStep[s.step] ?? 0) + (cpu - lastCpu);
            last = Date.now();
            lastCpu = cpu;
          },
          () => undefined,
        );
      }, 500);
      const report = (await Promise.race([handle.result(), workerDied]).finally(() => {
        clearInterval(sampler);
        clearInterval(waitSampler);
        cpuWaitByStep[step] = (cpuWaitByStep[step] ?? 0) + waits.sample();
      })) as SyncReport;
      const seconds = (Date.now() - started) / 1000;
      const after = await emulator.admin.stats();
      const calls = diff(before.calls, after.calls);
      const jobs = { processingMs: after.jobs!.processingMs - before.jobs!.processingMs, jobDelayMs: after.jobs!.jobDelayMs };
      runs.push({
        label,
        seconds,
        floorSeconds: floor(calls, jobs),
        profilesSent: after.jobs!.profilesSubmitted - before.jobs!.profilesSubmitted,
        calls,
        peakRss: rss(worker.pid!, 'VmHWM'),
        rssByStep,
        secondsByStep,
        cpuByStep,
        workerCpu: cpuSeconds(worker.pid!) - cpuAtStart.worker,
        cpuWait: Object.values(cpuWaitByStep).reduce((a, b) => a + b, 0),
        cpuWaitByStep,
        emulatorCpu: cpuOf(process.cpuUsage(cpuAtStart.emulator)),
        events: await historyEvents(client, handle.workflowId),
        report,
      });
      print(runs.at(-1)!, opts.rows);
      if (opts.memoryTrace) printMemoryTrace(path.resolve(opts.memoryTrace), started);
    }
    const members = (await emulator.admin.listMembers(runs[1]!.report.listId!)).length;
    console.log(`\nList members after the refresh: ${members} (the store says ${runs[1]!.report.counts.listSize})`);
    console.log(`Worker idle RSS ${mb(idleRss)} (after start), ${mb(rss(worker.pid!, 'VmRSS'))} (after both runs); load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  } finally {
    // The worker writes its CPU profile as it exits: wait for that (a while) before the server goes.
    const exited = new Promise((resolve) => worker.once('exit', resolve));
    worker.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    await connection.close();
    await emulator.close();
    await server.stop();
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The two audiences (first sync, refresh) and the worker's environment for them; undefined: --extract-only is done. */
async function prepareAudiences(dir: string): Promise<{ first: AudienceSource; refresh: AudienceSource; env: Record<string, string> } | undefined> {
  const synthetic = { rows: opts.rows, invalidShare: opts.invalidShare, seed: 1 };
  const churn = { ...synthetic, churn: opts.churn };
  const { counts } = churnedRows(churn);
  const churnNote = `${opts.churn * 100}% churn (${counts.changed} changed, ${counts.joined} joined, ${counts.gone} gone)`;
  if (opts.source === 'postgres') {
    const url = benchPostgresUrl(opts.postgresUrl);
    const name = `customers_${opts.rows}_${Math.round(opts.invalidShare * 1000)}`;
    const first = await benchTable(url, name, opts.rows, () => syntheticRows(synthetic));
    console.log(`Extracting (${first}) into a snapshot, in a process of its own...`);
    printExtraction(await measureExtraction(url, first, cpuProfiling()));
    if (opts.extractOnly) return undefined;
    const churned = churnedRows(churn);
    console.log(`The refresh reads the same customers with ${churnNote}`);
    const refresh = await benchTable(url, `${name}_churn_${Math.round(opts.churn * 10_000)}`, churned.rows, () => churned.items);
    return {
      first: { type: 'postgres', connection: BENCH_CONNECTION, query: first },
      refresh: { type: 'postgres', connection: BENCH_CONNECTION, query: refresh },
      env: { AUDIENCE_CONNECTION_BENCH: url },
    };
  }
  if (opts.extractOnly) program.error('--extract-only needs --source postgres');
  const files = audienceFiles(dir);
  if (fs.existsSync(files.first) && fs.existsSync(files.refresh)) {
    console.log(`Using the audiences generated before in ${opts.audienceCache} (${opts.rows} rows, and the same with ${churnNote})`);
  } else {
    console.log(`Generating ${opts.rows} rows, and the same audience with ${churnNote}...`);
    // Written under other names and renamed when whole: an interrupted run leaves nothing a later run would take.
    await generateAudience({ ...synthetic, out: `${files.first}.part` });
    await generateChurnedAudience({ ...churn, out: `${files.refresh}.part` });
    fs.renameSync(`${files.first}.part`, files.first);
    fs.renameSync(`${files.refresh}.part`, files.refresh);
  }
  console.log(`  ${(fs.statSync(files.first).size / 1e6).toFixed(1)} MB`);
  return { first: { type: 'csv', path: files.first }, refresh: { type: 'csv', path: files.refresh }, env: {} };
}

/** The generated audiences' paths: in the run's folder, or named by their settings in --audience-cache's. */
function audienceFiles(dir: string): { first: string; refresh: string } {
  if (!opts.audienceCache) return { first: path.join(dir, 'first.csv'), refresh: path.join(dir, 'refresh.csv') };
  fs.mkdirSync(opts.audienceCache, { recursive: true });
  const name = `${opts.rows}-invalid${opts.invalidShare}`;
  return { first: path.join(opts.audienceCache, `${name}.csv`), refresh: path.join(opts.audienceCache, `${name}-churn${opts.churn}.csv`) };
}

/** Node options that write a V8 CPU profile into --cpu-prof's folder, if given. */
function cpuProfiling(): string[] {
  return opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opts.cpuProf)] : [];
}

/** Node options that preload scripts/memory-trace.cjs into the worker (and so into every thread it starts), if --memory-trace. */
function memoryTracing(dir: string): string[] {
  if (!opts.memoryTrace) return [];
  const file = path.resolve(opts.memoryTrace);
  fs.rmSync(file, { force: true });
  const preload = path.join(dir, 'memory-trace-preload.cjs');
  fs.writeFileSync(preload, `require(${JSON.stringify(path.join(root, 'scripts', 'memory-trace.cjs'))}).start(${JSON.stringify(file)});\n`);
  return ['--require', preload];
}

/** Each thread's peak V8 heap (committed / used), external memory and GC time during the run that started at `since`. */
function printMemoryTrace(file: string, since: number): void {
  type Sample = { t: number; thread: string; heapTotal: number; heapUsed: number; external: number; gcMs: { minor: number; major: number } };
  const samples = fs.readFileSync(file, 'utf8').trim().split('\n').map((line) => JSON.parse(line) as Sample);
  const byThread = new Map<string, { heapTotal: number; heapUsed: number; external: number; gcAtStart?: Sample['gcMs']; gc: Sample['gcMs'] }>();
  for (const s of samples) {
    const seen = byThread.get(s.thread) ?? { heapTotal: 0, heapUsed: 0, external: 0, gc: s.gcMs };
    if (s.t < since) {
      seen.gcAtStart = s.gcMs;
    } else {
      seen.heapTotal = Math.max(seen.heapTotal, s.heapTotal);
      seen.heapUsed = Math.max(seen.heapUsed, s.heapUsed);
      seen.external = Math.max(seen.external, s.external);
    }
    seen.gc = s.gcMs;
    byThread.set(s.thread, seen);
  }
  console.log('  peak heap by thread (committed / used, external; GC time minor + major)');
  for (const [thread, m] of byThread) {
    if (m.heapTotal === 0) continue;
    const gc = { minor: m.gc.minor - (m.gcAtStart?.minor ?? 0), major: m.gc.major - (m.gcAtStart?.major ?? 0) };
    console.log(`    ${thread.padEnd(10)} ${m.heapTotal} / ${m.heapUsed} MiB, external ${m.external} MiB; GC ${(gc.minor / 1000).toFixed(1)} + ${(gc.major / 1000).toFixed(1)} s`);
  }
}

function print(run: RunFigures, rows: number): void {
  const c = run.report.counts;
  console.log(`\n${run.label}`);
  console.log(`  wall time            ${run.seconds.toFixed(1)} s`);
  console.log(`  rate-limit floor     ${run.floorSeconds.toFixed(1)} s (wall / floor = ${(run.seconds / run.floorSeconds).toFixed(2)})`);
  console.log(`  profiles sent        ${run.profilesSent} (${((run.profilesSent / rows) * 100).toFixed(2)}% of rows)`);
  console.log(`  report               added ${c.added}, updated ${c.updated}, unchanged ${c.unchanged}, removed ${c.removed}, rejected ${c.rowsRejected}, list size ${c.listSize}`);
  console.log(`  membership pages     ${run.calls['GET /api/lists/{id}/profiles'] ?? 0}`);
  console.log(`  time by step         ${Object.entries(run.secondsByStep).map(([step, t]) => `${step} ${t.toFixed(0)} s`).join(', ')}`);
  console.log(`  worker CPU           ${run.workerCpu.toFixed(1)} s (by step: ${Object.entries(run.cpuByStep).map(([step, t]) => `${step} ${t.toFixed(1)} s`).join(', ')})`);
  console.log(`  worker CPU wait      ${run.cpuWait.toFixed(1)} s runnable with no core free (by step: ${Object.entries(run.cpuWaitByStep).map(([step, t]) => `${step} ${t.toFixed(1)} s`).join(', ')})`);
  console.log(`  emulator CPU         ${run.emulatorCpu.toFixed(1)} s (this process)`);
  console.log(`  worker peak RSS      ${mb(run.peakRss)} (by step: ${Object.entries(run.rssByStep).map(([step, b]) => `${step} ${mb(b)}`).join(', ')})`);
  console.log(`  history events       ${run.events}`);
  console.log('  API calls by endpoint (emulator count)');
  for (const [endpoint, n] of Object.entries(run.calls).sort()) console.log(`    ${endpoint.padEnd(60)} ${n}`);
}

/**
 * The least time the run's necessary calls take at the tiers' limits (each endpoint has its own bucket;
 * the phases run one after another), plus the emulator's time importing profiles and one job's delay.
 */
function floor(calls: Record<string, number>, jobs: { processingMs: number; jobDelayMs: number }): number {
  const speed = (tier: RateLimitTier) => ({ burst: tier.burst * opts.speed, steady: tier.steady * opts.speed });
  const posts = calls['POST /api/profile-bulk-import-jobs'] ?? 0;
  const removals = calls['DELETE /api/lists/{id}/relationships/profiles'] ?? 0;
  // One GET /api/profiles is the key check; the rest look ids up by e-mail.
  const lookups = Math.max(0, (calls['GET /api/profiles'] ?? 0) - 1);
  const pages = calls['GET /api/lists/{id}/profiles'] ?? 0;
  const seconds =
    callSeconds(posts, speed(OPERATIONS.createBulkImportJob.limit)) +
    callSeconds(lookups, speed(TIERS.L)) +
    callSeconds(removals, speed(OPERATIONS.removeProfilesFromList.limit)) +
    callSeconds(pages, speed(TIERS.L));
  return seconds + jobs.processingMs / 1000 + (posts > 0 ? (2 * jobs.jobDelayMs) / 1000 : 0);
}

/** Seconds from the first to the last of n calls allowed `burst` a second and `steady` a minute. */
function callSeconds(n: number, tier: { burst: number; steady: number }): number {
  if (n <= 0) return 0;
  const fullMinutes = Math.floor((n - 1) / tier.steady);
  const inLastMinute = n - fullMinutes * tier.steady;
  return fullMinutes * 60 + Math.ceil(inLastMinute / tier.burst) - 1;
}

function diff(before: StatsSnapshot['calls'], after: StatsSnapshot['calls']): Record<string, number> {
  return Object.fromEntries(Object.entries(after).map(([k, n]) => [k, n - (before[k] ?? 0)]).filter(([, n]) => n !== 0));
}

function polling(worker: ChildProcess): Promise<void> {
  return new Promise((resolve, reject) => {
    worker.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('worker polling')) resolve();
    });
    worker.once('exit', (code) => reject(new Error(`the worker exited with ${code}`)));
  });
}

const dockerfile = () => fs.readFileSync(path.join(root, 'Dockerfile'), 'utf8');

/** The Node flags the image starts the worker with (the Dockerfile's CMD: its heap limit); the bench runs it the same way. */
function workerNodeFlags(): string[] {
  const cmd = dockerfile().match(/^CMD (\[.*\])$/m);
  const args = cmd ? (JSON.parse(cmd[1]!) as string[]) : [];
  return args.filter((arg) => arg.startsWith('--'));
}

/** The image's memory settings for the process (ENV MALLOC_*: glibc's arenas), given to the bench's worker too. */
function workerMemoryEnv(): Record<string, string> {
  return Object.fromEntries([...dockerfile().matchAll(/^ENV (MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
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

/** User + system CPU-seconds of a process so far, from /proc (clock ticks of 1/100 s). */
function cpuSeconds(pid: number): number {
  try {
    // Fields after the command name (which may hold spaces) start at state: utime and stime are the 12th and 13th.
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return 0;
  }
}

/**
 * Seconds a process's threads spent runnable but not running (the kernel's run-queue wait, from
 * /proc/<pid>/task/<tid>/schedstat), summed over the threads alive at each sample: on a shared machine,
 * the part of the wall time another process's CPU took. A thread that ends loses its last interval.
 */
class RunQueueWaits {
  private readonly last = new Map<string, number>();

  constructor(private readonly pid: number) {
    this.sample();
  }

  /** Seconds waited since the previous sample. */
  sample(): number {
    let waited = 0;
    try {
      for (const tid of fs.readdirSync(`/proc/${this.pid}/task`)) {
        try {
          const ns = Number(fs.readFileSync(`/proc/${this.pid}/task/${tid}/schedstat`, 'utf8').split(' ')[1]);
          const before = this.last.get(tid);
          if (before !== undefined) waited += (ns - before) / 1e9;
          this.last.set(tid, ns);
        } catch {
          // The thread ended meanwhile.
        }
      }
    } catch {
      // The process ended.
    }
    return waited;
  }
}

function cpuOf(usage: NodeJS.CpuUsage): number {
  return (usage.user + usage.system) / 1e6;
}

/** Resets a process's peak RSS (Linux: writing 5 to clear_refs), so each run's peak is its own. */
function resetPeak(pid: number): void {
  try {
    fs.writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    console.warn('  (cannot reset the worker peak RSS: the second peak includes the first run)');
  }
}

function mb(bytes: number): string {
  return `${(bytes / 1024 / 1024).toFixed(0)} MiB`;
}

/** Events across every run of the workflow (continue-as-new starts a new run). */
async function historyEvents(client: Client, workflowId: string): Promise<number> {
  let total = 0;
  for await (const wf of client.workflow.list({ query: `WorkflowId="${workflowId}"` })) total += wf.historyLength;
  return total;
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
