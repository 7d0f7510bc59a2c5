import { describe, expect, it } from 'vitest';
import { operationFacts } from '../src/catalog';
import { RateLimiter } from '../src/rateLimiter';
import { listBody, useEmulator } from './harness';

const api = useEmulator({ speed: 2 });

describe('rate limits over HTTP (speed 2)', () => {
  it('throttles a burst beyond the spec limit x speed with 429, Retry-After and the throttled body', async () => {
    // GET /api/accounts is XS: 1/s burst -> 2 per second at speed 2. Sent together so they share one window.
    const burst = await Promise.all([1, 2, 3].map(() => api.call('GET', '/api/accounts')));
    expect(burst.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const [ok1, ok2] = burst.filter((r) => r.status === 200).sort((a, b) => Number(b.headers['ratelimit-remaining']) - Number(a.headers['ratelimit-remaining']));
    const limited = burst.find((r) => r.status === 429)!;
    expect(ok1!.headers['ratelimit-limit']).toBe('30'); // steady 15/m x 2
    expect(ok1!.headers['ratelimit-remaining']).toBe('29');
    expect(ok2!.headers['ratelimit-remaining']).toBe('28');
    expect(Number(ok1!.headers['ratelimit-reset'])).toBeGreaterThan(0);
    const retryAfter = Number(limited.headers['retry-after']);
    expect(Number.isInteger(retryAfter) && retryAfter >= 1).toBe(true);
    expect(limited.headers['ratelimit-limit']).toBeUndefined();
    expect(limited.data.errors[0]).toMatchObject({ status: 429, code: 'throttled', title: 'Request was throttled.' });
    expect(limited.data.errors[0].detail).toBe(`Request was throttled. Expected available in ${retryAfter} second${retryAfter === 1 ? '' : 's'}.`);
    expect((await api.emu.admin.stats()).throttled).toBe(1);
    await new Promise((r) => setTimeout(r, retryAfter * 1000));
    expect((await api.call('GET', '/api/accounts')).status).toBe(200);
  });

  it('limits per account: another account has its own windows', async () => {
    const other = await api.emu.admin.createKey({ account: 'other' });
    const mine = await Promise.all([1, 2, 3].map(() => api.call('GET', '/api/accounts')));
    expect(mine.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    expect((await api.call('GET', '/api/accounts', { key: other })).status).toBe(200);
  });

  it('gives GET list with additional-fields[list]=profile_count its slower limit (1/s, 15/m) in its own bucket', async () => {
    const [id] = await api.emu.admin.seedLists(['L']);
    const q = { 'additional-fields[list]': 'profile_count' };
    const counted = await Promise.all([1, 2, 3].map(() => api.call('GET', `/api/lists/${id}`, { query: q })));
    expect(counted.map((r) => r.status).sort()).toEqual([200, 200, 429]);
    const plain = await api.call('GET', `/api/lists/${id}`);
    expect(plain.status).toBe(200);
    expect(plain.headers['ratelimit-limit']).toBe('1500'); // L tier 750/m x 2
  });

  it('enforces the daily list-creation cap with a 429 whose Retry-After runs to the end of the day window', async () => {
    await api.emu.admin.setLimits({ dailyListCreates: 2 });
    expect((await api.call('POST', '/api/lists', { body: listBody('a') })).status).toBe(201);
    expect((await api.call('POST', '/api/lists', { body: listBody('b') })).status).toBe(201);
    const capped = await api.call('POST', '/api/lists', { body: listBody('c') });
    expect(capped.status).toBe(429);
    expect(capped.data.errors[0].code).toBe('throttled');
    const retryAfter = Number(capped.headers['retry-after']);
    expect(retryAfter).toBeGreaterThan(86_000);
    expect(retryAfter).toBeLessThanOrEqual(86_400);
    expect((await api.emu.admin.lists()).map((l) => l.name)).toEqual(['a', 'b']);
  });
});

describe('RateLimiter windows (unit, explicit clock)', () => {
  const spec = { burst: 3, steady: 5, daily: 7 };
  it('applies burst (1 s), steady (1 min) and daily windows and reports the longest wait', () => {
    const rl = new RateLimiter(1);
    const t0 = 1_000_000;
    expect([0, 1, 2].map((i) => rl.take('b', spec, t0 + i).ok)).toEqual([true, true, true]);
    expect(rl.take('b', spec, t0 + 10)).toEqual({ ok: false, retryAfterSeconds: 1, window: 'burst' });
    expect(rl.take('b', spec, t0 + 1000).ok).toBe(true); // new burst window
    expect(rl.take('b', spec, t0 + 1001).ok).toBe(true); // 5th in the minute
    const steady = rl.take('b', spec, t0 + 2000);
    expect(steady).toEqual({ ok: false, retryAfterSeconds: 58, window: 'steady' });
    expect(rl.take('b', spec, t0 + 60_000).ok).toBe(true);
    expect(rl.take('b', spec, t0 + 60_001).ok).toBe(true); // 7th today
    const daily = rl.take('b', spec, t0 + 61_500);
    expect(daily.ok).toBe(false);
    expect(daily.ok === false && daily.window).toBe('daily');
    expect(daily.ok === false && daily.retryAfterSeconds).toBe(86_400 - 61);
  });

  it('multiplies every count by speed (at least 1) and does not count throttled requests', () => {
    const rl = new RateLimiter(0.1);
    expect(rl.scaled(3)).toBe(1);
    const fast = new RateLimiter(10);
    let ok = 0;
    for (let i = 0; i < 40; i++) if (fast.take('x', spec, 5_000).ok) ok++;
    expect(ok).toBe(30);
  });

  it('reads limits, daily caps, scopes and slower variants from the spec', () => {
    expect(operationFacts('POST', '/api/lists')).toMatchObject({ scopes: ['lists:write'], rate: { burst: 10, steady: 150, daily: 150 } });
    expect(operationFacts('GET', '/api/lists/{id}').variants).toEqual([
      { param: 'additional-fields[list]', value: 'profile_count', rate: { burst: 1, steady: 15 } },
    ]);
    expect(operationFacts('GET', '/api/accounts').rate).toEqual({ burst: 1, steady: 15, daily: undefined });
  });
});
