import { describe, expect, it } from 'vitest';
import { MemberSet } from '../src/memberSet';
import { emails, importProfiles, memberBody, useEmulator } from './harness';

const api = useEmulator({ speed: 20 });

describe('list members', () => {
  it('pages members 20 by default (max 100) with sparse fieldsets and joined_group_at', async () => {
    const [listId] = await api.emu.admin.seedLists(['L']);
    await importProfiles(api, emails(45), listId);
    const first = await api.call('GET', `/api/lists/${listId}/profiles`, { query: { 'fields[profile]': 'email' } });
    expect(first.data.data).toHaveLength(20);
    expect(Object.keys(first.data.data[0].attributes).sort()).toEqual(['email', 'joined_group_at']);
    const big = await api.call('GET', `/api/lists/${listId}/profiles`, { query: { 'page[size]': 100 } });
    expect(big.data.data).toHaveLength(45);
    expect(big.data.links.next).toBeUndefined();
    expect(big.data.data[0].attributes).toMatchObject({ first_name: null, properties: {} });
    expect((await api.call('GET', `/api/lists/${listId}/profiles`, { query: { 'page[size]': 101 } })).status).toBe(400);
    const byEmail = await api.call('GET', `/api/lists/${listId}/profiles`, { query: { filter: 'equals(email,"USER00003@example.com")' } });
    expect(byEmail.data.data.map((p: { attributes: { email: string } }) => p.attributes.email)).toEqual(['user00003@example.com']);
  });

  it('does not skip anyone when members already returned are deleted between pages (keyset cursors)', async () => {
    const [listId] = await api.emu.admin.seedLists(['L']);
    const ids = await importProfiles(api, emails(50), listId);
    const seen: string[] = [];
    let next: string | undefined = `/api/lists/${listId}/relationships/profiles?page[size]=10`;
    while (next) {
      const page: { data: { data: { id: string }[]; links: { next?: string } } } = await api.call('GET', next);
      const pageIds = page.data.data.map((d) => d.id);
      seen.push(...pageIds);
      // Reconciliation removes what it has just read: with offset paging this would skip the next page.
      expect((await api.call('DELETE', `/api/lists/${listId}/relationships/profiles`, { body: memberBody(pageIds) })).status).toBe(204);
      next = page.data.links.next;
    }
    expect(seen).toEqual([...ids].sort());
    expect(await api.emu.admin.listMembers(listId!)).toEqual([]);
  });

  it('adds and removes members by profile id (204), ignores non-members on delete, caps calls at 1000 ids', async () => {
    const [listId, otherId] = await api.emu.admin.seedLists(['L', 'Other']);
    const ids = await importProfiles(api, emails(3), otherId);
    expect((await api.call('POST', `/api/lists/${listId}/relationships/profiles`, { body: memberBody(ids) })).status).toBe(204);
    expect(await api.emu.admin.listMembers(listId!)).toEqual(['user00000@example.com', 'user00001@example.com', 'user00002@example.com']);
    const del = await api.call('DELETE', `/api/lists/${listId}/relationships/profiles`, { body: memberBody([ids[0]!, ids[0]!, '01ZZZZZZZZZZZZZZZZZZZZZZZZ']) });
    expect(del.status).toBe(204);
    expect((await api.emu.admin.listMembers(listId!)).length).toBe(2);
    const tooMany = await api.call('POST', `/api/lists/${listId}/relationships/profiles`, { body: memberBody(Array.from({ length: 1001 }, () => ids[1]!)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.data.errors[0].source.pointer).toBe('/data');
    const unknown = await api.call('POST', `/api/lists/${listId}/relationships/profiles`, { body: memberBody([ids[1]!, 'nope']) });
    expect(unknown.status).toBe(400);
    expect(unknown.data.errors[0].source.pointer).toBe('/data/1/id');
    const emailsInsteadOfIds = await api.call('POST', `/api/lists/${listId}/relationships/profiles`, { body: { data: [{ type: 'profile', email: 'a@b.c' }] } });
    expect(emailsInsteadOfIds.status).toBe(400);
    expect((await api.call('GET', `/api/lists/nope00/relationships/profiles`)).status).toBe(404);
  });
});

describe('MemberSet at scale', () => {
  // 300k keeps the file quick on 2 shared cores; the structure is the one a 1,000,000-member list uses.
  it('holds 300,000 members and pages by keyset with deletions, quickly', () => {
    const set = new MemberSet();
    const N = 300_000;
    const ids = Array.from({ length: N }, (_, i) => `01${String(i).padStart(24, '0')}`);
    const started = Date.now();
    // out-of-order adds in batches, as bulk jobs deliver them
    for (let b = 9; b >= 0; b--) for (let i = (b * N) / 10; i < ((b + 1) * N) / 10; i++) set.add(ids[i]!, 0);
    expect(set.size).toBe(N);
    let page = set.page(undefined, 100);
    expect(page.items[0]).toBe(ids[0]);
    for (const id of page.items) set.delete(id);
    page = set.page(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString()), 100);
    expect(page.items[0]).toBe(ids[100]);
    for (let i = 200; i < 200_000; i++) set.delete(ids[i]!); // more tombstones than live entries: compaction
    const after = set.page(JSON.parse(Buffer.from(page.nextCursor!, 'base64url').toString()), 3);
    expect(after.items).toEqual([ids[200_000], ids[200_001], ids[200_002]]);
    expect(set.size).toBe(N - 100 - 199_800);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});
