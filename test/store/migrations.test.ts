/** Upgrading a store a released worker left behind: its members and a run in flight come through intact. */
import { afterAll, describe, expect, it } from 'vitest';
import { MIGRATIONS, migrate } from '../../src/store/migrations';
import { isPostgresUrl, openStateStore } from '../../src/store/open';
import { PostgresEngine } from '../../src/store/postgresEngine';
import { SqliteEngine } from '../../src/store/sqliteEngine';
import { encodeBatch } from '../../src/store/batchRows';
import { storeBackends } from '../support/stateStores';

const RUN = 'wf/in-flight';

describe.each(storeBackends())('store migrations on $name', (backend) => {
  afterAll(() => backend.cleanup());

  it('re-keys members and the scratch of a run in flight by run id, losing nothing', async () => {
    const location = await backend.fresh();
    const old = isPostgresUrl(location) ? new PostgresEngine(location) : new SqliteEngine(location);
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
});
