import { describe, expect, it } from 'vitest';
import { listBody, useEmulator } from './harness';

const api = useEmulator({ speed: 20 });
const names = (res: { data: { data: { attributes: { name: string } }[] } }) => res.data.data.map((l) => l.attributes.name);

describe('lists', () => {
  it('creates a list (201, 6-character id) and allows duplicate names, as Klaviyo does', async () => {
    const a = await api.call('POST', '/api/lists', { body: listBody('Newsletter') });
    const b = await api.call('POST', '/api/lists', { body: listBody('Newsletter') });
    expect([a.status, b.status]).toEqual([201, 201]);
    expect(a.data.data.id).toMatch(/^[A-Za-z0-9]{6}$/);
    expect(a.data.data.id).not.toBe(b.data.data.id);
    expect(a.data.data.attributes).toMatchObject({ name: 'Newsletter', opt_in_process: 'single_opt_in' });
    const found = await api.call('GET', '/api/lists', { query: { filter: 'equals(name,"Newsletter")' } });
    expect(found.data.data.map((l: { id: string }) => l.id).sort()).toEqual([a.data.data.id, b.data.data.id].sort());
  });

  it('filters by exact name with equals and any, with quotes and commas inside the string', async () => {
    await api.emu.admin.seedLists(['A, "quoted"', 'B', 'Bb', 'C']);
    expect(names(await api.call('GET', '/api/lists', { query: { filter: 'equals(name,"B")' } }))).toEqual(['B']);
    expect(names(await api.call('GET', '/api/lists', { query: { filter: 'equals(name,"A, \\"quoted\\"")' } }))).toEqual(['A, "quoted"']);
    expect(names(await api.call('GET', '/api/lists', { query: { filter: 'any(name,["B","C","nope"])' } }))).toEqual(['B', 'C']);
  });

  it('rejects bad filters with 400 "Invalid filter provided"', async () => {
    for (const filter of ["equals(name,'B')", 'equals(name,B)', 'equals(name,"B"', 'equals(email,"x@y.z")', 'contains(name,"B")', 'any(name,"B")', 'equals(name,"\u0007B")']) {
      const res = await api.call('GET', '/api/lists', { query: { filter } });
      expect(res.status, filter).toBe(400);
      expect(res.data.errors[0]).toMatchObject({ detail: 'Invalid filter provided', source: { parameter: 'filter' } });
    }
  });

  it('rejects page[size] outside 1-10 and unknown query parameters', async () => {
    expect((await api.call('GET', '/api/lists', { query: { 'page[size]': 11 } })).status).toBe(400);
    expect((await api.call('GET', '/api/lists', { query: { 'page[size]': 0 } })).status).toBe(400);
    const unknown = await api.call('GET', '/api/lists', { query: { page_size: 5 } });
    expect(unknown.status).toBe(400);
    expect(unknown.data.errors[0].source).toEqual({ parameter: 'page_size' });
  });

  it('pages 10 at a time by default with links.next / links.prev as full URLs', async () => {
    await api.emu.admin.seedLists(Array.from({ length: 25 }, (_, i) => `L${i}`));
    const seen: string[] = [];
    let res = await api.call('GET', '/api/lists');
    expect(res.data.data).toHaveLength(10);
    expect(res.data.links.prev).toBeUndefined();
    const pages = [res];
    while (res.data.links.next) {
      expect(res.data.links.next).toMatch(new RegExp(`^${api.url}/api/lists\\?page%5Bcursor%5D=`));
      seen.push(...names(res));
      res = await api.call('GET', res.data.links.next);
      pages.push(res);
    }
    seen.push(...names(res));
    expect(seen).toEqual(Array.from({ length: 25 }, (_, i) => `L${i}`));
    expect(pages.map((p) => p.data.data.length)).toEqual([10, 10, 5]);
    const back = await api.call('GET', pages[2]!.data.links.prev);
    expect(names(back)).toEqual(names(pages[1]!));
  });

  it('rejects creating beyond 1000 lists + segments with 400 list_limit_exceeded (seeded segments count)', async () => {
    await api.emu.admin.seedSegments(995);
    await api.emu.admin.seedLists(['1', '2', '3', '4']);
    expect((await api.call('POST', '/api/lists', { body: listBody('the 1000th') })).status).toBe(201);
    const rejected = await api.call('POST', '/api/lists', { body: listBody('one too many') });
    expect(rejected.status).toBe(400);
    expect(rejected.data.errors[0].code).toBe('list_limit_exceeded');
    expect(rejected.data.errors[0].detail).toMatch(/reached the maximum number of lists and segments/);
    expect((await api.emu.admin.lists()).length).toBe(5);
  });

  it('honours a lowered cap from /admin/limits and frees a slot when a list is deleted', async () => {
    await api.emu.admin.setLimits({ maxListsAndSegments: 2 });
    const [first] = await api.emu.admin.seedLists(['a', 'b']);
    expect((await api.call('POST', '/api/lists', { body: listBody('c') })).status).toBe(400);
    await api.emu.admin.deleteList(first!);
    expect((await api.call('POST', '/api/lists', { body: listBody('c') })).status).toBe(201);
  });

  it('reads a list (404 when unknown), with profile_count on request; renames and deletes it', async () => {
    const [id] = await api.emu.admin.seedLists(['Old']);
    const plain = await api.call('GET', `/api/lists/${id}`);
    expect(plain.data.data.attributes.profile_count).toBeUndefined();
    const counted = await api.call('GET', `/api/lists/${id}`, { query: { 'additional-fields[list]': 'profile_count' } });
    expect(counted.data.data.attributes.profile_count).toBe(0);
    const renamed = await api.call('PATCH', `/api/lists/${id}`, { body: { data: { type: 'list', id, attributes: { name: 'New' } } } });
    expect(renamed.status).toBe(200);
    expect(renamed.data.data.attributes.name).toBe('New');
    expect((await api.call('DELETE', `/api/lists/${id}`)).status).toBe(204);
    const gone = await api.call('GET', `/api/lists/${id}`);
    expect(gone.status).toBe(404);
    expect(gone.data.errors[0].code).toBe('not_found');
  });

  it('rejects a create body that breaks the spec (missing name, unknown attribute, empty name)', async () => {
    const missing = await api.call('POST', '/api/lists', { body: { data: { type: 'list', attributes: {} } } });
    expect(missing.status).toBe(400);
    expect(missing.data.errors[0].source.pointer).toBe('/data/attributes/name');
    const unknown = await api.call('POST', '/api/lists', { body: { data: { type: 'list', attributes: { name: 'x', title: 'y' } } } });
    expect(unknown.status).toBe(400);
    expect(unknown.data.errors[0].source.pointer).toBe('/data/attributes/title');
    expect((await api.call('POST', '/api/lists', { body: listBody('  ') })).status).toBe(400);
    // A Buffer, so axios sends the broken JSON as-is under the JSON:API content type.
    const notJson = await api.call('POST', '/api/lists', { body: Buffer.from('{"data":') });
    expect(notJson.status).toBe(400);
    expect(notJson.data.errors[0].code).toBe('parse_error');
  });
});

describe('segments', () => {
  it('lists seeded segments at most 10 per page and rejects larger pages', async () => {
    await api.emu.admin.seedSegments(12, undefined, 'Seg');
    const first = await api.call('GET', '/api/segments');
    expect(first.data.data).toHaveLength(10);
    expect(first.data.data[0]).toMatchObject({ type: 'segment', attributes: { name: 'Seg 1', is_active: true } });
    const second = await api.call('GET', first.data.links.next);
    expect(second.data.data).toHaveLength(2);
    expect(second.data.links.next).toBeUndefined();
    expect((await api.call('GET', '/api/segments', { query: { 'page[size]': 20 } })).status).toBe(400);
  });
});
