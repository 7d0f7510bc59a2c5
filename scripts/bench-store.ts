/**
 * Micro-benchmark of the sync-state store's hot paths in a first sync: the plan's snapshot writes (a row per batch), the
 * batches' snapshot reads and member writes, and the run's scratch cleanup. Prints wall and CPU seconds of
 * this process per step and, with a PostgreSQL server on this machine, of its backends serving the bench.
 *
 *   npx tsx scripts/bench-store.ts [rows] [--store <file | postgres://...>] [--shuffle]
 *
 * The e-mails follow the rows' order (customer1..., customer2...: close to sorted, kind to the e-mail index);
 * --shuffle deals them out at random, as in a file sorted by anything but e-mail.
 * A SQLite file is created afresh (default /tmp/bench-store/state.sqlite); a PostgreSQL URL gets a fresh
 * database of its own, dropped at the end.
 */
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { isPostgresUrl, openStateStore } from '../src/store/open';
import type { SnapshotRow } from '../src/store/types';
import { BatchRowsWriter } from '../src/store/batchRows';

const args = process.argv.slice(2);
const storeAt = args.includes('--store') ? args[args.indexOf('--store') + 1]! : '/tmp/bench-store/state.sqlite';
const rowCount = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const shuffle = args.includes('--shuffle');
const BATCH_ROWS = 10_000;
const RUN_KEY = 'bench-first-sync-1764519999999/0195f7b0-1234-7abc-8def-0123456789ab';

function randomKey(): bigint {
  return BigInt.asIntN(64, (BigInt(Math.floor(Math.random() * 2 ** 32)) << 32n) | BigInt(Math.floor(Math.random() * 2 ** 32)));
}

function snapshotRows(n: number): SnapshotRow[] {
  const rows: SnapshotRow[] = [];
  for (let i = 0; i < n; i++) {
    const attributes = {
      first_name: `First${i}`,
      last_name: `Last${i}`,
      phone_number: `+1415555${String(i % 10000).padStart(4, '0')}`,
      external_id: `ext-${i}`,
      organization: `Org ${i % 1000}`,
      location: { address1: `${i} Main St`, city: 'Springfield', region: 'IL', zip: '62701', country: 'US', latitude: 39.7817, longitude: -89.6501, timezone: 'America/Chicago' },
      properties: { plan: 'gold', score: i % 100, signup: '2024-01-01T00:00:00.000Z' },
    };
    rows.push({
      email: `customer${i}.${(i * 7919) % 100003}@example${i % 50}.com`,
      emailKey: randomKey(),
      row: i + 2,
      batch: Math.floor(i / BATCH_ROWS),
      kind: 'new',
      rowHash: randomKey(),
      attrHash: randomKey(),
      attributes: JSON.stringify(attributes),
    });
  }
  if (shuffle) {
    for (let i = rows.length - 1; i > 0; i--) {
      const j = Math.floor(Math.random() * (i + 1));
      [rows[i]!.email, rows[j]!.email] = [rows[j]!.email, rows[i]!.email];
    }
  }
  return rows;
}

/** CPU seconds of this machine's processes whose title names the database (PostgreSQL backends, Linux). */
function backendCpu(database: string): number {
  let ticks = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      if (!fs.readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes(` ${database} `)) continue;
      const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]);
    } catch {
      // The process ended meanwhile.
    }
  }
  return ticks / 100;
}

interface BenchStore {
  location: string;
  size: () => Promise<number>;
  /** CPU seconds the store's server has used so far (0 for SQLite, which runs in this process). */
  serverCpu: () => number;
  dispose: () => Promise<void>;
}

/** A fresh store location, and how to measure and remove it afterwards. */
async function freshStore(): Promise<BenchStore> {
  if (!isPostgresUrl(storeAt)) {
    fs.mkdirSync(path.dirname(storeAt), { recursive: true });
    const files = [storeAt, `${storeAt}-wal`, `${storeAt}-shm`];
    for (const f of files) fs.rmSync(f, { force: true });
    const size = async () => files.reduce((sum, f) => sum + (fs.existsSync(f) ? fs.statSync(f).size : 0), 0);
    return { location: storeAt, size, serverCpu: () => 0, dispose: async () => undefined };
  }
  const name = `bench_store_${Date.now()}`;
  const admin = new pg.Client({ connectionString: storeAt });
  await admin.connect();
  await admin.query(`CREATE DATABASE ${name}`);
  const url = new URL(storeAt);
  url.pathname = `/${name}`;
  const size = async () => Number((await admin.query('SELECT pg_database_size($1) AS n', [name])).rows[0].n);
  const dispose = async () => {
    await admin.query(`DROP DATABASE ${name}`);
    await admin.end();
  };
  return { location: url.toString(), size, serverCpu: () => backendCpu(name), dispose };
}

async function main() {
  const rows = snapshotRows(rowCount);
  const at = await freshStore();
  const store = await openStateStore(at.location);
  const step = async (label: string, fn: () => Promise<void>) => {
    const cpu = process.cpuUsage();
    const server = at.serverCpu();
    const start = performance.now();
    await fn();
    const used = process.cpuUsage(cpu);
    const serverUsed = at.serverCpu() - server;
    const seconds = (n: number) => `${n.toFixed(1).padStart(6)} s`;
    console.log(
      `${label.padEnd(28)} wall ${seconds((performance.now() - start) / 1000)}   cpu ${seconds((used.user + used.system) / 1e6)}` +
        (store.engine === 'postgres' ? `   server cpu ${seconds(serverUsed)}` : ''),
    );
  };
  const batches = Math.ceil(rowCount / BATCH_ROWS);
  console.log(`${store.engine} store, ${rowCount} rows, e-mails ${shuffle ? 'shuffled' : 'in row order'}`);
  await step(`putSnapshotBatch x${batches}`, async () => {
    const writer = new BatchRowsWriter();
    for (let b = 0; b < batches; b++) {
      writer.reset();
      for (const row of rows.slice(b * BATCH_ROWS, (b + 1) * BATCH_ROWS)) writer.add(row);
      await store.putSnapshotBatch(RUN_KEY, b, writer.encoded());
    }
  });
  await step(`snapshotBatch x${batches}`, async () => {
    let read = 0;
    for (let b = 0; b < batches; b++) read += (await store.snapshotBatch(RUN_KEY, b))!.length;
    if (read !== rowCount) throw new Error(`read ${read} rows of ${rowCount}`);
  });
  await step(`recordSent x${batches}`, async () => {
    for (let b = 0; b < batches; b++) await store.recordSent('acct123', 'LiStId', RUN_KEY, rows.slice(b * BATCH_ROWS, (b + 1) * BATCH_ROWS));
  });
  const before = await at.size();
  await step('clearScratch', () => store.clearScratch(RUN_KEY));
  console.log(`store size ${(before / 1e6).toFixed(0)} MB before clearScratch, ${((await at.size()) / 1e6).toFixed(0)} MB after`);
  await store.close();
  await at.dispose();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
