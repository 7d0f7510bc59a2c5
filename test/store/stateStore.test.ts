/** The store's contract, run against both engines: what one process writes, another reads back the same way. */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import net from 'node:net';
import { openStateStore } from '../../src/store/open';
import { MIGRATIONS } from '../../src/store/migrations';
import { encodeBatch } from '../../src/store/batchRows';
import type { RunRecord, SnapshotRow, SyncStateStore } from '../../src/store/types';
import { storeBackends } from '../support/stateStores';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe.each(storeBackends())('sync-state store on $name', (backend) => {
  let store: SyncStateStore;
  let location: string;
  beforeAll(async () => {
    location = await backend.fresh();
    store = await openStateStore(location);
  });
  afterAll(async () => {
    await store?.close();
    await backend.cleanup();
  });

  it('applies its migrations once; a second open (another worker) finds them applied', async () => {
    const again = await openStateStore(location);
    await again.close();
    expect(MIGRATIONS.map((m) => m.version)).toEqual([1, 2, 3, 4, 5]);
    expect(store.engine).toBe(backend.name);
  });

  it('keeps members per account and list, pages them in e-mail-key order, full 64-bit hashes included', async () => {
    await store.recordSent('acct', 'L1', 'run-1', [
      { email: 'b@x.com', emailKey: MAX, rowHash: MIN, attrHash: 5n },
      { email: 'a@x.com', emailKey: MIN, rowHash: MAX, attrHash: -5n },
      { email: 'c@x.com', emailKey: 0n, rowHash: 1n, attrHash: 2n },
    ]);
    await store.recordSent('acct', 'L2', 'run-1', [{ email: 'a@x.com', emailKey: MIN, rowHash: 1n, attrHash: 1n }]);
    await store.recordSent('other', 'L1', 'run-1', [{ email: 'z@x.com', emailKey: 9n, rowHash: 1n, attrHash: 1n }]);
    const first = await store.memberPage('acct', 'L1', { kind: 'stored' }, undefined, 2);
    expect(first.map((m) => m.email)).toEqual(['a@x.com', 'c@x.com']);
    expect(first[0]).toEqual({ email: 'a@x.com', emailKey: MIN, profileId: null, rowHash: MAX, attrHash: -5n });
    const rest = await store.memberPage('acct', 'L1', { kind: 'stored' }, first[1], 2);
    expect(rest).toEqual([{ email: 'b@x.com', emailKey: MAX, profileId: null, rowHash: MIN, attrHash: 5n }]);
    expect(await store.countMembers('acct', 'L1')).toBe(3);
    // Looked up by key (a refresh's departures): this list's members only, in page order, unknown keys ignored.
    const byKeys = await store.membersByKeys('acct', 'L1', [MAX, 7n, MIN]);
    expect(byKeys).toEqual([first[0], rest[0]]);
    expect(await store.membersByKeys('acct', 'L1', [])).toEqual([]);
  });

  it('pages keys and hashes for a plan in key order; e-mails sharing a key never straddle two pages', async () => {
    await store.recordSent('acct', 'H', 'run-1', [
      { email: 'max@x.com', emailKey: MAX, rowHash: 4n, attrHash: 4n },
      { email: 'tie-1@x.com', emailKey: 5n, rowHash: 2n, attrHash: 2n },
      { email: 'tie-2@x.com', emailKey: 5n, rowHash: 3n, attrHash: 3n },
      { email: 'min@x.com', emailKey: MIN, rowHash: MAX, attrHash: MIN },
      { email: 'refused@x.com', emailKey: 7n, rowHash: 9n, attrHash: 9n },
    ]);
    // Refused by Klaviyo next time: its hashes are unknown.
    await store.recordSent('acct', 'H', 'run-2', [{ email: 'refused@x.com', emailKey: 7n, rowHash: null, attrHash: null }]);
    await store.recordSent('acct', 'H2', 'run-1', [{ email: 'min@x.com', emailKey: MIN, rowHash: 1n, attrHash: 1n }]);
    // A limit of 2 cuts between the two e-mails of key 5: the page takes both.
    const first = await store.memberHashPage('acct', 'H', undefined, 2);
    expect(first[0]).toEqual({ emailKey: MIN, rowHash: MAX, attrHash: MIN });
    expect(first.slice(1).map((m) => m.rowHash).sort()).toEqual([2n, 3n]);
    expect(first.map((m) => m.emailKey)).toEqual([MIN, 5n, 5n]);
    const rest = await store.memberHashPage('acct', 'H', 5n, 2);
    expect(rest).toEqual([
      { emailKey: 7n, rowHash: null, attrHash: null },
      { emailKey: MAX, rowHash: 4n, attrHash: 4n },
    ]);
    expect(await store.memberHashPage('acct', 'H', MAX, 2)).toEqual([]);
  });

  it('forgets profile ids of re-sent members, marks Klaviyo-refused ones for another try, and removes members', async () => {
    await store.setProfileIds('acct', 'L1', [
      { email: 'a@x.com', emailKey: MIN, profileId: 'P-A' },
      { email: 'c@x.com', emailKey: 0n, profileId: 'P-C' },
    ]);
    await store.recordSent('acct', 'L1', 'run-2', [
      { email: 'a@x.com', emailKey: MIN, rowHash: 7n, attrHash: 7n },
      { email: 'c@x.com', emailKey: 0n, rowHash: null, attrHash: null },
    ]);
    const members = await store.memberPage('acct', 'L1', { kind: 'stored' }, undefined, 10);
    expect(members.find((m) => m.email === 'a@x.com')).toMatchObject({ profileId: null, rowHash: 7n });
    expect(members.find((m) => m.email === 'c@x.com')).toMatchObject({ profileId: 'P-C', rowHash: null, attrHash: null });
    await store.forgetMembers('acct', 'L1', [{ email: 'c@x.com', emailKey: 0n }]);
    expect(await store.countMembers('acct', 'L1')).toBe(2);
  });

  it('records a batch of taken and refused rows: refused members keep their place without hashes, refused strangers never join', async () => {
    const members = Array.from({ length: 1200 }, (_, i) => ({ email: `m${i}@x.com`, emailKey: BigInt(i), rowHash: 1n, attrHash: 1n }));
    await store.recordSent('acct', 'R', 'run-1', members);
    // Over a thousand refused (more than one statement's worth), members and strangers mixed with taken rows.
    const refused = (email: string, i: number) => ({ email, emailKey: BigInt(i), rowHash: null, attrHash: null });
    await store.recordSent('acct', 'R', 'run-2', [
      ...members.slice(0, 1100).map((m, i) => refused(m.email, i)),
      ...members.slice(1100).map((m) => ({ ...m, rowHash: 2n, attrHash: 2n })),
      refused('stranger@x.com', 5000),
      { email: 'new@x.com', emailKey: 6000n, rowHash: 3n, attrHash: 3n },
    ]);
    const page = await store.memberPage('acct', 'R', { kind: 'stored' }, undefined, 2000);
    expect(page).toHaveLength(1201);
    expect(page.filter((m) => m.rowHash === null && m.attrHash === null)).toHaveLength(1100);
    expect(page.filter((m) => m.rowHash === 2n).map((m) => m.email).sort()).toEqual(members.slice(1100).map((m) => m.email).sort());
    expect(page.find((m) => m.email === 'new@x.com')).toMatchObject({ rowHash: 3n, attrHash: 3n });
    expect(page.some((m) => m.email === 'stranger@x.com')).toBe(false);
    // Another list's members with the same e-mails are untouched.
    await store.recordSent('acct', 'R2', 'run-1', [members[0]!]);
    await store.recordSent('acct', 'R', 'run-3', [refused(members[0]!.email, 0)]);
    expect(await store.membersByKeys('acct', 'R2', [0n])).toEqual([{ email: 'm0@x.com', emailKey: 0n, profileId: null, rowHash: 1n, attrHash: 1n }]);
  });

  it('applies a membership read: strangers join with unknown hashes, missing members go, ids are refreshed', async () => {
    await store.recordSent('acct', 'V', 'run-0', [
      { email: 'kept@x.com', emailKey: 1n, rowHash: 11n, attrHash: 11n },
      { email: 'gone@x.com', emailKey: 2n, rowHash: 12n, attrHash: 12n },
    ]);
    await store.putReadMembers('read-1', [
      { profileId: 'P1', email: 'kept@x.com', emailKey: 1n },
      { profileId: 'P3', email: 'stranger@x.com', emailKey: 3n },
      { profileId: 'P4', email: null, emailKey: null },
    ]);
    await store.putReadMembers('read-1', [{ profileId: 'P1', email: 'kept@x.com', emailKey: 1n }]);
    expect(await store.readDrift('acct', 'V', 'read-1')).toEqual({ listed: 3, strangers: 2, missing: 1 });
    // Read through the store without applying (a dry run).
    const seen = await store.memberPage('acct', 'V', { kind: 'verified', runKey: 'read-1' }, undefined, 10);
    expect(seen).toEqual([
      { email: 'kept@x.com', emailKey: 1n, profileId: 'P1', rowHash: 11n, attrHash: 11n },
      { email: 'stranger@x.com', emailKey: 3n, profileId: 'P3', rowHash: null, attrHash: null },
    ]);
    expect(await store.readMembersWithoutEmail('read-1')).toEqual(['P4']);
    await store.applyReadMembers('acct', 'V', 'read-1');
    expect(await store.memberPage('acct', 'V', { kind: 'stored' }, undefined, 10)).toEqual(seen);
  });

  it('records list sync times and when membership was last known exactly', async () => {
    expect(await store.listState('acct', 'nope')).toBeUndefined();
    await store.touchList('acct', 'V', 'VIP', 1000);
    await store.touchList('acct', 'V', null);
    expect(await store.listState('acct', 'V')).toEqual({ verifiedAt: 1000, members: 2 });
  });

  it('keeps the snapshot a batch a row, leaves superseded rows out on reading (all of them for a job sent again), and tells a missing batch', async () => {
    const row = (email: string, r: number, batch: number, extra: Partial<SnapshotRow> = {}): SnapshotRow => ({
      email,
      emailKey: BigInt(email.length),
      row: r,
      batch,
      kind: 'new',
      rowHash: BigInt(r),
      attrHash: -BigInt(r),
      attributes: JSON.stringify({ email, n: r, name: 'Zoë\t"quoted"' }),
      ...extra,
    });
    const extremes = row('ext@x.com', 3, 0, { emailKey: MIN, rowHash: MAX, attrHash: MIN, kind: 'changed' });
    // Read back, a row's attributes are the UTF-8 bytes of their JSON.
    const asStored = (r: SnapshotRow) => ({ ...r, attributes: Buffer.from(r.attributes) });
    await store.putSnapshotBatch('snap', 0, encodeBatch([row('a@x.com', 1, 0), row('bb@x.com', 2, 0), extremes]));
    await store.putSnapshotBatch('snap', 1, encodeBatch([row('a@x.com', 5, 1, { kind: 'changed' })]));
    expect(await store.snapshotBatch('snap', 0)).toEqual([row('a@x.com', 1, 0), row('bb@x.com', 2, 0), extremes].map(asStored));
    // a@x.com's later row in batch 1 supersedes its row in batch 0; bb@x.com turned out unchanged.
    await store.supersedeSnapshotRows('snap', [{ batch: 0, emailKey: 7n }, { batch: 0, emailKey: 8n }, { batch: 0, emailKey: 7n }]);
    await store.supersedeSnapshotRows('snap', [{ batch: 0, emailKey: 7n }]);
    expect(await store.snapshotBatch('snap', 0)).toEqual([asStored(extremes)]);
    expect(await store.snapshotBatch('snap', 1)).toEqual([asStored(row('a@x.com', 5, 1, { kind: 'changed' }))]);
    expect((await store.snapshotBatch('snap', 0, { withSuperseded: true }))?.map((r) => r.email)).toEqual(['a@x.com', 'bb@x.com', 'ext@x.com']);
    // A re-planning attempt writes a batch again whole.
    await store.putSnapshotBatch('snap', 1, encodeBatch([row('cc@x.com', 6, 1)]));
    expect((await store.snapshotBatch('snap', 1))?.map((r) => r.email)).toEqual(['cc@x.com']);
    expect(await store.snapshotBatch('snap', 2)).toBeUndefined();
    expect(await store.snapshotBatch('no-such-run', 0)).toBeUndefined();
    await store.clearSnapshot('snap');
    expect(await store.snapshotBatch('snap', 0)).toBeUndefined();
    // Markers go with the snapshot: a batch written again is read whole.
    await store.putSnapshotBatch('snap', 0, encodeBatch([row('a@x.com', 1, 0)]));
    expect(await store.snapshotBatch('snap', 0)).toEqual([asStored(row('a@x.com', 1, 0))]);
    // A seal never goes back: a re-planning attempt repeating an earlier seal leaves the later one.
    expect(await store.snapshotSeal('snap')).toEqual({ sealed: 0, waits: [] });
    await store.sealSnapshot('snap', { sealed: 3, waits: [[2, 0]] });
    await store.sealSnapshot('snap', { sealed: 1, waits: [] });
    expect(await store.snapshotSeal('snap')).toEqual({ sealed: 3, waits: [[2, 0]] });
    await store.sealSnapshot('snap', { sealed: 3, waits: [[2, 0]], done: true });
    expect(await store.snapshotSeal('snap')).toEqual({ sealed: 3, waits: [[2, 0]], done: true });
    await store.clearScratch('snap');
    expect(await store.snapshotSeal('snap')).toEqual({ sealed: 0, waits: [] });
    expect(await store.snapshotBatch('snap', 0)).toBeUndefined();
  });

  it('pages departures by sequence; one reject per row; clears and prunes a run scratch', async () => {
    await store.putDepartures('snap', [
      { seq: 1, email: 'a@x.com', profileId: null },
      { seq: 2, email: null, profileId: 'P9' },
    ]);
    expect(await store.departurePage('snap', 1, 10)).toEqual([{ seq: 2, email: null, profileId: 'P9' }]);
    await store.putRejects('snap', [
      { row: 4, email: 'x@x', reason: 'invalid_email', field: 'email', message: 'bad' },
      { row: 2, reason: 'missing_email', message: 'email is required' },
    ]);
    await store.putRejects('snap', [{ row: 4, email: 'x@x', reason: 'invalid_email', field: 'email', message: 'bad' }]);
    expect(await store.countRejects('snap')).toBe(2);
    expect(await store.rejectPage('snap', 0, 1)).toEqual([{ row: 2, reason: 'missing_email', message: 'email is required' }]);
    await store.clearScratch('snap');
    expect(await store.departurePage('snap', 0, 10)).toEqual([]);
    expect(await store.countRejects('snap')).toBe(2);
  });

  it('stores runs and their reports; the latest run of a workflow id wins', async () => {
    await store.saveRun({ runKey: 'wf/1', workflowId: 'wf', account: 'acct', listId: null, listName: 'VIP', dryRun: true, startedAt: '2026-01-01T00:00:00.000Z' });
    await store.saveRun({ runKey: 'wf/2', workflowId: 'wf', account: 'acct', listId: 'L1', listName: 'VIP', dryRun: false, startedAt: '2026-01-02T00:00:00.000Z' });
    const report = { listId: 'L1', listCreated: false, dryRun: false } as never;
    await store.saveRun({ runKey: 'wf/2', workflowId: 'wf', account: 'acct', listId: 'L1', listName: null, dryRun: false, startedAt: '2026-01-02T00:00:00.000Z', finishedAt: '2026-01-02T00:01:00.000Z', report });
    expect(await store.latestRun('wf')).toMatchObject({ runKey: 'wf/2', listName: 'VIP', dryRun: false, finishedAt: '2026-01-02T00:01:00.000Z', report });
    expect(await store.getRun('wf/1')).toMatchObject({ dryRun: true, report: null, listId: null });
    await store.putDepartures('wf/1', [{ seq: 1, email: 'a@x.com', profileId: null }]);
    await store.pruneScratch('2026-01-01T12:00:00.000Z');
    expect(await store.departurePage('wf/1', 0, 10)).toEqual([]);
  });

  it("answers the console: the newest runs first, and each list with its member count and latest run that was not a dry run", async () => {
    const run = (key: string, startedAt: string, extra: Partial<RunRecord> = {}): RunRecord => ({
      runKey: `cons/${key}`, workflowId: 'cons', account: 'console', listId: 'CL', listName: 'Console list', dryRun: false, startedAt, ...extra,
    });
    await store.saveRun(run('old', '2030-01-01T00:00:00.000Z', { report: { runKey: 'cons/old' } as never, finishedAt: '2030-01-01T00:05:00.000Z' }));
    await store.saveRun(run('new', '2030-01-03T00:00:00.000Z'));
    await store.saveRun(run('dry', '2030-01-04T00:00:00.000Z', { dryRun: true }));
    await store.saveRun(run('other', '2030-01-02T00:00:00.000Z', { listId: 'CL2' }));
    expect((await store.recentRuns(3)).map((r) => r.runKey)).toEqual(['cons/dry', 'cons/new', 'cons/other']);
    expect((await store.recentRuns(10)).find((r) => r.runKey === 'cons/old')).toMatchObject({ report: { runKey: 'cons/old' }, finishedAt: '2030-01-01T00:05:00.000Z' });

    await store.touchList('console', 'CL', 'Console list');
    await store.touchList('console', 'EMPTY', null);
    await store.recordSent('console', 'CL', 'cons/new', [
      { email: 'a@x.com', emailKey: 1n, rowHash: 1n, attrHash: 1n },
      { email: 'b@x.com', emailKey: 2n, rowHash: 1n, attrHash: 1n },
    ]);
    const lists = (await store.storedLists()).filter((l) => l.account === 'console');
    expect(lists.map((l) => [l.listId, l.listName, l.members, l.lastRun?.runKey])).toEqual([
      ['CL', 'Console list', 2, 'cons/new'],
      ['EMPTY', null, 0, undefined],
    ]);
    expect(Date.parse(lists[0]!.syncedAt)).toBeGreaterThan(Date.now() - 60_000);
  });

  it('serialises concurrent writers without losing rows', async () => {
    const writers = Array.from({ length: 8 }, (_, w) =>
      store.recordSent('acct', 'C', `run-${w}`, Array.from({ length: 500 }, (_, i) => ({ email: `${w}-${i}@x.com`, emailKey: BigInt(w * 1000 + i), rowHash: 1n, attrHash: 1n }))),
    );
    await Promise.all(writers);
    expect(await store.countMembers('acct', 'C')).toBe(4000);
  });
});

describe('a PostgreSQL store that never answers', () => {
  it('fails to open within the connect timeout, naming the store without its password', async () => {
    // A host that takes the connection and never speaks (a firewall, a proxy, a stalled server).
    const silent = net.createServer(() => undefined);
    await new Promise<void>((resolve) => silent.listen(0, '127.0.0.1', resolve));
    const { port } = silent.address() as net.AddressInfo;
    const started = Date.now();
    try {
      const opening = openStateStore(`postgres://sync:s3cret-pw@127.0.0.1:${port}/state`, { connectTimeoutMs: 300 });
      const error = await opening.then(() => undefined, (err: Error) => err);
      expect(error?.message).toMatch(new RegExp(`^cannot open the sync-state store at postgres://sync:\\*\\*\\*@127\\.0\\.0\\.1:${port}/state: .*timeout`));
      expect(error?.message).not.toContain('s3cret-pw');
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      silent.close();
    }
  });
});
