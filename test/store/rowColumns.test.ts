import { describe, expect, it } from 'vitest';
import { BatchColumns, encodeBatch } from '../../src/store/batchRows';
import type { SnapshotRow } from '../../src/store/types';

const MIN = -(2n ** 63n);
const MAX = 2n ** 63n - 1n;

const rows: SnapshotRow[] = [
  { email: 'a@x.com', emailKey: MIN, row: 2, batch: 7, kind: 'new', rowHash: MAX, attrHash: -1n, attributes: '{}' },
  { email: 'b@x.com', emailKey: 5n, row: 2 ** 40, batch: 7, kind: 'changed', rowHash: 0n, attrHash: MIN, attributes: '{"a":1}' },
  { email: 'ü@x.com', emailKey: MAX, row: 3, batch: 7, kind: 'new', rowHash: 1n, attrHash: MAX, attributes: '{"city":"Zürich"}' },
];

describe('a batch held as columns while its jobs run (BatchColumns.withoutAttributes)', () => {
  it('gives back every row as read, but its attributes, extreme hashes and both kinds included', () => {
    const held = BatchColumns.decode(encodeBatch(rows).bytes).withoutAttributes();
    // Not the batch's value: a held batch must not keep its ~5 MB alive while its jobs run.
    expect(held).not.toBeInstanceOf(BatchColumns);
    expect(held.length).toBe(3);
    expect(held.sourceRow(1)).toBe(2 ** 40);
    expect(rows.map((_, i) => held.row(i, 7))).toEqual(rows.map(({ attributes: _, ...row }) => row));
  });

  it('records refused rows without their hashes, one row object at a time', () => {
    const held = BatchColumns.decode(encodeBatch(rows).bytes).withoutAttributes();
    const sent = held.sentMembers(new Set(['b@x.com']));
    expect(sent.length).toBe(3);
    expect([0, 1, 2].map((i) => sent.at(i))).toEqual([
      { email: 'a@x.com', emailKey: MIN, rowHash: MAX, attrHash: -1n },
      { email: 'b@x.com', emailKey: 5n, rowHash: null, attrHash: null },
      { email: 'ü@x.com', emailKey: MAX, rowHash: 1n, attrHash: MAX },
    ]);
    expect(sent.at(3)).toBeUndefined();
    expect(sent.at(0)).not.toBe(sent.at(0));
  });
});
