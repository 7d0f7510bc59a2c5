/**
 * Client-side pacing so a sync stays under Klaviyo's limits instead of collecting 429s.
 *
 * Klaviyo counts calls per account and per endpoint in a 1 s burst window and a 60 s steady window (fixed
 * windows on their side). We keep a sliding log per bucket, which is never looser than any fixed window,
 * and stretch each window by a small margin because the server counts arrival, not send, time.
 * Buckets are shared by every client in the process that uses the same key; they are keyed by a hash of
 * the key, so the key itself is never held as a map key (and never shows up in a heap dump of this map).
 */
import { createHash } from 'node:crypto';
import type { RateLimitTier } from './endpoints';

const BURST_WINDOW_MS = 1000;
const STEADY_WINDOW_MS = 60_000;
/** Margin for network jitter between our clock and the server's counting. */
const WINDOW_MARGIN = 1.05;
const WINDOW_SLACK_MS = 30;
/** Below this share of the steady limit left (per RateLimit-Remaining), spread the remaining calls out. */
const LOW_REMAINING_SHARE = 0.05;

export function keyFingerprint(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex').slice(0, 16);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/**
 * Thrown by acquire() instead of sleeping when Klaviyo's own Retry-After (seen by any client in this process
 * with the same key) still has longer to run than the caller is willing to wait in-process.
 */
export class RetryAfterPending extends Error {
  constructor(readonly seconds: number) {
    super(`Retry-After still running for ${seconds} s`);
    this.name = 'RetryAfterPending';
  }
}

class Bucket {
  private readonly burstLog: number[] = [];
  private readonly steadyLog: number[] = [];
  /** Our own spreading (RateLimit-Remaining running low): always waited out, at most one steady window. */
  private pacedUntil = 0;
  /** Klaviyo's Retry-After: may be hours (daily caps), so long ones are not waited out in-process. */
  retryAfterUntil = 0;

  constructor(
    private readonly burst: number,
    private readonly steady: number,
    private readonly burstWindow: number,
    private readonly steadyWindow: number,
  ) {}

  /** Milliseconds until a call is allowed (0 = now). */
  waitMs(now: number): number {
    prune(this.burstLog, now - this.burstWindow);
    prune(this.steadyLog, now - this.steadyWindow);
    let until = Math.max(this.pacedUntil, this.retryAfterUntil);
    if (this.burstLog.length >= this.burst) until = Math.max(until, this.burstLog[this.burstLog.length - this.burst]! + this.burstWindow);
    if (this.steadyLog.length >= this.steady) until = Math.max(until, this.steadyLog[this.steadyLog.length - this.steady]! + this.steadyWindow);
    return Math.max(0, until - now);
  }

  record(now: number): void {
    this.burstLog.push(now);
    this.steadyLog.push(now);
  }

  paceUntil(t: number): void {
    this.pacedUntil = Math.max(this.pacedUntil, t);
  }

  retryAfter(t: number): void {
    this.retryAfterUntil = Math.max(this.retryAfterUntil, t);
  }

  get steadyLimit(): number {
    return this.steady;
  }
}

function prune(log: number[], olderThan: number): void {
  let drop = 0;
  while (drop < log.length && log[drop]! <= olderThan) drop++;
  if (drop) log.splice(0, drop);
}

export interface LimiterOptions {
  /** Multiplies every allowed rate (the emulator's `speed`); default 1. */
  speedFactor?: number;
}

export class RateLimiter {
  private readonly buckets = new Map<string, Bucket>();
  private readonly speed: number;

  constructor(opts: LimiterOptions = {}) {
    this.speed = opts.speedFactor ?? 1;
    if (!(this.speed > 0)) throw new RangeError('speedFactor must be a positive number');
  }

  /**
   * Waits until a call in `bucket` (an operation id) for the key with `fingerprint` is allowed, then counts it.
   * Throws RetryAfterPending rather than sleep through more than `maxRetryAfterWaitMs` of a Retry-After:
   * a silent multi-hour sleep would hold every activity of the process on this endpoint, where a thrown
   * rate_limited lets Temporal schedule the retry durably and visibly.
   */
  async acquire(fingerprint: string, bucket: string, tier: RateLimitTier, maxRetryAfterWaitMs = Infinity): Promise<void> {
    const b = this.bucket(fingerprint, bucket, tier);
    for (;;) {
      const now = Date.now();
      const retryAfterMs = b.retryAfterUntil - now;
      if (retryAfterMs > maxRetryAfterWaitMs) throw new RetryAfterPending(Math.ceil(retryAfterMs / 1000));
      const wait = b.waitMs(now);
      if (wait === 0) {
        b.record(now);
        return;
      }
      await sleep(wait);
    }
  }

  /** After a 429 (or 503) with Retry-After: nobody in this bucket calls again before it expires. */
  blockFor(fingerprint: string, bucket: string, tier: RateLimitTier, seconds: number): void {
    this.bucket(fingerprint, bucket, tier).retryAfter(Date.now() + seconds * 1000);
  }

  /**
   * Reads `RateLimit-Remaining` / `RateLimit-Reset` (steady window) of a successful response. The count is
   * account-wide, so it reveals other integrations using the same quota: when little is left, spread the
   * remaining calls over the rest of the window instead of running into a 429.
   */
  observe(fingerprint: string, bucket: string, tier: RateLimitTier, remaining: number, resetSeconds: number): void {
    const b = this.bucket(fingerprint, bucket, tier);
    if (!Number.isFinite(remaining) || !Number.isFinite(resetSeconds) || resetSeconds <= 0) return;
    if (remaining > Math.max(1, b.steadyLimit * LOW_REMAINING_SHARE)) return;
    const resetMs = Math.min(resetSeconds, 60) * 1000;
    b.paceUntil(Date.now() + resetMs / (Math.max(0, remaining) + 1));
  }

  private bucket(fingerprint: string, name: string, tier: RateLimitTier): Bucket {
    const id = `${fingerprint}:${name}`;
    let b = this.buckets.get(id);
    if (!b) {
      // Floor, at least 1: never allow more than the server will (the emulator multiplies its limits too).
      const burst = Math.max(1, Math.floor(tier.burst * this.speed));
      const steady = Math.max(1, Math.floor(tier.steady * this.speed));
      b = new Bucket(
        burst,
        steady,
        BURST_WINDOW_MS * WINDOW_MARGIN + WINDOW_SLACK_MS,
        STEADY_WINDOW_MS * WINDOW_MARGIN + WINDOW_SLACK_MS,
      );
      this.buckets.set(id, b);
    }
    return b;
  }
}

const shared = new Map<number, RateLimiter>();

/** One limiter per speed factor per process, so clients created per activity still share their buckets. */
export function sharedRateLimiter(speedFactor = 1): RateLimiter {
  let limiter = shared.get(speedFactor);
  if (!limiter) {
    limiter = new RateLimiter({ speedFactor });
    shared.set(speedFactor, limiter);
  }
  return limiter;
}
