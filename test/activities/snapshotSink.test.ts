/**
 * The plan's snapshot in the store, a row per batch: the last row of an e-mail is the one a batch read gives,
 * whether the earlier row was in the batch still open (replaced in memory) or in one already written (marked
 * superseded there); an e-mail taken back at the end is marked too; a plan that does not seal starts afresh.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { PlanInput } from '../../src/activities/audience';
import { planIntoStore } from '../../src/activities/planPass';
import { encodeBatch } from '../../src/store/batchRows';
import { openStateStore } from '../../src/store/open';
import type { SyncStateStore } from '../../src/store/types';
import { storeBackend, storeEngines } from '../support/stateStores';

describe.each(storeEngines())('the snapshot a plan leaves in the %s store', (engine) => {
  const backend = storeBackend(engine);
  let dir: string;
  let location: string;
  let store: SyncStateStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'snapshot-sink-'));
    location = await backend.fresh();
    store = await openStateStore(location);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => backend.cleanup());

  /** Plans `csv` into `target` (the store, or a watched one) as a run's plan activity does. */
  const planInto = (
    target: SyncStateStore,
    csv: string,
    input: Partial<PlanInput> = {},
    { perBatch = 2, onRows = (_rows: number) => {} }: { perBatch?: number; onRows?: (rows: number) => void } = {},
  ) => {
    const file = path.join(dir, `audience-${Math.random().toString(36).slice(2)}.csv`);
    fs.writeFileSync(file, csv);
    const job = {
      input: {
        audience: { type: 'csv' as const, path: file },
        updateContacts: true,
        runKey: 'wf/run',
        workflowId: 'wf',
        startedAt: new Date().toISOString(),
        account: 'A1',
        listId: null,
        listName: 'Snap',
        dryRun: false,
        membershipRead: false,
        ...input,
      },
      rows: { type: 'csv' as const, path: file },
      audience: { batchMaxProfiles: perBatch, defaultPhoneCountry: 'US' },
      store: { location, shownAs: store.location },
    };
    return planIntoStore(target, job, (beat) => onRows(beat.rows));
  };
  const plan = (csv: string, input: Partial<PlanInput> = {}) => planInto(store, csv, input);
  /** Each batch as `email:first_name`, as upsertBatch reads it. */
  const batches = async (count: number, opts: { withSuperseded?: boolean } = {}) => {
    const out: string[][] = [];
    for (let b = 0; b < count; b++) {
      const rows = await store.snapshotBatch('wf/run', b, opts);
      out.push(rows!.map((r) => `${r.email}:${JSON.parse(r.attributes.toString('utf8')).first_name}`));
    }
    return out;
  };

  it('first sync: a later row replaces one in the open batch, and marks one in a sealed batch superseded; every batch is written before its seal', async () => {
    // Batches of 2: [a1 a2] [b c1] [c2 a3] [e]: a2 replaces a1 in the open batch; c2 and a3 supersede rows in sealed batches.
    const { plan: planned } = await plan('email,first_name\na@x.com,A1\na@x.com,A2\nb@x.com,B\nc@x.com,C1\nc@x.com,C2\na@x.com,A3\ne@x.com,E\n', {
      sealBatches: true,
    });
    expect(planned).toMatchObject({ batches: 4, uniqueEmails: 4, toAdd: 4, duplicateRows: 3 });
    expect(await batches(4)).toEqual([[], ['b@x.com:B'], ['c@x.com:C2', 'a@x.com:A3'], ['e@x.com:E']]);
    // A job of batch 0 or 1 sent again carries what the batch first held (its rows as written).
    expect(await batches(2, { withSuperseded: true })).toEqual([['a@x.com:A2'], ['b@x.com:B', 'c@x.com:C1']]);
    expect(await store.snapshotSeal('wf/run')).toEqual({ sealed: 4, waits: [[2, 1]], done: true });
    expect(await store.snapshotBatch('wf/run', 4)).toBeUndefined();
  });

  it('refresh: an e-mail whose last row is unchanged is taken back from the batch that held its earlier row; an earlier attempt’s snapshot goes', async () => {
    await plan('email,first_name\na@x.com,Ann\nb@x.com,Bob\n');
    const first = (await store.snapshotBatch('wf/run', 0))!;
    await store.recordSent('A1', 'L1', 'wf/first', first.map((r) => ({ email: r.email, emailKey: r.emailKey, rowHash: r.rowHash, attrHash: r.attrHash })));
    // Left by an earlier attempt of this run's plan (say against a list since made again): not this plan's.
    await store.putSnapshotBatch('wf/run', 3, encodeBatch(first.map((r) => ({ ...r, batch: 3, attributes: r.attributes.toString('utf8') }))));
    await store.supersedeSnapshotRows('wf/run', [{ batch: 0, emailKey: first[1]!.emailKey }]);

    // a: changed, then back as stored (taken back); b changed; c, d new: batches [a' b'] [c d].
    const { plan: planned } = await plan('email,first_name\na@x.com,Other\nb@x.com,Bobby\nc@x.com,Cy\nd@x.com,Di\na@x.com,Ann\n', { listId: 'L1' });
    expect(planned).toMatchObject({ batches: 2, toAdd: 2, toUpdate: 1, unchanged: 1 });
    expect(await batches(2)).toEqual([['b@x.com:Bobby'], ['c@x.com:Cy', 'd@x.com:Di']]);
    expect(await store.snapshotBatch('wf/run', 3)).toBeUndefined();
  });

  it('refresh: an e-mail taken back while its row is in the batch still open', async () => {
    await plan('email,first_name\na@x.com,Ann\n');
    const first = (await store.snapshotBatch('wf/run', 0))!;
    await store.recordSent('A1', 'L1', 'wf/first', first.map((r) => ({ email: r.email, emailKey: r.emailKey, rowHash: r.rowHash, attrHash: r.attrHash })));
    const { plan: planned } = await plan('email,first_name\nb@x.com,Bob\na@x.com,Other\na@x.com,Ann\n', { listId: 'L1' });
    expect(planned).toMatchObject({ batches: 1, toAdd: 1, unchanged: 1 });
    expect(await batches(1)).toEqual([['b@x.com:Bob']]);
  });

  it('a dry run keeps its rejects and writes no batch (nothing reads them)', async () => {
    const { plan: planned } = await plan('email,first_name\na@x.com,Ann\nnope,Bad\n', { dryRun: true });
    expect(planned).toMatchObject({ batches: 1, toAdd: 1, rejectedRows: 1 });
    expect(await store.snapshotBatch('wf/run', 0)).toBeUndefined();
    expect(await store.countRejects('wf/run')).toBe(1);
  });

  describe('writes behind the pass', () => {
    /** The store, with each snapshot write logged as it starts and ends, and the first batch's write held until `release`. */
    const watched = (hold: { until?: Promise<void>; fail?: Error } = {}) => {
      const log: string[] = [];
      const watchedStore = new Proxy(store, {
        get(target, name, receiver) {
          const value = Reflect.get(target, name, receiver) as unknown;
          if (name === 'putSnapshotBatch') {
            return async (runKey: string, batch: number, encoded: Parameters<SyncStateStore['putSnapshotBatch']>[2]) => {
              log.push(`write ${batch}`);
              if (batch === 0 && hold.until) await hold.until;
              if (batch === 1 && hold.fail) throw hold.fail;
              await target.putSnapshotBatch(runKey, batch, encoded);
              log.push(`written ${batch}`);
            };
          }
          if (name === 'sealSnapshot') {
            return async (runKey: string, seal: Parameters<SyncStateStore['sealSnapshot']>[1]) => {
              log.push(`seal ${seal.sealed}`);
              await target.sealSnapshot(runKey, seal);
            };
          }
          return typeof value === 'function' ? value.bind(target) : value;
        },
      });
      return { log, watchedStore };
    };
    const csv = (rows: number) => `email,first_name\n${Array.from({ length: rows }, (_, i) => `p${i}@x.com,P${i}`).join('\n')}\n`;
    const planWith = (target: SyncStateStore, rows: number, opts: { perBatch?: number; onRows?: (rows: number) => void } = {}) =>
      planInto(target, csv(rows), { sealBatches: true }, opts);

    it('seals a batch only after it and every batch before it are written, in order', async () => {
      const { log, watchedStore } = watched();
      const { plan: planned } = await planWith(watchedStore, 9);
      expect(planned.batches).toBe(5);
      for (const entry of log.filter((e) => e.startsWith('seal'))) {
        const sealed = Number(entry.split(' ')[1]);
        for (let b = 0; b < sealed; b++) expect(log.indexOf(`written ${b}`), `${entry} after batch ${b} is written`).toBeLessThan(log.indexOf(entry));
      }
      expect(log.filter((e) => e.startsWith('write '))).toEqual(['write 0', 'write 1', 'write 2', 'write 3', 'write 4']);
      expect(await batches(5)).toEqual([['p0@x.com:P0', 'p1@x.com:P1'], ['p2@x.com:P2', 'p3@x.com:P3'], ['p4@x.com:P4', 'p5@x.com:P5'], ['p6@x.com:P6', 'p7@x.com:P7'], ['p8@x.com:P8']]);
    });

    it('fills the next batch while a write waits, and waits itself when that one is full too', async () => {
      let release!: () => void;
      const { log, watchedStore } = watched({ until: new Promise<void>((resolve) => (release = resolve)) });
      let read = 0;
      // Batches of 1,000 rows; progress is told every 1,000 rows read.
      const planning = planWith(watchedStore, 5000, { perBatch: 1000, onRows: (rows) => (read = Math.max(read, rows)) });
      await new Promise((resolve) => setTimeout(resolve, 300));
      // Batch 0's write waits: the pass filled batch 1 in the second buffer and stopped at batch 2's first row.
      expect(log).toEqual(['write 0']);
      expect(read).toBe(2000);
      release();
      const { plan: planned } = await planning;
      expect(planned.batches).toBe(5);
      expect(log.filter((e) => e.startsWith('written'))).toEqual(['written 0', 'written 1', 'written 2', 'written 3', 'written 4']);
    });

    it('fails the plan when a write behind it fails, and seals nothing past it', async () => {
      const { log, watchedStore } = watched({ fail: new Error('disk full') });
      await expect(planWith(watchedStore, 9)).rejects.toThrow('disk full');
      expect(log.filter((e) => e.startsWith('seal')).map((e) => Number(e.split(' ')[1])).every((sealed) => sealed <= 1)).toBe(true);
    });
  });
});
