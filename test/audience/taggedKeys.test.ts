/** The plan's list of e-mail keys: chunked, so reads across chunk boundaries and the repeats it reports must hold. */
import { describe, expect, it } from 'vitest';
import { TaggedKeys } from '../../src/audience/emailHash';

describe('TaggedKeys', () => {
  it('keeps every key and tag in order across chunks, and names the keys that repeat', () => {
    const keys = new TaggedKeys();
    const n = 200_000; // three chunks and a part
    for (let i = 0; i < n; i++) keys.push(BigInt(i % 150_000) * -7n, i % 5);
    expect(keys.length).toBe(n);
    for (const i of [0, 1, 65_535, 65_536, 131_071, 131_072, 199_999]) {
      expect(keys.keyAt(i)).toBe(BigInt(i % 150_000) * -7n);
      expect(keys.tagAt(i)).toBe(i % 5);
    }
    const repeated = keys.repeatedKeys();
    expect(repeated.size).toBe(50_000);
    expect(repeated.has(0n)).toBe(true);
    expect(repeated.has(-7n * 49_999n)).toBe(true);
    expect(repeated.has(-7n * 50_000n)).toBe(false);
  });
});
