import { describe, expect, it } from 'vitest';
import { useEmulator } from './harness';

const api = useEmulator();

describe('authentication, scopes and revision', () => {
  it('answers 401 not_authenticated without an Authorization header or with another scheme', async () => {
    for (const headers of [{ Authorization: undefined }, { Authorization: 'Bearer abc' }, { Authorization: 'abc' }]) {
      const res = await api.call('GET', '/api/lists', { headers });
      expect(res.status).toBe(401);
      expect(res.data.errors[0]).toMatchObject({ status: 401, code: 'not_authenticated', source: { pointer: '/data/' } });
      expect(res.headers['ratelimit-limit']).toBeUndefined();
    }
  });

  it('answers 415 unsupported_media_type for a body that is not sent as JSON, and creates nothing', async () => {
    const body = JSON.stringify({ data: { type: 'list', attributes: { name: 'x' } } });
    for (const type of ['text/plain', undefined]) {
      const res = await api.call('POST', '/api/lists', { body, headers: { 'Content-Type': type } });
      expect(res.status, String(type)).toBe(415);
      expect(res.data.errors[0]).toMatchObject({ status: 415, code: 'unsupported_media_type' });
    }
    expect((await api.call('POST', '/api/lists', { body, headers: { 'Content-Type': 'application/json; charset=utf-8' } })).status).toBe(201);
    expect((await api.emu.admin.lists()).map((l) => l.name)).toEqual(['x']);
  });

  it('answers 401 authentication_failed for an unknown key and for a revoked key', async () => {
    const unknown = await api.call('GET', '/api/lists', { key: `${api.key}0` });
    expect(unknown.status).toBe(401);
    expect(unknown.data.errors[0].code).toBe('authentication_failed');
    expect((await api.call('GET', '/api/lists')).status).toBe(200);
    await api.emu.admin.revokeKey(api.key);
    const revoked = await api.call('GET', '/api/lists');
    expect(revoked.status).toBe(401);
    expect(revoked.data.errors[0]).toMatchObject({ code: 'authentication_failed', title: 'Incorrect authentication credentials.' });
  });

  it('answers 403 permission_denied when a scope the spec requires is missing', async () => {
    const readOnly = await api.emu.admin.createKey({ scopes: ['lists:read'] });
    expect((await api.call('GET', '/api/lists', { key: readOnly })).status).toBe(200);
    const create = await api.call('POST', '/api/lists', { key: readOnly, body: { data: { type: 'list', attributes: { name: 'x' } } } });
    expect(create.status).toBe(403);
    expect(create.data.errors[0]).toMatchObject({ code: 'permission_denied', detail: 'You do not have permission to perform this action.' });
    // list members need lists:read AND profiles:read (x-klaviyo-scopes)
    const [listId] = await api.emu.admin.seedLists(['L']);
    expect((await api.call('GET', `/api/lists/${listId}/profiles`, { key: readOnly })).status).toBe(403);
    expect((await api.call('GET', '/api/accounts', { key: readOnly })).status).toBe(403);
  });

  it('treats a write scope as including read (Klaviyo "full access")', async () => {
    const key = await api.emu.admin.createKey({ scopes: ['lists:write', 'profiles:write'] });
    const [listId] = await api.emu.admin.seedLists(['L']);
    expect((await api.call('GET', `/api/lists/${listId}/profiles`, { key })).status).toBe(200);
  });

  it('rejects unknown scopes when creating a key', async () => {
    await expect(api.emu.admin.createKey({ scopes: ['lists:everything'] })).rejects.toThrow(/400/);
  });

  it('requires the revision header and rejects malformed, too-new or pre-GA revisions with 400', async () => {
    const missing = await api.call('GET', '/api/lists', { headers: { revision: undefined } });
    expect(missing.status).toBe(400);
    expect(missing.data.errors[0]).toMatchObject({ code: 'invalid', source: { parameter: 'revision' } });
    expect(missing.data.errors[0].detail).toMatch(/revision/);
    for (const revision of ['2026-10-15', 'latest', '2026-02-30', '2021-01-01']) {
      const res = await api.call('GET', '/api/lists', { headers: { revision } });
      expect(res.status, revision).toBe(400);
    }
    for (const revision of ['2026-07-15', '2024-10-15', '2025-01-15.pre']) {
      expect((await api.call('GET', '/api/lists', { headers: { revision } })).status, revision).toBe(200);
    }
  });

  it('keeps accounts apart: a key sees only its own account', async () => {
    const other = await api.emu.admin.createKey({ account: 'other' });
    await api.emu.admin.seedLists(['Mine']);
    await api.emu.admin.seedLists(['Theirs'], 'other');
    const mine = await api.call('GET', '/api/lists');
    const theirs = await api.call('GET', '/api/lists', { key: other });
    expect(mine.data.data.map((l: { attributes: { name: string } }) => l.attributes.name)).toEqual(['Mine']);
    expect(theirs.data.data.map((l: { attributes: { name: string } }) => l.attributes.name)).toEqual(['Theirs']);
  });

  it('answers 404 JSON:API for unknown routes', async () => {
    const res = await api.call('GET', '/api/nothing-here');
    expect(res.status).toBe(404);
    expect(res.data.errors[0].code).toBe('not_found');
  });
});
