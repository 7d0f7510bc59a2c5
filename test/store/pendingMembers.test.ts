/**
 * recordSent appends what a run sent to members_pending; a fold applies it to members in key order, at a
 * threshold or before any read of the list. Every reader must see what was recorded before it, as if
 * recordSent had written members in place, on both engines, with several connections at once.
 */
import { describe, expect, it } from 'vitest';
import { openStateStore } from '../../src/store/open';
import type { MemberRow, SentMember, SyncStateStore } from '../../src/store/types';
import { rawEngine, storeBackends, storeForSuite } from '../support/stateStores';

const taken = (email: string, key: number, hash: number): SentMember => ({ email, emailKey: BigInt(key), rowHash: BigInt(hash), attrHash: BigInt(hash) });
const refused = (email: string, key: number): SentMember => ({ email, emailKey: BigInt(key), rowHash: null, attrHash: null });
const member = (email: string, key: number, hash: number | null, profileId: string | null = null): MemberRow => ({
  email,
  emailKey: BigInt(key),
  profileId,
  rowHash: hash === null ? null : BigInt(hash),
  attrHash: hash === null ? null : BigInt(hash),
});

describe.each(storeBackends())('pending members on $name', (backend) => {
  const suite = storeForSuite(backend);
  let lists = 0;
  /** A list of its own for each case (the store is shared). */
  const newList = () => `L${++lists}`;
  const stored = (s: SyncStateStore, list: string) => s.memberPage('acct', list, { kind: 'stored' }, undefined, 5000);
  /** Rows still pending, read past the store (the threshold's fold is otherwise invisible). */
  const pendingRows = async (list: string) => {
    const db = rawEngine(suite.location);
    try {
      const [row] = await db.all('SELECT COUNT(*) AS n FROM members_pending WHERE account = ? AND list_id = ?', ['acct', list]);
      return Number(row!.n);
    } finally {
      await db.close();
    }
  };

  it('keeps the last row of an e-mail sent twice (a batch resent after a retry, an e-mail twice in one batch)', async () => {
    const list = newList();
    const batch = [taken('a@x.com', 3, 1), taken('b@x.com', 1, 1), taken('c@x.com', 2, 1)];
    await suite.store.recordSent('acct', list, 'run-1', batch);
    await suite.store.recordSent('acct', list, 'run-1', [...batch.slice(0, 2), taken('c@x.com', 2, 5)]);
    await suite.store.recordSent('acct', list, 'run-1', [taken('d@x.com', 4, 1), taken('d@x.com', 4, 2), taken('d@x.com', 4, 3)]);
    expect(await stored(suite.store, list)).toEqual([member('b@x.com', 1, 1), member('c@x.com', 2, 5), member('a@x.com', 3, 1), member('d@x.com', 4, 3)]);
  });

  it('applies refused rows in order: a member taken earlier in the same pending rows keeps its place without hashes', async () => {
    const list = newList();
    await suite.store.recordSent('acct', list, 'run-1', [taken('old@x.com', 1, 1), taken('back@x.com', 2, 1)]);
    await suite.store.setProfileIds('acct', list, [{ email: 'old@x.com', emailKey: 1n, profileId: 'P-OLD' }]);
    await suite.store.recordSent('acct', list, 'run-2', [taken('new@x.com', 3, 1), refused('old@x.com', 1), refused('back@x.com', 2), refused('stranger@x.com', 4)]);
    await suite.store.recordSent('acct', list, 'run-2', [refused('new@x.com', 3), taken('back@x.com', 2, 7)]);
    expect(await stored(suite.store, list)).toEqual([member('old@x.com', 1, null, 'P-OLD'), member('back@x.com', 2, 7), member('new@x.com', 3, null)]);
  });

  it('shows what was recorded to every reader of the list, without a read in between', async () => {
    const readers: Record<string, (list: string) => Promise<unknown>> = {
      memberPage: async (list) => (await stored(suite.store, list)).map((m) => m.email),
      memberPageOfRead: async (list) => (await suite.store.memberPage('acct', list, { kind: 'verified', runKey: `read-${list}` }, undefined, 10)).map((m) => m.rowHash),
      memberHashPage: async (list) => (await suite.store.memberHashPage('acct', list, undefined, 10)).map((m) => m.rowHash),
      membersByKeys: async (list) => (await suite.store.membersByKeys('acct', list, [1n, 2n])).map((m) => m.email),
      countMembers: (list) => suite.store.countMembers('acct', list),
      listState: async (list) => (await suite.store.listState('acct', list))?.members,
      readDrift: (list) => suite.store.readDrift('acct', list, `read-${list}`),
      storedLists: async (list) => (await suite.store.storedLists()).find((l) => l.listId === list)?.members,
      applyReadMembers: async (list) => {
        await suite.store.applyReadMembers('acct', list, `read-${list}`);
        return (await stored(suite.store, list)).map((m) => [m.email, m.profileId, m.rowHash]);
      },
      setProfileIds: async (list) => {
        await suite.store.setProfileIds('acct', list, [{ email: 'a@x.com', emailKey: 1n, profileId: 'P-A' }]);
        return (await stored(suite.store, list)).map((m) => m.profileId);
      },
      forgetMembers: async (list) => {
        await suite.store.forgetMembers('acct', list, [{ email: 'a@x.com', emailKey: 1n }]);
        return (await stored(suite.store, list)).map((m) => m.email);
      },
    };
    const seen: Record<string, unknown> = {};
    for (const [name, read] of Object.entries(readers)) {
      const list = newList();
      await suite.store.putReadMembers(`read-${list}`, [{ profileId: 'P-A', email: 'a@x.com', emailKey: 1n }]);
      await suite.store.touchList('acct', list, null);
      await suite.store.recordSent('acct', list, 'run-1', [taken('a@x.com', 1, 1), taken('b@x.com', 2, 1)]);
      await suite.store.recordSent('acct', list, 'run-2', [taken('a@x.com', 1, 9)]);
      seen[name] = await read(list);
    }
    expect(seen).toEqual({
      memberPage: ['a@x.com', 'b@x.com'],
      memberPageOfRead: [9n],
      memberHashPage: [9n, 1n],
      membersByKeys: ['a@x.com', 'b@x.com'],
      countMembers: 2,
      listState: 2,
      readDrift: { listed: 1, strangers: 0, missing: 1 },
      storedLists: 2,
      applyReadMembers: [['a@x.com', 'P-A', 9n]],
      setProfileIds: ['P-A', null],
      forgetMembers: ['b@x.com'],
    });
  });

  it('folds a list at the threshold inside recordSent, and never brings back a member forgotten after it was recorded', async () => {
    const small = await openStateStore(suite.location, { foldAt: 4 });
    try {
      const list = newList();
      await small.recordSent('acct', list, 'run-1', [taken('a@x.com', 1, 1), taken('b@x.com', 2, 1), taken('c@x.com', 3, 1)]);
      expect(await pendingRows(list)).toBe(3);
      await small.recordSent('acct', list, 'run-1', [taken('d@x.com', 4, 1), refused('a@x.com', 1)]);
      expect(await pendingRows(list)).toBe(0);
      await small.recordSent('acct', list, 'run-2', [taken('b@x.com', 2, 2)]);
      await small.forgetMembers('acct', list, [{ email: 'b@x.com', emailKey: 2n }]);
      expect(await pendingRows(list)).toBe(0);
      expect(await stored(small, list)).toEqual([member('a@x.com', 1, null), member('c@x.com', 3, 1), member('d@x.com', 4, 1)]);
    } finally {
      await small.close();
    }
  });

  it('folds safely from several connections at once (workers sending, a console reading)', async () => {
    const others = await Promise.all([openStateStore(suite.location, { foldAt: 700 }), openStateStore(suite.location, { foldAt: 300 })]);
    try {
      const list = newList();
      const ROUNDS = 6;
      const sent = (w: number, part: number, round: number) => Array.from({ length: 250 }, (_, i) => taken(`${w}-${part}-${i}@x.com`, w * 1000 + part * 300 + i, round));
      // Each writer sends its batches again and again (retries), two at a time, while the others read and fold:
      // whatever a fold meets in flight, the last rows win and none is lost.
      await Promise.all(
        [suite.store, ...others].flatMap((s, w) => [
          ...[0, 1].map(async (part) => {
            for (let round = 1; round <= ROUNDS; round++) await s.recordSent('acct', list, `run-${w}`, sent(w, part, round));
          }),
          (async () => {
            for (let round = 1; round <= ROUNDS; round++) await s.memberHashPage('acct', list, undefined, 100);
          })(),
        ]),
      );
      const all = await stored(others[0]!, list);
      expect(all).toHaveLength(1500);
      expect(all.filter((m) => m.rowHash !== BigInt(ROUNDS))).toEqual([]);
      expect(await pendingRows(list)).toBe(0);
    } finally {
      await Promise.all(others.map((s) => s.close()));
    }
  });
});
