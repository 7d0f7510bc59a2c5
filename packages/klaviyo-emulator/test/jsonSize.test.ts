import { describe, expect, it } from 'vitest';
import { jsonBytesOver } from '../src/jsonSize';

const exact = (v: unknown) => Buffer.byteLength(JSON.stringify(v), 'utf8');

describe('jsonBytesOver', () => {
  it('gives the exact UTF-8 size of the JSON when over the limit, undefined when at or under it', () => {
    const values: unknown[] = [
      { email: 'a@example.com', properties: { tags: ['x', 'y'], n: 1.5, ok: true, none: null } },
      { s: 'é'.repeat(400) }, // 2 bytes each in UTF-8
      { s: '\u0001'.repeat(300) }, // escaped as \u0001: 6 bytes each
      { s: '😀'.repeat(200) }, // surrogate pairs: 4 bytes each
      { n: [1e21, -1.2345678901234567e-308, 5e-7, 123456789012345680000] }, // numbers longer than they were written
      [[[]], {}, '', 0],
      'plain',
    ];
    for (const v of values) {
      const size = exact(v);
      expect(jsonBytesOver(v, size)).toBeUndefined();
      expect(jsonBytesOver(v, size + 100)).toBeUndefined();
      expect(jsonBytesOver(v, size - 1)).toBe(size);
      expect(jsonBytesOver(v, 0)).toBe(size);
    }
  });

  it('agrees with JSON.stringify on random JSON values at random limits', () => {
    let seed = 7;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
    const pieces = ['a', 'é', '\n', '"', '\\', '\u0000', '😀', 'xyz'];
    const value = (depth: number): unknown => {
      const r = rnd();
      if (depth > 3 || r < 0.3) return Array.from({ length: Math.floor(rnd() * 20) }, () => pieces[Math.floor(rnd() * pieces.length)]).join('');
      if (r < 0.45) return (rnd() - 0.5) * 10 ** Math.floor(rnd() * 40 - 20);
      if (r < 0.5) return rnd() < 0.5 ? null : true;
      if (r < 0.75) return Array.from({ length: Math.floor(rnd() * 5) }, () => value(depth + 1));
      return Object.fromEntries(Array.from({ length: Math.floor(rnd() * 5) }, (_, i) => [`k${i}${pieces[i % pieces.length]}`, value(depth + 1)]));
    };
    for (let i = 0; i < 300; i++) {
      const v = value(0);
      const size = exact(v);
      const limit = Math.floor(rnd() * size * 2);
      expect(jsonBytesOver(v, limit)).toBe(size > limit ? size : undefined);
    }
  });
});
