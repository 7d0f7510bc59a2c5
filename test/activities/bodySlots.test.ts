import { describe, expect, it } from 'vitest';
import { BodySlots } from '../../src/activities/bodySlots';

describe('BodySlots', () => {
  it('lets `size` batches hold a slot at once and the next in the order they asked, once one is given back', async () => {
    const slots = new BodySlots(2);
    const [a, b, c, d] = [slots.holder(), slots.holder(), slots.holder(), slots.holder()];
    const got: string[] = [];
    await a.take();
    await b.take();
    const waiting = [c.take().then(() => got.push('c')), d.take().then(() => got.push('d'))];
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(got).toEqual([]);
    // A holder takes at most one slot, and gives back only what it holds.
    await a.take();
    a.give();
    a.give();
    await waiting[0];
    expect(got).toEqual(['c']);
    b.give();
    await waiting[1];
    expect(got).toEqual(['c', 'd']);
  });
});
