import { describe, expect, it } from 'vitest';
import { keyFingerprint, RateLimiter } from '../../src/klaviyo/rateLimiter';

const tier = { burst: 5, steady: 100 };

describe('RateLimiter', () => {
  it('lets a burst through at once, then spaces the rest over the next window', async () => {
    const limiter = new RateLimiter();
    const start = Date.now();
    const times: number[] = [];
    await Promise.all(Array.from({ length: 10 }, () => limiter.acquire('k', 'op', tier).then(() => times.push(Date.now() - start))));
    times.sort((a, b) => a - b);
    expect(times[4]!).toBeLessThan(100);
    expect(times[5]!).toBeGreaterThanOrEqual(1000);
  });

  it('speedFactor multiplies the allowed rate', async () => {
    const limiter = new RateLimiter({ speedFactor: 4 });
    const start = Date.now();
    await Promise.all(Array.from({ length: 20 }, () => limiter.acquire('k', 'op', tier)));
    expect(Date.now() - start).toBeLessThan(200);
  });

  it('keeps keys and operations in separate buckets', async () => {
    const limiter = new RateLimiter();
    const start = Date.now();
    await Promise.all(
      ['a', 'b'].flatMap((key) => ['op1', 'op2'].flatMap((op) => Array.from({ length: 5 }, () => limiter.acquire(key, op, tier)))),
    );
    expect(Date.now() - start).toBeLessThan(200);
  });

  it('blockFor (Retry-After) holds the bucket', async () => {
    const limiter = new RateLimiter();
    limiter.blockFor('k', 'op', tier, 0.3);
    const start = Date.now();
    await limiter.acquire('k', 'op', tier);
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('refuses to sleep through a Retry-After longer than the caller allows, but waits out our own pacing', async () => {
    const limiter = new RateLimiter();
    limiter.blockFor('k', 'op', tier, 120);
    const start = Date.now();
    await expect(limiter.acquire('k', 'op', tier, 30_000)).rejects.toMatchObject({ name: 'RetryAfterPending', seconds: 120 });
    expect(Date.now() - start).toBeLessThan(50);
    limiter.observe('k', 'paced', tier, 0, 0.3);
    await limiter.acquire('k', 'paced', tier, 100); // a 300 ms pacing delay is not a Retry-After
    expect(Date.now() - start).toBeGreaterThanOrEqual(290);
  });

  it('slows down when RateLimit-Remaining is near zero and ignores a healthy one', async () => {
    const limiter = new RateLimiter();
    limiter.observe('k', 'op', tier, 50, 10);
    let start = Date.now();
    await limiter.acquire('k', 'op', tier);
    expect(Date.now() - start).toBeLessThan(50);
    limiter.observe('k', 'op', tier, 0, 0.4);
    start = Date.now();
    await limiter.acquire('k', 'op', tier);
    expect(Date.now() - start).toBeGreaterThanOrEqual(390);
  });

  it('fingerprints keys without revealing them', () => {
    const key = `pk_${'ab'.repeat(17)}`;
    const fp = keyFingerprint(key);
    expect(fp).toMatch(/^[0-9a-f]{16}$/);
    expect(key).not.toContain(fp);
    expect(keyFingerprint(key)).toBe(fp);
  });
});
