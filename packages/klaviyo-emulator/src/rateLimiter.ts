/**
 * Klaviyo-style fixed-window rate limits per account and endpoint: a burst window (1 s), a steady window
 * (1 min) and optionally a daily window; exceeding any answers 429. Each window opens at the first request
 * after the previous one closed, which keeps tests deterministic. Counts are multiplied by `speed`
 * (at least 1) so tests can run faster without removing limits; window lengths stay real.
 */
import type { RateSpec } from './catalog';

const WINDOWS = [
  { name: 'burst', ms: 1_000 },
  { name: 'steady', ms: 60_000 },
  { name: 'daily', ms: 86_400_000 },
] as const;
type WindowName = (typeof WINDOWS)[number]['name'];

interface WindowState {
  start: number;
  used: number;
}

export type RateDecision =
  | { ok: true; limit: number; remaining: number; resetSeconds: number }
  | { ok: false; retryAfterSeconds: number; window: WindowName };

export class RateLimiter {
  private readonly buckets = new Map<string, Partial<Record<WindowName, WindowState>>>();

  constructor(private readonly speed: number) {}

  /** Scales a spec count by the speed factor. `absolute` counts (admin overrides) are used as given. */
  scaled(n: number): number {
    return Math.max(1, Math.floor(n * this.speed));
  }

  /** Takes one request from `bucket` if every window has room; a throttled request is not counted. */
  take(bucket: string, spec: RateSpec, now = Date.now(), absoluteDaily = false): RateDecision {
    const state = this.buckets.get(bucket) ?? {};
    this.buckets.set(bucket, state);
    const limits: Record<WindowName, number | undefined> = {
      burst: this.scaled(spec.burst),
      steady: this.scaled(spec.steady),
      daily: spec.daily === undefined ? undefined : absoluteDaily ? spec.daily : this.scaled(spec.daily),
    };
    let blocked: { retryAfterSeconds: number; window: WindowName } | undefined;
    for (const w of WINDOWS) {
      const limit = limits[w.name];
      if (limit === undefined) continue;
      let ws = state[w.name];
      if (!ws || now - ws.start >= w.ms) ws = state[w.name] = { start: now, used: 0 };
      if (ws.used >= limit) {
        const wait = Math.max(1, Math.ceil((ws.start + w.ms - now) / 1000));
        if (!blocked || wait > blocked.retryAfterSeconds) blocked = { retryAfterSeconds: wait, window: w.name };
      }
    }
    if (blocked) return { ok: false, ...blocked };
    for (const w of WINDOWS) if (limits[w.name] !== undefined) state[w.name]!.used++;
    const steady = state.steady!;
    return {
      ok: true,
      limit: limits.steady!,
      remaining: limits.steady! - steady.used,
      resetSeconds: Math.max(0, Math.ceil((steady.start + 60_000 - now) / 1000)),
    };
  }

  reset(): void {
    this.buckets.clear();
  }
}
