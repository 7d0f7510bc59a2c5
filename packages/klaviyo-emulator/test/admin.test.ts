import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { join } from 'node:path';
import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { importProfiles, useEmulator } from './harness';

const api = useEmulator({ speed: 20 });

describe('admin surface', () => {
  it('creates keys shaped like private keys and revokes them', async () => {
    expect(api.key).toMatch(/^pk_[0-9a-f]{34}$/);
    await api.emu.admin.revokeKey(api.key);
    expect((await api.call('GET', '/api/lists')).status).toBe(401);
    await expect(api.emu.admin.revokeKey(api.key)).rejects.toThrow(/404/);
  });

  it('seeds lists and segments, reports lists with member counts and members sorted by e-mail', async () => {
    const ids = await api.emu.admin.seedLists(['a', 'b']);
    expect(ids).toHaveLength(2);
    await importProfiles(api, [{ email: 'z@example.com' }, { email: 'm@example.com' }], ids[0]);
    expect(await api.emu.admin.lists()).toEqual([
      { id: ids[0], name: 'a', memberCount: 2 },
      { id: ids[1], name: 'b', memberCount: 0 },
    ]);
    expect(await api.emu.admin.listMembers(ids[0]!)).toEqual(['m@example.com', 'z@example.com']);
    expect(await api.emu.admin.profile('nobody@example.com')).toBeNull();
    await expect(api.emu.admin.listMembers('nope00')).rejects.toThrow(/404/);
    await expect(api.emu.admin.seedLists([''])).rejects.toThrow(/400/);
  });

  it('counts calls per route template and wipes everything on reset', async () => {
    await api.emu.admin.seedLists(['a']);
    await api.call('GET', '/api/lists');
    await api.call('GET', '/api/lists/abcdef');
    expect(await api.emu.admin.stats()).toMatchObject({ calls: { 'GET /api/lists': 1, 'GET /api/lists/{id}': 1 }, throttled: 0, byStatus: { '200': 1, '404': 1 } });
    await api.emu.admin.reset();
    expect(await api.emu.admin.stats()).toEqual({ calls: {}, throttled: 0, byStatus: {}, jobs: expect.objectContaining({ jobsSubmitted: 0, profilesSubmitted: 0 }) });
    expect(await api.emu.admin.lists()).toEqual([]);
    expect((await api.call('GET', '/api/lists')).status).toBe(401); // keys are gone too
  });

  it('answers unknown admin routes and malformed bodies with clear errors', async () => {
    const res = await axios.post(`${api.url}/admin/nothing`, {}, { validateStatus: () => true, proxy: false });
    expect(res.status).toBe(404);
    const bad = await axios.post(`${api.url}/admin/limits`, { maxListsAndSegments: -1 }, { validateStatus: () => true, proxy: false });
    expect(bad.status).toBe(400);
    expect(bad.data.error).toMatch(/maxListsAndSegments/);
  });
});

describe('CLI', () => {
  it('starts on loopback and the given port with EMULATOR_API_KEY, admin surface off, prints the URL and key, and stops on SIGTERM', async () => {
    const key = ['pk', randomBytes(17).toString('hex')].join('_');
    // The package's bin, from the sources: the same program `npm run emulator` starts.
    const child = spawn(process.execPath, [join(__dirname, '..', 'bin', 'klaviyo-emulator.js'), '--port', '0'], {
      env: { ...process.env, EMULATOR_API_KEY: key, KLAVIYO_EMULATOR_FROM_SOURCE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (c: Buffer) => {
        out += c.toString();
        const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
        if (m && out.includes('API key:')) resolve(m[1]!);
      });
      child.on('exit', () => reject(new Error(`exited early: ${out}`)));
    });
    expect(out).toContain(`API key: ${key}`);
    const res = await axios.get(`${url}/api/accounts`, { headers: { Authorization: `Klaviyo-API-Key ${key}`, revision: '2026-07-15' }, proxy: false });
    expect(res.status).toBe(200);
    // Without --admin nobody can mint keys, inject faults or wipe the state.
    expect(out).toContain('Admin surface off');
    const admin = await axios.post(`${url}/admin/keys`, {}, { validateStatus: () => true, proxy: false });
    expect(admin.status).toBe(404);
    expect(admin.data.error).toMatch(/admin surface is off; start the emulator with --admin/);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  });
});
