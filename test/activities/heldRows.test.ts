import { describe, expect, it } from 'vitest';
import { HeldRows } from '../../src/activities/heldRows';
import type { StoredSnapshotRow } from '../../src/store/types';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

describe('HeldRows', () => {
  it('gives back every row as read, but its attributes, extreme hashes and both kinds included', () => {
    const rows: StoredSnapshotRow[] = [
      { email: 'a@x.com', emailKey: MIN, row: 2, batch: 7, kind: 'new', rowHash: MAX, attrHash: -1n, attributes: Buffer.from('{}') },
      { email: 'b@x.com', emailKey: 5n, row: 2 ** 40, batch: 7, kind: 'changed', rowHash: 0n, attrHash: MIN, attributes: Buffer.from('{"a":1}') },
    ];
    const held = new HeldRows(rows, 7);
    expect(held.length).toBe(2);
    expect(held.sourceRow(1)).toBe(2 ** 40);
    expect(held.toArray()).toEqual(rows.map(({ attributes: _, ...row }) => row));
  });
});
