import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { z } from 'zod';
import { normalizeDate } from '../../src/audience/validate';

/** normalizeDate without its fast path: Zod's ISO patterns, then Date. */
function slow(value: string): string | undefined {
  if (z.regexes.date.test(value)) return `${value}T00:00:00.000Z`;
  if (z.regexes.datetime({ offset: true }).test(value)) return new Date(value).toISOString();
  return undefined;
}

function fast(value: string): string | undefined {
  try {
    return normalizeDate(value, 'last_event_date');
  } catch {
    return undefined;
  }
}

const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));

describe('normalizeDate on UTC date-times with milliseconds (its fast path)', () => {
  it('answers as the ISO patterns do, for valid and impossible dates alike', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 9999 }),
        two(13),
        two(32),
        two(25),
        two(61),
        two(61),
        fc.integer({ min: 0, max: 999 }),
        (year, month, day, hour, minute, second, ms) => {
          const value = `${String(year).padStart(4, '0')}-${month}-${day}T${hour}:${minute}:${second}.${String(ms).padStart(3, '0')}Z`;
          expect(fast(value), value).toBe(slow(value));
        },
      ),
      { numRuns: 20_000 },
    );
  });

  it('accepts a real date as it is and refuses an impossible one', () => {
    expect(fast('2024-02-29T23:59:59.999Z')).toBe('2024-02-29T23:59:59.999Z');
    expect(fast('2023-02-29T10:00:00.000Z')).toBeUndefined();
    expect(fast('2024-13-01T10:00:00.000Z')).toBeUndefined();
    // Century years are leap years only every 400 years; hour 24 is the next day, not this one.
    expect(fast('2000-02-29T00:00:00.000Z')).toBe('2000-02-29T00:00:00.000Z');
    expect(fast('1900-02-29T00:00:00.000Z')).toBe(slow('1900-02-29T00:00:00.000Z'));
    expect(fast('2024-04-31T00:00:00.000Z')).toBe(slow('2024-04-31T00:00:00.000Z'));
    expect(fast('2024-05-31T24:00:00.000Z')).toBe(slow('2024-05-31T24:00:00.000Z'));
  });
});
