import { describe, expect, it } from 'vitest';
import { useEmulator } from './harness';

const api = useEmulator({ speed: 20 });
const importBody = (attributes: Record<string, unknown>, meta?: unknown) => ({ data: { type: 'profile', attributes, ...(meta ? { meta } : {}) } });

describe('single profiles', () => {
  it('profile-import answers 201 when created and 200 when updated; null clears, omitted stays', async () => {
    const created = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com', first_name: 'Ann', last_name: 'Lee', properties: { k: 1 } }) });
    expect(created.status).toBe(201);
    expect(created.data.data.id).toMatch(/^01[0-9A-Z]{24}$/);
    const updated = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com', last_name: null }) });
    expect(updated.status).toBe(200);
    expect(updated.data.data.id).toBe(created.data.data.id);
    expect(updated.data.data.attributes).toMatchObject({ first_name: 'Ann', last_name: null, properties: { k: 1 } });
    const unset = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com' }, { patch_properties: { unset: ['k'] } }) });
    expect(unset.data.data.attributes.properties).toEqual({});
  });

  it('profile-import validates e-mail and phone with Klaviyo texts, and 409s on identifiers owned by two profiles', async () => {
    const phone = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com', phone_number: '5551234' }) });
    expect(phone.status).toBe(400);
    expect(phone.data.errors[0]).toMatchObject({ code: 'invalid', source: { pointer: '/data/attributes/phone_number' } });
    const email = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'nope' }) });
    expect(email.data.errors[0].detail).toBe('Invalid email address');
    const a = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com' }) });
    await api.call('POST', '/api/profile-import', { body: importBody({ email: 'b@example.com', phone_number: '+15005550006' }) });
    const clash = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com', phone_number: '+15005550006' }) });
    expect(clash.status).toBe(409);
    expect(clash.data.errors[0]).toMatchObject({ code: 'duplicate_profile' });
    expect(clash.data.errors[0].meta.duplicate_profile_id).toMatch(/^01/);
    expect(clash.data.errors[0].meta.duplicate_profile_id).not.toBe(a.data.data.id);
  });

  it('PATCH updates by id (null clears), 404 for unknown ids, 409 when body id differs', async () => {
    const created = await api.call('POST', '/api/profile-import', { body: importBody({ email: 'a@example.com', first_name: 'Ann', location: { city: 'Oslo', zip: '0150' } }) });
    const id = created.data.data.id;
    const patched = await api.call('PATCH', `/api/profiles/${id}`, { body: { data: { type: 'profile', id, attributes: { first_name: null, location: { zip: null } } } } });
    expect(patched.status).toBe(200);
    expect(patched.data.data.attributes.first_name).toBeNull();
    expect(patched.data.data.attributes.location).toMatchObject({ city: 'Oslo', zip: null });
    expect((await api.call('PATCH', `/api/profiles/01UNKNOWN`, { body: { data: { type: 'profile', id: '01UNKNOWN', attributes: {} } } })).status).toBe(404);
    expect((await api.call('PATCH', `/api/profiles/${id}`, { body: { data: { type: 'profile', id: 'other', attributes: {} } } })).status).toBe(409);
  });

  it('GET /api/profiles filters by e-mail with equals and any, and pages by id', async () => {
    for (const e of ['a@example.com', 'b@example.com', 'c@example.com']) await api.call('POST', '/api/profile-import', { body: importBody({ email: e }) });
    const one = await api.call('GET', '/api/profiles', { query: { filter: 'equals(email,"b@example.com")' } });
    expect(one.data.data.map((p: { attributes: { email: string } }) => p.attributes.email)).toEqual(['b@example.com']);
    const two = await api.call('GET', '/api/profiles', { query: { filter: 'any(email,["a@example.com","c@example.com","z@example.com"])', 'fields[profile]': 'email' } });
    expect(two.data.data.map((p: { attributes: { email: string } }) => p.attributes.email)).toEqual(['a@example.com', 'c@example.com']);
    const paged = await api.call('GET', '/api/profiles', { query: { 'page[size]': 2 } });
    expect(paged.data.data).toHaveLength(2);
    expect((await api.call('GET', paged.data.links.next)).data.data).toHaveLength(1);
    expect((await api.call('GET', '/api/profiles', { query: { filter: 'equals(email,a@example.com)' } })).status).toBe(400);
  });
});
