import { describe, expect, it } from 'vitest';
import { bulkBody, emails, importProfiles, useEmulator, waitForJob } from './harness';

// Long enough that a poll every 20 ms sees 'processing' even on a loaded machine (80 ms was missed under load).
const api = useEmulator({ speed: 20, jobDelayMs: 400 });

describe('bulk profile import jobs', () => {
  it('runs queued -> processing -> complete, upserts by e-mail and adds the profiles to the list', async () => {
    const [listId] = await api.emu.admin.seedLists(['L']);
    const created = await api.call('POST', '/api/profile-bulk-import-jobs', {
      body: bulkBody([{ email: 'A@Example.com', first_name: 'Ann', properties: { plan: 'gold' } }, { email: 'b@example.com', phone_number: '+15005550006' }], listId),
    });
    expect(created.status).toBe(202);
    const job = created.data.data;
    expect(job.id).toMatch(/^01[0-9A-HJKMNP-TV-Z]{24}$/);
    expect(job.attributes).toMatchObject({ status: 'queued', total_count: 2, completed_count: 0, failed_count: 0 });
    expect(job.relationships.lists.data).toEqual([{ type: 'list', id: listId }]);
    await waitForJob(api, job.id, 'processing');
    const done = await waitForJob(api, job.id, 'complete');
    expect(done.data.data.attributes).toMatchObject({ total_count: 2, completed_count: 2, failed_count: 0 });
    expect(done.data.data.attributes.completed_at).not.toBeNull();
    expect(await api.emu.admin.listMembers(listId!)).toEqual(['a@example.com', 'b@example.com']);
    const stored = await api.emu.admin.profile('a@example.com');
    expect(stored).toMatchObject({ email: 'a@example.com', first_name: 'Ann', properties: { plan: 'gold' } });
    expect(stored!.id).toMatch(/^01[0-9A-Z]{24}$/);
    const profiles = await api.call('GET', `/api/profile-bulk-import-jobs/${job.id}/profiles`, { query: { 'fields[profile]': 'email' } });
    expect(profiles.data.data.map((p: { attributes: { email: string } }) => p.attributes.email)).toEqual(['a@example.com', 'b@example.com']);
  });

  it('lists jobs oldest first, or newest first with sort=-created_at, paging on in that order; refuses other sorts', async () => {
    const ids: string[] = [];
    for (let i = 0; i < 3; i++) {
      const created = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: `sort${i}@example.com` }]) });
      ids.push(created.data.data.id);
    }
    const listed = async (query: Record<string, string>) => {
      const seen: string[] = [];
      let page = await api.call('GET', '/api/profile-bulk-import-jobs', { query: { ...query, 'page[size]': '2' } });
      for (;;) {
        seen.push(...page.data.data.map((j: { id: string }) => j.id));
        if (!page.data.links.next) return seen.filter((id) => ids.includes(id));
        page = await api.call('GET', page.data.links.next.replace(/^https?:\/\/[^/]+/, ''));
      }
    };
    expect(await listed({})).toEqual(ids);
    expect(await listed({ sort: '-created_at' })).toEqual([...ids].reverse());
    const newest = await api.call('GET', '/api/profile-bulk-import-jobs', { query: { sort: '-created_at', 'page[size]': '1' } });
    expect(newest.data.data[0].id).toBe(ids[2]);
    expect((await api.call('GET', '/api/profile-bulk-import-jobs', { query: { sort: 'status' } })).status).toBe(400);
  });

  it('merges into existing profiles and ignores nulls (bulk import cannot clear fields)', async () => {
    const [id1] = await importProfiles(api, [{ email: 'a@example.com', first_name: 'Ann', last_name: 'Lee', properties: { x: 1, y: 2 } }]);
    const [id2] = await importProfiles(api, [{ email: 'A@EXAMPLE.COM', first_name: 'Anne', last_name: null, properties: { y: 3, z: null } }]);
    expect(id2).toBe(id1);
    expect(await api.emu.admin.profile('a@example.com')).toMatchObject({ first_name: 'Anne', last_name: 'Lee', properties: { x: 1, y: 3 } });
  });

  it('records per-profile import errors for invalid e-mails and non-E.164 phones, importing the rest', async () => {
    const [listId] = await api.emu.admin.seedLists(['L']);
    const submitted = [{ email: 'ok@example.com' }, { email: 'not-an-email' }, { email: 'c@example.com', phone_number: '(555) 123-4567' }];
    const created = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(submitted, listId) });
    const done = await waitForJob(api, created.data.data.id);
    expect(done.data.data.attributes).toMatchObject({ total_count: 3, completed_count: 1, failed_count: 2 });
    const errors = await api.call('GET', `/api/profile-bulk-import-jobs/${created.data.data.id}/import-errors`);
    expect(errors.status).toBe(200);
    expect(errors.data.data.map((e: { attributes: unknown }) => e.attributes)).toEqual([
      { code: 'invalid', title: 'Invalid input.', detail: 'Invalid email address', source: { pointer: '/data/attributes/email' }, original_payload: { type: 'profile', attributes: submitted[1] } },
      {
        code: 'invalid',
        title: 'Invalid input.',
        detail: 'Invalid phone number format (Example of a valid format: +12345678901)',
        source: { pointer: '/data/attributes/phone_number' },
        original_payload: { type: 'profile', attributes: submitted[2] },
      },
    ]);
    expect(await api.emu.admin.listMembers(listId!)).toEqual(['ok@example.com']);
  });

  it('pages job profile ids and import errors (page[size] <= 100)', async () => {
    const ids = await importProfiles(api, emails(130));
    expect(new Set(ids).size).toBe(130);
    expect((await api.call('GET', `/api/profile-bulk-import-jobs/x/relationships/profiles`)).status).toBe(404);
    const created = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(emails(25, 'bad@')) });
    await waitForJob(api, created.data.data.id);
    const page1 = await api.call('GET', `/api/profile-bulk-import-jobs/${created.data.data.id}/import-errors`);
    expect(page1.data.data).toHaveLength(20);
    const page2 = await api.call('GET', page1.data.links.next);
    expect(page2.data.data).toHaveLength(5);
    expect((await api.call('GET', `/api/profile-bulk-import-jobs/${created.data.data.id}/import-errors`, { query: { 'page[size]': 101 } })).status).toBe(400);
  });

  it('rejects the whole request with 400 when a profile is malformed, one error per offending profile', async () => {
    const body = bulkBody([{ email: 'ok@example.com' }, { email: 42 }, { first_name: 'nobody' }, { email: 'x@example.com', phoneNumber: '+15005550006' }]);
    const res = await api.call('POST', '/api/profile-bulk-import-jobs', { body });
    expect(res.status).toBe(400);
    const pointers = res.data.errors.map((e: { source: { pointer: string } }) => e.source.pointer);
    expect(pointers).toEqual(['/data/attributes/profiles/data/1/attributes/email', '/data/attributes/profiles/data/3/attributes/phoneNumber']);
    // once the schema is satisfied, profiles without any identifier are named
    const noId = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: 'ok@example.com' }, { first_name: 'nobody' }]) });
    expect(noId.status).toBe(400);
    expect(noId.data.errors).toHaveLength(1);
    expect(noId.data.errors[0].source.pointer).toBe('/data/attributes/profiles/data/1/attributes/email');
    expect(await api.emu.admin.profile('ok@example.com')).toBeNull(); // nothing imported
  });

  it('rejects more than 10,000 profiles and bodies of 5 MB or more', async () => {
    const tooMany = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(emails(10_001)) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.data.errors[0].detail).toMatch(/at most 10000 profiles/);
    const padding = 'x'.repeat(600);
    const big = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(emails(9000).map((p) => ({ ...p, properties: { padding } }))) });
    expect(big.status).toBe(400);
    expect(big.data.errors[0].detail).toMatch(/smaller than 5 MB/);
    expect(await api.emu.admin.stats()).toMatchObject({ byStatus: { '400': 2 } });
  });

  it('rejects the whole request when one profile is over 100 KB, pointing at that profile', async () => {
    const profiles = emails(3).map((p, i) => (i === 1 ? { ...p, properties: { padding: 'x'.repeat(110_000) } } : p));
    const res = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(profiles) });
    expect(res.status).toBe(400);
    expect(res.data.errors).toHaveLength(1);
    expect(res.data.errors[0]).toMatchObject({ code: 'invalid', source: { pointer: '/data/attributes/profiles/data/1' } });
    expect(res.data.errors[0].detail).toMatch(/at most 100KB/);
    expect(await api.emu.admin.profile('user00000@example.com')).toBeNull();
  });

  it('answers 404 for an unknown list in relationships and for an unknown job', async () => {
    const res = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: 'a@example.com' }], 'nope00') });
    expect(res.status).toBe(404);
    expect((await api.call('GET', '/api/profile-bulk-import-jobs/01NOPE')).status).toBe(404);
  });
});
