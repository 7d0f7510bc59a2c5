/**
 * The PostgreSQL side of `npm run bench -- --source postgres` (scripts/bench.ts is the entry point): tables
 * of synthetic customers (made once per size, then reused), and the extraction measured in a process of
 * its own, so its peak RSS is the extraction's alone. Run directly with --child it is that process.
 */
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Client } from 'pg';
import { loadRowsIntoTable } from '../dev/postgresAudience';
import type { SyntheticItem } from '../dev/synthetic';
import { rowFileFor } from '../src/audience/snapshot';
import { sourceSettingsFromEnv } from '../src/config';

export const BENCH_CONNECTION = 'bench';
const SCHEMA = 'audience_bench';

export interface ExtractionMeasurement {
  rows: number;
  ms: number;
  cpuMs: number;
  peakRssMb: number;
  snapshotMb: number;
}

/** --postgres-url, else TEST_POSTGRES_URL, else a private cluster from scripts/ensure-postgres.sh. */
export function benchPostgresUrl(given?: string): string {
  if (given) return given;
  if (process.env.TEST_POSTGRES_URL) return process.env.TEST_POSTGRES_URL;
  console.log('Starting a private PostgreSQL with scripts/ensure-postgres.sh...');
  return execFileSync('bash', [path.resolve(__dirname, 'ensure-postgres.sh')], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
}

/**
 * A query over the table `name` in the bench schema holding `items` (`rows` of them): loaded unless a
 * table of that name and size is already there (synthetic rows are deterministic, so it is the same table).
 */
export async function benchTable(url: string, name: string, rows: number, items: () => Iterable<SyntheticItem>): Promise<string> {
  const table = `${SCHEMA}.${name}`;
  const client = new Client({ connectionString: url });
  await client.connect();
  let present = false;
  try {
    await client.query(`create schema if not exists ${SCHEMA}`);
    const found = await client.query<{ n: string }>(`select count(*) as n from ${table}`).catch(() => undefined);
    present = Number(found?.rows[0]?.n) === rows;
  } finally {
    await client.end();
  }
  if (!present) {
    console.log(`Loading ${rows} synthetic customers into ${table}...`);
    const started = Date.now();
    await loadRowsIntoTable(url, table, items(), (n) => {
      if (n % 100_000 === 0) process.stdout.write(`  ${n} rows\r`);
    });
    console.log(`  loaded in ${((Date.now() - started) / 1000).toFixed(0)} s`);
  }
  return `select * from ${table}`;
}

export function printExtraction(m: ExtractionMeasurement): void {
  console.log('\nExtraction');
  console.log(`  rows                 ${m.rows} (${m.snapshotMb} MB snapshot)`);
  console.log(`  wall time            ${(m.ms / 1000).toFixed(1)} s (${(m.cpuMs / 1000).toFixed(1)} s CPU)`);
  console.log(`  throughput           ${Math.round(m.rows / (m.ms / 1000))} rows/s (${Math.round(m.rows / (m.cpuMs / 1000))} rows per CPU-second)`);
  console.log(`  peak RSS             ${m.peakRssMb} MiB\n`);
}

/** Runs the query into a snapshot in a child process (given `nodeOptions`) and reports its speed and memory. */
export function measureExtraction(url: string, query: string, nodeOptions: string[] = []): Promise<ExtractionMeasurement> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', url, query], { execArgv: ['--require', 'tsx/cjs', ...nodeOptions] });
    child.once('message', (m) => resolve(m as ExtractionMeasurement));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`extraction child exited with ${code}`)));
  });
}

async function child(url: string, query: string): Promise<void> {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-extract-'));
  try {
    let rows = 0;
    const started = performance.now();
    const cpu = process.cpuUsage();
    const file = await rowFileFor(
      { type: 'postgres', connection: BENCH_CONNECTION, query },
      { dir, sources: sourceSettingsFromEnv({ AUDIENCE_CONNECTION_BENCH: url }), onProgress: (n) => (rows = n) },
    );
    const ms = performance.now() - started;
    const used = process.cpuUsage(cpu);
    const measurement: ExtractionMeasurement = {
      rows,
      ms: Math.round(ms),
      cpuMs: Math.round((used.user + used.system) / 1000),
      // maxRSS is in kilobytes.
      peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024),
      snapshotMb: Math.round(fs.statSync(file.path).size / 1e6),
    };
    process.send!(measurement);
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

if (require.main === module && process.argv[2] === '--child') {
  child(process.argv[3]!, process.argv[4]!).then(
    () => process.exit(0),
    (err: unknown) => {
      console.error(err);
      process.exit(1);
    },
  );
}
