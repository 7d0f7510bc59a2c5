import { describe, expect, it } from 'vitest';
import { UlidGenerator } from '../src/ids';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

/** The ULID for a time and an 80-bit random part, computed the obvious way (BigInt), to check the limb arithmetic against. */
function reference(time: number, random: bigint): string {
  const enc = (v: bigint, n: number) => Array.from({ length: n }, (_, i) => CROCKFORD[Number((v >> BigInt(5 * (n - 1 - i))) & 31n)]).join('');
  return enc(BigInt(time), 10) + enc(random, 16);
}

/** A random source that hands out the given bytes, repeated. */
function bytesSource(pattern: number[]) {
  return (n: number) => Buffer.from(Array.from({ length: n }, (_, i) => pattern[i % pattern.length]!));
}

describe('UlidGenerator', () => {
  it('encodes the time and the random part (top bit cleared) and increments it within a millisecond, carrying across limbs', () => {
    // 0xff.. bytes: the lowest 60 bits are all ones, so the first increment carries through three limbs.
    const gen = new UlidGenerator(bytesSource([0xff]));
    const t = 1_796_000_000_000;
    const start = (1n << 79n) - 1n;
    expect(gen.next(t)).toBe(reference(t, start));
    expect(gen.next(t)).toBe(reference(t, start + 1n));
    expect(gen.next(t)).toBe(reference(t, start + 2n));
    // A clock that goes back keeps the last time and keeps counting.
    expect(gen.next(t - 5)).toBe(reference(t, start + 3n));
  });

  it('mints strictly increasing 26-character Crockford ids over many milliseconds with random bytes', () => {
    const gen = new UlidGenerator();
    let last = '';
    for (let i = 0; i < 5000; i++) {
      const id = gen.next(1_796_000_000_000 + Math.floor(i / 300));
      expect(id).toMatch(/^01[0-9A-HJKMNP-TV-Z]{24}$/);
      expect(id > last).toBe(true);
      last = id;
    }
  });

  it('draws a fresh random part each millisecond, from the pool in ten-byte steps', () => {
    let calls = 0;
    const pattern = Array.from({ length: 1000 }, (_, i) => (i * 37 + 11) & 0xff);
    const gen = new UlidGenerator((n) => {
      calls++;
      return bytesSource(pattern)(n);
    });
    for (let ms = 0; ms < 150; ms++) {
      const b = pattern.slice((ms % 100) * 10, (ms % 100) * 10 + 10);
      const random = BigInt('0x' + Buffer.from(b).toString('hex')) & ((1n << 79n) - 1n);
      expect(gen.next(1_000 + ms)).toBe(reference(1_000 + ms, random));
    }
    expect(calls).toBe(2);
  });
});
