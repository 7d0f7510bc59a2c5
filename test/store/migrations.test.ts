/** Upgrading a store a released worker left behind: its members and a run in flight come through intact. */
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/migrations';
import { openStateStore } from '../../src/store/open';
import { encodeBatch } from '../../src/store/batchRows';
import { rawEngine, storeBackends } from '../support/stateStores';

const RUN = 'wf/in-flight';

describe.each(storeBackends())('store migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('re-keys members and the scratch of a run in flight by run id, losing nothing', async () => {
    const location = await backend.fresh();
    const old = rawEngine(location);
    expect(await migrate(old, MIGRATIONS.filter((m) => m.version <= 2))).toEqual([1, 2]);
    await old.run(
      `INSERT INTO members (account, list_id, email, email_key, profile_id, row_hash, attr_hash, run_key) VALUES
       ('acct', 'L', 'kept@x.com', 1, 'P1', 11, 12, 'wf/earlier'), ('acct', 'L', 'unknown@x.com', 2, 'P2', NULL, NULL, NULL)`,
    );
    await old.run(
      `INSERT INTO run_rows (run_key, email, email_key, source_row, batch, kind, row_hash, attr_hash, attributes) VALUES
       (?, 'a@x.com', 5, 2, 0, 'new', 21, 22, '{"n":2}'), (?, 'b@x.com', 6, 3, 1, 'changed', 31, 32, '{"n":3}')`,
      [RUN, RUN],
    );
    await old.run(`INSERT INTO run_departures (run_key, seq, email, profile_id) VALUES (?, 1, 'gone@x.com', 'P9')`, [RUN]);
    await old.run(`INSERT INTO run_members (run_key, profile_id, email, email_key) VALUES (?, 'P1', 'kept@x.com', 1)`, [RUN]);
    await old.run(`INSERT INTO run_seals (run_key, sealed, waits, done) VALUES (?, 1, '[]', 0)`, [RUN]);
    await old.close();

    const store = await openStateStore(location);
    try {
      expect(await store.memberPage('acct', 'L', { kind: 'stored' }, undefined, 10)).toEqual([
        { email: 'kept@x.com', emailKey: 1n, profileId: 'P1', rowHash: 11n, attrHash: 12n },
        { email: 'unknown@x.com', emailKey: 2n, profileId: 'P2', rowHash: null, attrHash: null },
      ]);
      // Migration 4 keeps the snapshot a row per batch and drops the row-per-profile table: the run's batches
      // read as missing (upsertBatch fails the run as snapshot_lost), never as empty.
      expect(await store.snapshotBatch(RUN, 1)).toBeUndefined();
      expect(await store.snapshotSeal(RUN)).toEqual({ sealed: 1, waits: [] });
      expect(await store.departurePage(RUN, 0, 10)).toEqual([{ seq: 1, email: 'gone@x.com', profileId: 'P9' }]);
      expect(await store.readDrift('acct', 'L', RUN)).toEqual({ listed: 1, strangers: 0, missing: 1 });
      // A re-planned run writes its snapshot under its migrated run id.
      await store.putSnapshotBatch(RUN, 1, encodeBatch([{ email: 'a@x.com', emailKey: 5n, row: 9, batch: 1, kind: 'new', rowHash: 1n, attrHash: 1n, attributes: '{}' }]));
      expect((await store.snapshotBatch(RUN, 1))?.map((r) => r.row)).toEqual([9]);
      await store.clearScratch(RUN);
      expect(await store.snapshotBatch(RUN, 1)).toBeUndefined();
      expect(await store.departurePage(RUN, 0, 10)).toEqual([]);
      expect(await store.countMembers('acct', 'L')).toBe(2);
    } finally {
      await store.close();
    }
  });

  it('carries members into their key order (migration 5); a run in flight across it records over them', async () => {
    const location = await backend.fresh();
    const old = rawEngine(location);
    expect(await migrate(old, MIGRATIONS.filter((m) => m.version <= 4))).toEqual([1, 2, 3, 4]);
    await old.run(`INSERT INTO run_ids (run_key) VALUES ('wf/earlier')`);
    await old.run(
      `INSERT INTO members (account, list_id, email, email_key, profile_id, row_hash, attr_hash, run_id) VALUES
       ('acct', 'L', 'late@x.com', 9, 'P9', 91, 92, 1), ('acct', 'L', 'early@x.com', -3, 'P3', 31, 32, 1),
       ('acct', 'L', 'tie@x.com', 5, NULL, 51, 52, NULL), ('acct', 'L2', 'early@x.com', -3, 'Q3', 1, 1, 1)`,
    );
    await old.close();

    const store = await openStateStore(location);
    try {
      expect(await store.memberPage('acct', 'L', { kind: 'stored' }, undefined, 10)).toEqual([
        { email: 'early@x.com', emailKey: -3n, profileId: 'P3', rowHash: 31n, attrHash: 32n },
        { email: 'tie@x.com', emailKey: 5n, profileId: null, rowHash: 51n, attrHash: 52n },
        { email: 'late@x.com', emailKey: 9n, profileId: 'P9', rowHash: 91n, attrHash: 92n },
      ]);
      await store.recordSent('acct', 'L', RUN, [
        { email: 'late@x.com', emailKey: 9n, rowHash: 7n, attrHash: 7n },
        { email: 'tie@x.com', emailKey: 5n, rowHash: null, attrHash: null },
        { email: 'tie-2@x.com', emailKey: 5n, rowHash: 8n, attrHash: 8n },
      ]);
      expect(await store.memberPage('acct', 'L', { kind: 'stored' }, { emailKey: -3n, email: 'early@x.com' }, 10)).toEqual([
        { email: 'tie-2@x.com', emailKey: 5n, profileId: null, rowHash: 8n, attrHash: 8n },
        { email: 'tie@x.com', emailKey: 5n, profileId: null, rowHash: null, attrHash: null },
        { email: 'late@x.com', emailKey: 9n, profileId: null, rowHash: 7n, attrHash: 7n },
      ]);
      expect(await store.membersByKeys('acct', 'L2', [-3n])).toEqual([{ email: 'early@x.com', emailKey: -3n, profileId: 'Q3', rowHash: 1n, attrHash: 1n }]);
    } finally {
      await store.close();
    }
  });
});
