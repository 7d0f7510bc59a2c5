import { describe, expect, it } from 'vitest';
import { validateRequest, validateResponse } from '../src';
import { bulkBody, importProfiles, listBody, memberBody, useEmulator, waitForJob } from './harness';

const api = useEmulator({ speed: 20 });

describe('spec validators fail loudly on drift', () => {
  const list = { type: 'list', id: 'Y6nRLr', attributes: { name: 'x', created: null, updated: null, opt_in_process: null }, links: { self: 'http://h/api/lists/Y6nRLr/' } };

  it('validateResponse accepts a conforming body and names unknown, missing and mistyped fields', () => {
    expect(validateResponse('GET', '/api/lists', 200, { data: [list], links: { self: 'http://h/api/lists' } })).toEqual({ valid: true, errors: [] });
    const drift = validateResponse('GET', '/api/lists/Y6nRLr', 200, { data: { ...list, attributes: { ...list.attributes, colour: 'red' } } });
    expect(drift.errors).toEqual(["body/data/attributes/colour: 'colour' is not a valid field"]);
    const missing = validateResponse('GET', '/api/lists', 200, { data: [{ ...list, links: undefined }] });
    expect(missing.errors).toEqual(["body/data/0/links: 'links' is a required field"]);
    expect(validateResponse('GET', '/api/lists', 200, { data: [{ ...list, attributes: { name: 5 } }] }).valid).toBe(false);
    expect(validateResponse('GET', '/api/lists', 200, { data: [list], links: { self: 'http://h/api/lists?page[size]=1' } }).valid).toBe(false);
  });

  it('checks error envelopes (required id/code/title/detail), documented statuses and empty 204s', () => {
    expect(validateResponse('GET', '/api/lists', 429, { errors: [{ id: '1', status: 429, code: 'throttled', title: 't', detail: 'd' }] }).valid).toBe(true);
    expect(validateResponse('GET', '/api/lists', 400, { errors: [{ code: 'x', title: 't', detail: 'd' }] }).valid).toBe(false);
    expect(validateResponse('POST', '/api/lists/{id}/relationships/profiles', 204, '').valid).toBe(true);
    expect(validateResponse('POST', '/api/lists/{id}/relationships/profiles', 204, { data: [] }).valid).toBe(false);
    expect(validateResponse('POST', '/api/lists', 200, {}).errors[0]).toMatch(/status 200 is not documented/);
  });

  it('validateRequest catches camelCase attributes, bad page sizes, unknown parameters and unfilterable fields', () => {
    const bad = validateRequest('POST', '/api/profile-bulk-import-jobs', bulkBody([{ email: 'a@b.c', phoneNumber: '+1' }]));
    expect(bad.errors).toEqual(["body/data/attributes/profiles/data/0/attributes/phoneNumber: 'phoneNumber' is not a valid field"]);
    expect(validateRequest('POST', '/api/lists/Y6nRLr/relationships/profiles', memberBody(['01A'])).valid).toBe(true);
    const query = validateRequest('GET', '/api/lists/Y6nRLr/profiles', undefined, { 'page[size]': 101, 'fields[profile]': 'email,nope', pageSize: 3, filter: 'equals(name,"x")' });
    expect(query.errors).toHaveLength(4);
    expect(validateRequest('GET', '/api/lists', undefined, 'filter=equals(name,%22a%22)&page[size]=10').valid).toBe(true);
  });
});

describe('every emulated operation answers per the spec', () => {
  it('covers each route with success and error responses (the harness validates each one)', async () => {
    const [listId] = await api.emu.admin.seedLists(['Tour']);
    await api.emu.admin.seedSegments(2);
    const ids = await importProfiles(api, [{ email: 'a@example.com' }, { email: 'b@example.com' }], listId);
    const created = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: 'bad' }], listId) });
    const jobId = created.data.data.id;
    await waitForJob(api, jobId);
    const calls: [string, string, unknown?, Record<string, string>?][] = [
      ['GET', '/api/accounts'],
      ['GET', '/api/lists', undefined, { filter: 'any(name,["Tour"])', 'fields[list]': 'name' }],
      ['POST', '/api/lists', listBody('Another')],
      ['POST', '/api/lists', { data: { type: 'list' } }],
      ['GET', `/api/lists/${listId}`, undefined, { 'additional-fields[list]': 'profile_count' }],
      ['GET', '/api/lists/nope00'],
      ['PATCH', `/api/lists/${listId}`, { data: { type: 'list', id: listId, attributes: { name: 'Tour 2' } } }],
      ['GET', `/api/lists/${listId}/profiles`],
      ['GET', `/api/lists/${listId}/relationships/profiles`, undefined, { 'page[size]': '1' }],
      ['DELETE', `/api/lists/${listId}/relationships/profiles`, memberBody([ids[0]!])],
      ['POST', `/api/lists/${listId}/relationships/profiles`, memberBody([ids[0]!])],
      ['GET', '/api/segments'],
      ['GET', '/api/profiles', undefined, { filter: 'equals(email,"a@example.com")' }],
      ['GET', `/api/profiles/${ids[0]}`],
      ['POST', '/api/profile-import', { data: { type: 'profile', attributes: { email: 'c@example.com', location: { latitude: 1.5 } } } }],
      ['PATCH', `/api/profiles/${ids[1]}`, { data: { type: 'profile', id: ids[1], attributes: { title: 'Dr' } } }],
      ['GET', '/api/profile-bulk-import-jobs', undefined, { filter: 'equals(status,"complete")' }],
      ['GET', `/api/profile-bulk-import-jobs/${jobId}`],
      ['GET', `/api/profile-bulk-import-jobs/${jobId}/import-errors`],
      ['GET', `/api/profile-bulk-import-jobs/${jobId}/profiles`],
      ['GET', `/api/profile-bulk-import-jobs/${jobId}/relationships/profiles`],
      ['DELETE', `/api/lists/${listId}`],
    ];
    const statuses: number[] = [];
    for (const [method, path, body, query] of calls) statuses.push((await api.call(method, path, { body, query })).status);
    expect(statuses).toEqual([200, 200, 201, 400, 200, 404, 200, 200, 200, 204, 204, 200, 200, 200, 201, 200, 200, 200, 200, 200, 200, 204]);
    const called = Object.keys((await api.emu.admin.stats()).calls).sort();
    expect(called).toHaveLength(21); // all 21 API routes the emulator serves
  });
});
