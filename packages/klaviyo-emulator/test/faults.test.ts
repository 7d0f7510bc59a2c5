import axios from 'axios';
import { describe, expect, it } from 'vitest';
import { bulkBody, useEmulator, waitForJob } from './harness';

const api = useEmulator({ speed: 20 });

describe('injected faults', () => {
  it('answers a 429 burst with Retry-After for the matching endpoint only, count times', async () => {
    await api.emu.admin.injectFault({ kind: 'status', status: 429, retryAfter: 7, count: 2, match: 'GET /api/lists' });
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await api.call('GET', '/api/lists')).status);
    expect(statuses).toEqual([429, 429, 200]);
    await api.emu.admin.injectFault({ kind: 'status', status: 429, retryAfter: 7, match: 'GET /api/lists' });
    const res = await api.call('GET', '/api/lists');
    expect(res.headers['retry-after']).toBe('7');
    expect(res.data.errors[0]).toMatchObject({ code: 'throttled', detail: 'Request was throttled. Expected available in 7 seconds.' });
    expect((await api.call('GET', '/api/accounts')).status).toBe(200);
    const stats = await api.emu.admin.stats();
    expect(stats.byStatus['429']).toBe(3);
    expect(stats.throttled).toBe(0); // injected, not the limiter
  });

  it('answers 5xx with a JSON:API error body', async () => {
    await api.emu.admin.injectFault({ kind: 'status', status: 503 });
    const res = await api.call('GET', '/api/lists');
    expect(res.status).toBe(503);
    expect(res.data.errors[0]).toMatchObject({ status: 503 });
    expect((await api.call('GET', '/api/lists')).status).toBe(200);
  });

  it('resets the connection without an answer', async () => {
    await api.emu.admin.injectFault({ kind: 'reset', match: 'POST /api/lists' });
    const err = await axios
      .post(`${api.url}/api/lists`, {}, { headers: { Authorization: `Klaviyo-API-Key ${api.key}`, revision: '2026-07-15' }, proxy: false })
      .catch((e: { code?: string }) => e);
    expect(['ECONNRESET', 'ERR_BAD_RESPONSE', 'EPIPE']).toContain((err as { code?: string }).code);
    expect((await api.emu.admin.stats()).byStatus.reset).toBe(1);
  });

  it('delays requests by the injected latency', async () => {
    await api.emu.admin.injectFault({ kind: 'latency', ms: 300 });
    const t0 = Date.now();
    expect((await api.call('GET', '/api/lists')).status).toBe(200);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(290);
  });

  it('serves a Cloudflare HTML challenge', async () => {
    await api.emu.admin.injectFault({ kind: 'html' });
    const res = await axios.get(`${api.url}/api/lists`, { validateStatus: () => true, proxy: false, responseType: 'text' });
    expect(res.status).toBe(403);
    expect(res.headers['content-type']).toMatch(/^text\/html/);
    expect(res.headers['cf-mitigated']).toBe('challenge');
    expect(res.data).toMatch(/Just a moment/);
  });

  it('leaves jobs stuck in processing when a stuck_jobs fault hits their creation', async () => {
    await api.emu.admin.injectFault({ kind: 'stuck_jobs' });
    const stuck = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: 'a@example.com' }]) });
    const normal = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody([{ email: 'b@example.com' }]) });
    await waitForJob(api, normal.data.data.id);
    await new Promise((r) => setTimeout(r, 200));
    const job = await api.call('GET', `/api/profile-bulk-import-jobs/${stuck.data.data.id}`);
    expect(job.data.data.attributes).toMatchObject({ status: 'processing', completed_count: 0 });
  });

  it('clears faults and validates fault specs', async () => {
    await api.emu.admin.injectFault({ kind: 'status', status: 500, count: 5 });
    await api.emu.admin.clearFaults();
    expect((await api.call('GET', '/api/lists')).status).toBe(200);
    await expect(api.emu.admin.injectFault({ kind: 'status', status: 200 })).rejects.toThrow(/400/);
    await expect(api.emu.admin.injectFault({ kind: 'nope' as 'html' })).rejects.toThrow(/400/);
  });
});
