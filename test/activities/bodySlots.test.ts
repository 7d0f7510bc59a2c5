import { describe, expect, it } from 'vitest';
import { BodySlots } from '../../src/activities/bodySlots';

describe('BodySlots', () => {
  it('lets `size` batches hold a slot (and its body buffer) at once, the next in the order they asked once one is given back', async () => {
    const slots = new BodySlots(2);
    const [a, b, c, d] = [slots.holder(), slots.holder(), slots.holder(), slots.holder()];
    const got: string[] = [];
    await a.take();
    await b.take();
    const waiting = [c.take().then(() => got.push('c')), d.take().then(() => got.push('d'))];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual([]);
    // A holder takes at most one slot, and gives back only what it holds.
    const lent = a.scratch;
    await a.take();
    expect(a.scratch).toBe(lent);
    a.give();
    a.give();
    expect(a.scratch).toBeUndefined();
    await waiting[0];
    expect(got).toEqual(['c']);
    // The body buffer goes with the slot, to be written again.
    expect(c.scratch).toBe(lent);
    b.give();
    await waiting[1];
    expect(got).toEqual(['c', 'd']);
  });
});
