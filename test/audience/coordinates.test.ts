import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { normalizeCoordinates, plainCoordinate } from '../../src/audience/validate';

/** The rounding without its fast path: toFixed(4), read back; -0 becomes 0. */
function slow(value: string): number {
  return Number(Number(value).toFixed(4)) + 0;
}

/** Decimal texts as exports write them, and the shapes around them: ties, long fractions, signs, leading zeros. */
const coordinateText = fc
  .tuple(
    fc.constantFrom('', '-', '+'),
    fc.oneof(fc.integer({ min: 0, max: 180 }).map(String), fc.constantFrom('0', '00', '090', '179', '180', '181', '999', '1000')),
    fc.oneof(
      fc.constant(''),
      fc.constant('.'),
      fc.stringMatching(/^[0-9]{1,16}$/).map((d) => `.${d}`),
      // Ties and near-ties at the 5th decimal: 5, 50…0, 49…9, 50…01.
      fc.tuple(fc.stringMatching(/^[0-9]{4}$/), fc.constantFrom('5', '50', '5000000', '4999999', '5000001', '49', '51')).map(([a, b]) => `.${a}${b}`),
    ),
  )
  .map(([sign, whole, fraction]) => `${sign}${whole}${fraction}`);

describe('plain coordinates (the fast path of latitude and longitude rounding)', () => {
  it('round as toFixed(4) does, or are left to it', () => {
    let fast = 0;
    fc.assert(
      fc.property(coordinateText, fc.constantFrom(90, 180), (value, limit) => {
        const plain = plainCoordinate(value, limit);
        if (plain === undefined) return;
        fast++;
        expect(Math.abs(Number(value))).toBeLessThanOrEqual(limit);
        expect(Object.is(plain, slow(value)), `${value}: ${plain} vs ${slow(value)}`).toBe(true);
      }),
      { numRuns: 50_000 },
    );
    // The fast path is taken: the property above says something.
    expect(fast).toBeGreaterThan(20_000);
  });

  it('answer for every 6-decimal value around the ties of one degree as toFixed(4) does', () => {
    for (let micro = 0; micro < 1_000_000; micro += 7) {
      for (const whole of ['0', '-45', '179']) {
        const value = `${whole}.${String(micro).padStart(6, '0')}`;
        const plain = plainCoordinate(value, 180);
        if (plain !== undefined && !Object.is(plain, slow(value))) expect.fail(`${value}: ${plain} vs ${slow(value)}`);
      }
    }
  });

  it('leave ties, exponents, long fractions and out-of-range values to the general path', () => {
    expect(plainCoordinate('1.00005', 90)).toBeUndefined();
    expect(plainCoordinate('1e1', 90)).toBeUndefined();
    expect(plainCoordinate('1.1234567890123', 90)).toBeUndefined();
    expect(plainCoordinate('91', 90)).toBeUndefined();
    expect(plainCoordinate('-0.00001', 90)).toBe(0);
    expect(Object.is(plainCoordinate('-0.00001', 90), 0)).toBe(true);
    expect(normalizeCoordinates('40.712776', '-74.005974')).toEqual({ latitude: 40.7128, longitude: -74.006 });
    expect(normalizeCoordinates('1.00005', '-1.00015')).toEqual({ latitude: slow('1.00005'), longitude: slow('-1.00015') });
  });
});
