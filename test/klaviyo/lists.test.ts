import { describe, expect, it } from 'vitest';
import { oldestList } from '../../src/klaviyo/client';

describe('oldestList', () => {
  it('picks the oldest of lists sharing a name, the same one whatever the order Klaviyo returned', () => {
    const lists = [
      { id: 'B', name: 'VIP', created: '2026-02-01T00:00:00Z' },
      { id: 'A', name: 'VIP', created: '2025-12-01T00:00:00Z' },
      { id: 'C', name: 'VIP', created: '2026-03-01T00:00:00Z' },
    ];
    expect(oldestList(lists)?.id).toBe('A');
    expect(oldestList([...lists].reverse())?.id).toBe('A');
    expect(oldestList([])).toBeUndefined();
  });
});
