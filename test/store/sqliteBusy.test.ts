/**
 * Two connections to one embedded store in one process (the worker and its plan thread): a writer waits for the
 * other's write lock without blocking its event loop, so the holder, if it is on that same loop, can finish.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, expect, it } from 'vitest';
import { SqliteEngine } from '../../src/store/sqliteEngine';

let dir: string;
afterEach(() => fs.rmSync(dir, { recursive: true, force: true }));

it('waits, without blocking, for a write lock another connection holds across an await', async () => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'sqlite-busy-'));
  const file = path.join(dir, 'state.sqlite');
  const holder = new SqliteEngine(file);
  const waiter = new SqliteEngine(file);
  try {
    await holder.run('CREATE TABLE t (x INTEGER)');
    let locked!: () => void;
    const holding = new Promise<void>((resolve) => (locked = resolve));
    const held = holder.transaction(async (tx) => {
      await tx.run('INSERT INTO t VALUES (1)');
      locked();
      await new Promise((resolve) => setTimeout(resolve, 1000));
    });
    await holding;
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 50);
    const started = Date.now();
    await waiter.run('INSERT INTO t VALUES (2)');
    clearInterval(ticker);
    await held;
    expect(Date.now() - started).toBeLessThan(10_000);
    expect(ticks).toBeGreaterThan(5);
    expect(await waiter.all('SELECT x FROM t ORDER BY x')).toEqual([{ x: 1n }, { x: 2n }]);
  } finally {
    await holder.close();
    await waiter.close();
  }
});
