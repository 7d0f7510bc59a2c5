import { describe, expect, it } from 'vitest';
import { RateClock } from '../../src/progress/rate';

describe('progress rate and ETA', () => {
  it('measures only time spent sending, not the steps before it', () => {
    const r = new RateClock();
    r.sample(0, 0, 10_000, false); // checking the key
    r.sample(30_000, 0, 10_000, true); // sending starts 30 s in
    const f = r.sample(40_000, 5_000, 10_000, true);
    expect(f.rate).toBe('500');
    expect(f.eta).toBe('10 s');
  });

  it('does not count time paused on a workflow action', () => {
    const r = new RateClock();
    r.sample(0, 0, 10_000, true);
    r.sample(10_000, 2_000, 10_000, true);
    r.sample(11_000, 2_000, Infinity, false); // paused for a minute
    r.sample(71_000, 2_000, 10_000, true); // resolved
    const f = r.sample(80_000, 4_000, 10_000, true);
    // 4,000 profiles in 10 + 1 + 9 = 20 s of sending.
    expect(f.rate).toBe('200');
    expect(f.eta).toBe('30 s');
  });

  it('prints a readable ETA when nothing can be measured yet, and 0 s when all are sent', () => {
    const r = new RateClock();
    expect(r.sample(0, 0, 5_000, true)).toEqual({ rate: '-', eta: 'unknown' });
    expect(r.sample(1_000, 0, 5_000, true)).toEqual({ rate: '-', eta: 'unknown' });
    expect(r.sample(2_000, 5_000, 5_000, false)).toEqual({ rate: '2,500', eta: '0 s' }); // 5,000 in 2 s of sending
  });
});
