import { describe, expect, it } from 'vitest';
import { MemberSet } from '../src/memberSet';

describe('MemberSet', () => {
  it('keeps each member’s joined time exactly (the first one when added twice), and forgets it on delete', () => {
    const set = new MemberSet();
    const now = Date.now();
    const times = { a: now, b: now - 86_400_000 * 400, c: now + 86_400_000 * 400, d: 0 };
    for (const [id, t] of Object.entries(times)) expect(set.add(id, t)).toBe(true);
    expect(set.add('a', now + 5)).toBe(false);
    for (const [id, t] of Object.entries(times)) expect(set.joinedAt(id)).toBe(t);
    expect(set.delete('b')).toBe(true);
    expect(set.joinedAt('b')).toBeUndefined();
    expect(set.ids()).toEqual(['a', 'c', 'd']);
    expect(set.size).toBe(3);
  });
});
