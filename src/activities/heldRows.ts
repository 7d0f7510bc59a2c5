/**
 * A batch's rows as upsertBatch holds them while its jobs run: the batch's columns (batchRows.ts BatchColumns)
 * but its attributes, which its chunks carry until the request body is built. Rows become objects only one at
 * a time, as the store records them: a batch's 10,000 row objects with three BigInts each, made at once, were
 * ~2 MB that lived through the store's writes, ~200 MB per 1M-row first sync on the worker's main thread.
 */
import { KIND_NEW, type BatchColumns } from '../store/batchRows';
import type { SentMember, SentMembers, StoredSnapshotRow } from '../store/types';

export type HeldRow = Omit<StoredSnapshotRow, 'attributes'>;

export class HeldRows {
  readonly emails: string[];
  /** E-mail key, row hash and attributes hash of each row, in turn. */
  private readonly hashes: BigInt64Array;
  private readonly sourceRows: Float64Array;
  private readonly kinds: Uint8Array;

  /** Shares the columns' arrays (not its bytes: the attributes go with the chunks). */
  constructor(
    columns: BatchColumns,
    private readonly batch: number,
  ) {
    this.emails = columns.emails;
    this.hashes = columns.hashes;
    this.sourceRows = columns.sourceRows;
    this.kinds = columns.kinds;
  }

  get length(): number {
    return this.emails.length;
  }

  /** The 1-based source row of row `i`. */
  sourceRow(i: number): number {
    return this.sourceRows[i]!;
  }

  emailKey(i: number): bigint {
    return this.hashes[i * 3]!;
  }

  rowHash(i: number): bigint {
    return this.hashes[i * 3 + 1]!;
  }

  isNew(i: number): boolean {
    return this.kinds[i] === KIND_NEW;
  }

  /** Row `i` as an object (tests, and a batch that waits on an earlier one's rows: rare). */
  row(i: number): HeldRow {
    return {
      email: this.emails[i]!,
      emailKey: this.emailKey(i),
      row: this.sourceRows[i]!,
      batch: this.batch,
      kind: this.isNew(i) ? 'new' : 'changed',
      rowHash: this.rowHash(i),
      attrHash: this.hashes[i * 3 + 2]!,
    };
  }

  /** What the store records of the batch: `refused` rows (by e-mail) without their hashes, to be sent again. */
  sentMembers(refused: ReadonlySet<string | undefined>): SentMembers {
    return {
      length: this.length,
      at: (i: number): SentMember | undefined => {
        if (i < 0 || i >= this.length) return undefined;
        const email = this.emails[i]!;
        const taken = !refused.has(email);
        return { email, emailKey: this.emailKey(i), rowHash: taken ? this.rowHash(i) : null, attrHash: taken ? this.hashes[i * 3 + 2]! : null };
      },
    };
  }
}
