/**
 * The embedded store's write-ahead log: checkpointed once it holds 64 MiB (a first sync's batches rewrite the
 * same index pages, copied once per checkpoint), never left to grow past that, and every commit stays
 * visible to another connection meanwhile.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteEngine } from '../../src/store/sqliteEngine';

const MIB = 1024 * 1024;
let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('checkpoints the log at 64 MiB, not at SQLite default 4 MiB, and keeps it near that size', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-wal-'));
  const file = path.join(dir, 'state.sqlite');
  const writer = new SqliteEngine(file);
  const reader = new SqliteEngine(file);
  const walBytes = () => fs.statSync(`${file}-wal`).size;
  // One commit of ~1 MiB: 64 rows of 16 KiB.
  const commit = (n: number) =>
    writer.insert({ table: 't', columns: [['n', 'bigint'], ['body', 'text']] }, Array.from({ length: 64 }, (_, i) => [n * 64 + i, 'x'.repeat(16 * 1024)]));
  try {
    await writer.run('CREATE TABLE t (n INTEGER PRIMARY KEY, body TEXT)');
    for (let n = 0; n < 12; n++) await commit(n);
    // SQLite's default would have checkpointed and reused the log from 4 MiB on.
    expect(walBytes()).toBeGreaterThan(10 * MIB);
    expect(await reader.all('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 12n * 64n }]);
    for (let n = 12; n < 100; n++) await commit(n);
    expect(walBytes()).toBeLessThan(70 * MIB);
    expect(await reader.all('SELECT COUNT(*) AS n FROM t')).toEqual([{ n: 100n * 64n }]);
  } finally {
    await writer.close();
    await reader.close();
  }
});
