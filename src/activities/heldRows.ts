/**
 * A batch's rows as upsertBatch holds them while its jobs run (everything but the attributes, which its chunks
 * carry until the request body is built), column by column. As 10,000 objects with three bigints each they
 * were ~2.5 MB of heap a batch, eight batches in flight in a first sync; here about half of that is the e-mails.
 */
import type { StoredSnapshotRow } from '../store/types';

export type HeldRow = Omit<StoredSnapshotRow, 'attributes'>;

const KIND_NEW = 1;
const KIND_CHANGED = 2;

export class HeldRows {
  readonly emails: string[];
  /** E-mail key, row hash and attributes hash of each row, in turn. */
  private readonly hashes: BigInt64Array;
  private readonly sourceRows: Float64Array;
  private readonly kinds: Uint8Array;

  constructor(
    rows: StoredSnapshotRow[],
    private readonly batch: number,
  ) {
    this.emails = rows.map((r) => r.email);
    this.hashes = new BigInt64Array(rows.length * 3);
    this.sourceRows = new Float64Array(rows.length);
    this.kinds = new Uint8Array(rows.length);
    rows.forEach((r, i) => {
      this.hashes[i * 3] = r.emailKey;
      this.hashes[i * 3 + 1] = r.rowHash;
      this.hashes[i * 3 + 2] = r.attrHash;
      this.sourceRows[i] = r.row;
      this.kinds[i] = r.kind === 'new' ? KIND_NEW : KIND_CHANGED;
    });
  }

  get length(): number {
    return this.emails.length;
  }

  /** The 1-based source row of row `i`. */
  sourceRow(i: number): number {
    return this.sourceRows[i]!;
  }

  /** The rows as objects again, for the steps after the jobs (short-lived). */
  toArray(): HeldRow[] {
    return this.emails.map((email, i) => ({
      email,
      emailKey: this.hashes[i * 3]!,
      row: this.sourceRows[i]!,
      batch: this.batch,
      kind: this.kinds[i] === KIND_NEW ? 'new' : 'changed',
      rowHash: this.hashes[i * 3 + 1]!,
      attrHash: this.hashes[i * 3 + 2]!,
    }));
  }
}
