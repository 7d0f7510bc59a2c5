/**
 * Replays a first sync's store calls on SQLite, as the worker makes them: the plan thread's connection writes
 * the snapshot (one encoded 10,000-row batch a putSnapshotBatch call, a seal after each) while the activities' connection
 * reads each sealed batch, records what was sent (a few rows refused by Klaviyo) and, at the end, clears the
 * scratch. Prints CPU seconds per call kind and per connection (the worker's plan thread and main thread),
 * so the store's share of a first sync can be tuned without the full bench.
 *
 *   flock /tmp/bench.lock npx tsx scripts/bench-first-sync-store.ts [rows] [--store <file>] [--lag <batches>]
 *
 * One thread makes every call in turn, so the connections never wait for each other's lock; a checkpoint
 * falls to whichever connection commits past the WAL's threshold, as in the worker. --lag is how many sealed
 * batches the sends trail the plan by (the bulk import jobs' time).
 */
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { syntheticEmail } from '../dev/synthetic';
import { loadHashes } from '../src/audience/emailHash';
import { BatchRowsWriter } from '../src/store/batchRows';
import { openStateStore } from '../src/store/open';
import type { SnapshotRow, SyncStateStore } from '../src/store/types';

const args = process.argv.slice(2);
const option = (name: string, fallback: string) => (args.includes(name) ? args[args.indexOf(name) + 1]! : fallback);
const storeAt = option('--store', '/tmp/bench-first-sync/state.sqlite');
const lag = Number(option('--lag', '4'));
const rowCount = Number(args.find((a) => /^\d+$/.test(a)) ?? 1_000_000);
const BATCH_ROWS = 10_000;
/** One row in this many is refused by Klaviyo. */
const REFUSED_EVERY = 1000;
const RUN_KEY = 'bench-first-sync-1764519999999/0195f7b0-1234-7abc-8def-0123456789ab';
const ACCOUNT = 'acct123';
const LIST = 'LiStId';

/** CPU seconds per "connection call" label. */
const cpu = new Map<string, { seconds: number; calls: number }>();

function count(label: string, start: NodeJS.CpuUsage): void {
  const used = process.cpuUsage(start);
  const entry = cpu.get(label) ?? { seconds: 0, calls: 0 };
  entry.seconds += (used.user + used.system) / 1e6;
  entry.calls++;
  cpu.set(label, entry);
}

let current = '';
async function timed<T>(label: string, fn: () => Promise<T>): Promise<T> {
  const start = process.cpuUsage();
  current = label;
  const result = await fn();
  count(label, start);
  return result;
}

// The share of each call spent in exec (BEGIN, COMMIT and the checkpoints a COMMIT runs), counted apart.
const exec = Database.prototype.exec;
Database.prototype.exec = function (this: Database.Database, sql: string) {
  const start = process.cpuUsage();
  const result = exec.call(this, sql);
  count(`${current}: exec ${sql.split(' ')[0]}`, start);
  return result;
};

async function snapshotRows(): Promise<SnapshotRow[]> {
  const { emailKey, hash64 } = await loadHashes();
  const rows: SnapshotRow[] = [];
  for (let i = 0; i < rowCount; i++) {
    const email = syntheticEmail(i);
    const attributes = JSON.stringify({
      email,
      first_name: `First${i}`,
      last_name: `Last${i}`,
      phone_number: `+1415555${String(i % 10000).padStart(4, '0')}`,
      location: { city: 'Springfield', region: 'IL', zip: '62701', country: 'US' },
      properties: { plan: 'gold', score: i % 100 },
    });
    rows.push({ email, emailKey: emailKey(email), row: i + 2, batch: Math.floor(i / BATCH_ROWS), kind: 'new', rowHash: hash64(attributes), attrHash: hash64(email), attributes });
  }
  return rows;
}

async function send(main: SyncStateStore, batch: number): Promise<void> {
  await timed('main snapshotSeal', () => main.snapshotSeal(RUN_KEY));
  const rows = (await timed('main snapshotBatch', () => main.snapshotBatch(RUN_KEY, batch)))!;
  await timed('main putRejects', () => main.putRejects(RUN_KEY, []));
  const sent = rows.map((r, i) => ({ email: r.email, emailKey: r.emailKey, rowHash: i % REFUSED_EVERY === 7 ? null : r.rowHash, attrHash: i % REFUSED_EVERY === 7 ? null : r.attrHash }));
  await timed('main recordSent', () => main.recordSent(ACCOUNT, LIST, RUN_KEY, sent));
}

async function main() {
  const rows = await snapshotRows();
  fs.mkdirSync(path.dirname(storeAt), { recursive: true });
  for (const f of [storeAt, `${storeAt}-wal`, `${storeAt}-shm`]) fs.rmSync(f, { force: true });
  if (args.includes('--page-size')) {
    // A new file's page size holds once its first table exists.
    const db = new Database(storeAt);
    db.pragma(`page_size = ${Number(option('--page-size', '4096'))}`);
    db.exec('CREATE TABLE page_size_set (x); DROP TABLE page_size_set');
    db.close();
  }
  const plan = await openStateStore(storeAt);
  const activities = await openStateStore(storeAt);
  // --pragma 'name = value' (repeatable): tried on both connections, over the engine's own settings.
  // --main-pragma / --plan-pragma: on one connection only.
  for (const [i, a] of args.entries()) {
    const on = { '--pragma': [plan, activities], '--main-pragma': [activities], '--plan-pragma': [plan] }[a] ?? [];
    for (const store of on) (store as unknown as { db: { db: Database.Database } }).db.db.pragma(args[i + 1]!);
  }
  // --exec 'sql': a schema experiment, run once before the replay.
  if (args.includes('--exec')) (plan as unknown as { db: { db: Database.Database } }).db.db.exec(option('--exec', ''));
  const batches = Math.ceil(rowCount / BATCH_ROWS);
  const wallStart = performance.now();
  let sent = 0;
  const writer = new BatchRowsWriter();
  for (let b = 0; b < batches; b++) {
    writer.reset();
    for (let i = b * BATCH_ROWS; i < Math.min(rowCount, (b + 1) * BATCH_ROWS); i++) writer.add(rows[i]!);
    await timed('plan putSnapshotBatch', () => plan.putSnapshotBatch(RUN_KEY, b, writer.encoded()));
    await timed('plan sealSnapshot', () => plan.sealSnapshot(RUN_KEY, { sealed: b + 1, waits: [], done: b + 1 === batches }));
    while (sent < b + 1 - lag) await send(activities, sent++);
  }
  while (sent < batches) await send(activities, sent++);
  await timed('main countMembers', async () => {
    const n = await activities.countMembers(ACCOUNT, LIST);
    const refused = rows.filter((_, i) => i % BATCH_ROWS % REFUSED_EVERY === 7).length;
    console.log(`members ${n} (expected ${rowCount}), refused ${refused}`);
  });
  await timed('main clearScratch', () => activities.clearScratch(RUN_KEY));
  const wall = (performance.now() - wallStart) / 1000;
  const total = { plan: 0, main: 0 };
  console.log(`sqlite store, ${rowCount} rows, sends trail the plan by ${lag} batches; wall ${wall.toFixed(1)} s`);
  for (const [label, { seconds, calls }] of [...cpu].sort()) {
    if (!label.includes(':')) total[label.startsWith('plan') ? 'plan' : 'main'] += seconds;
    console.log(`  ${label.padEnd(22)} ${String(calls).padStart(6)} calls  cpu ${seconds.toFixed(2).padStart(7)} s`);
  }
  console.log(`  (a "call: exec" line is part of its call's own)`);
  console.log(`  plan connection cpu ${total.plan.toFixed(2)} s, main connection cpu ${total.main.toFixed(2)} s`);
  const size = (f: string) => (fs.existsSync(f) ? fs.statSync(f).size : 0);
  console.log(`  store ${(size(storeAt) / 1e6).toFixed(0)} MB, wal ${(size(`${storeAt}-wal`) / 1e6).toFixed(0)} MB, peak rss ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MiB`);
  await plan.close();
  await activities.close();
}

main().catch((err) => {
  console.error(err);
  process.exitCode = 1;
});
