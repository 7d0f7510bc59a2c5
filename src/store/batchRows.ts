/**
 * A batch of the run's snapshot as one value: its rows encoded together, so the plan writes one row per batch
 * (a few hundred for a million profiles) and upsertBatch reads one back, instead of a row (and two index
 * entries) per profile written, read and deleted.
 *
 * Binary, not text lines: the e-mails read back are strings of their own (a batch's jobs hold them while they
 * run), where slices of one decoded text would each keep the whole batch (~5 MB) alive; the attributes are read
 * back as byte views, which go into the request body as they are and are let go once the job is submitted; and
 * the writer copies each row's strings into its buffer as the row comes, so a buffered row never keeps the
 * source chunk it was parsed from. Layout: a format byte, then per row: kind (1 new, 2 changed, 0 a row replaced in the buffer),
 * source row (float64), e-mail key, row hash and attributes hash (int64), then the e-mail and the attributes
 * JSON, each as a uint32 byte length and its UTF-8 bytes. Little-endian.
 */
import type { SentMember, SentMembers, SnapshotRow, StoredSnapshotRow } from './types';

const FORMAT = 1;
const KIND_REPLACED = 0;
const KIND_NEW = 1;
const KIND_CHANGED = 2;
/** kind, source row, three 64-bit values, two lengths. */
const FIXED_BYTES = 1 + 8 + 3 * 8 + 2 * 4;

/** A batch ready to store: its bytes and how many rows they hold. */
export interface EncodedBatch {
  bytes: Buffer;
  rows: number;
}

/** Collects one batch's rows into a growing buffer, reused batch after batch. */
export class BatchRowsWriter {
  private buf = Buffer.allocUnsafe(1 << 20);
  private view = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength);
  private length = 0;
  private rows = 0;
  /** Offset of each e-mail key's row, built only once a row is replaced (duplicates are rare). */
  private offsets?: Map<bigint, number>;

  constructor() {
    this.reset();
  }

  reset(): void {
    this.buf[0] = FORMAT;
    this.length = 1;
    this.rows = 0;
    this.offsets = undefined;
  }

  get size(): number {
    return this.rows;
  }

  add(row: SnapshotRow): void {
    this.reserve(FIXED_BYTES + 3 * (row.email.length + row.attributes.length));
    const at = this.length;
    const view = this.view;
    view.setUint8(at, row.kind === 'new' ? KIND_NEW : KIND_CHANGED);
    view.setFloat64(at + 1, row.row, true);
    view.setBigInt64(at + 9, row.emailKey, true);
    view.setBigInt64(at + 17, row.rowHash, true);
    view.setBigInt64(at + 25, row.attrHash, true);
    let end = this.putString(at + 33, row.email);
    end = this.putString(end, row.attributes);
    this.length = end;
    this.rows++;
    this.offsets?.set(row.emailKey, at);
  }

  /** Takes out the row of this e-mail key (a later row of the e-mail replaces it); false when there is none. */
  remove(emailKey: bigint): boolean {
    this.offsets ??= this.indexRows();
    const at = this.offsets.get(emailKey);
    if (at === undefined) return false;
    this.view.setUint8(at, KIND_REPLACED);
    this.offsets.delete(emailKey);
    this.rows--;
    return true;
  }

  /** The batch as written so far; valid until the next add or reset. */
  encoded(): EncodedBatch {
    return { bytes: this.buf.subarray(0, this.length), rows: this.rows };
  }

  private putString(at: number, text: string): number {
    const bytes = this.buf.write(text, at + 4);
    this.view.setUint32(at, bytes, true);
    return at + 4 + bytes;
  }

  private reserve(bytes: number): void {
    if (this.length + bytes <= this.buf.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.buf.length * 2, this.length + bytes));
    this.buf.copy(grown, 0, 0, this.length);
    this.buf = grown;
    this.view = new DataView(grown.buffer, grown.byteOffset, grown.byteLength);
  }

  private indexRows(): Map<bigint, number> {
    const offsets = new Map<bigint, number>();
    forEachRow(this.buf.subarray(0, this.length), (view, at) => {
      if (view.getUint8(at) !== KIND_REPLACED) offsets.set(view.getBigInt64(at + 9, true), at);
    });
    return offsets;
  }
}

/** Encodes rows as one batch (tests, tools; the plan uses a BatchRowsWriter). */
export function encodeBatch(rows: SnapshotRow[]): EncodedBatch {
  const writer = new BatchRowsWriter();
  for (const row of rows) writer.add(row);
  const { bytes, rows: count } = writer.encoded();
  return { bytes: Buffer.from(bytes), rows: count };
}

/** True where typed arrays are little-endian, as the stored values are (then copied as bytes, not read one by one). */
const LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/** A snapshot row without its attributes. */
export type HeldRow = Omit<StoredSnapshotRow, 'attributes'>;

/**
 * A batch's rows column by column, but their attributes: an e-mail string per row, the rest in typed arrays.
 * What upsertBatch holds while its jobs run (BatchColumns.withoutAttributes); rows become objects one at a
 * time. As 10,000 row objects with three BigInts each, made at once, a batch was ~2 MB that lived through the
 * store's writes, ~200 MB per 1M-row first sync on the worker's main thread.
 */
export class RowColumns {
  constructor(
    readonly emails: string[],
    /** E-mail key, row hash and attributes hash of each row, in turn. */
    protected readonly hashes: BigInt64Array,
    /** The 1-based source row of each row. */
    protected readonly sourceRows: Float64Array,
    protected readonly kinds: Uint8Array,
  ) {}

  get length(): number {
    return this.emails.length;
  }

  sourceRow(i: number): number {
    return this.sourceRows[i]!;
  }

  emailKey(i: number): bigint {
    return this.hashes[i * 3]!;
  }

  rowHash(i: number): bigint {
    return this.hashes[i * 3 + 1]!;
  }

  attrHash(i: number): bigint {
    return this.hashes[i * 3 + 2]!;
  }

  isNew(i: number): boolean {
    return this.kinds[i] === KIND_NEW;
  }

  /** Row `i` as an object (tests, tools and rare paths). */
  row(i: number, batch: number): HeldRow {
    return {
      email: this.emails[i]!,
      emailKey: this.emailKey(i),
      row: this.sourceRow(i),
      batch,
      kind: this.isNew(i) ? 'new' : 'changed',
      rowHash: this.rowHash(i),
      attrHash: this.attrHash(i),
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
        return { email, emailKey: this.emailKey(i), rowHash: taken ? this.rowHash(i) : null, attrHash: taken ? this.attrHash(i) : null };
      },
    };
  }
}

/**
 * A batch read back: its columns, and its rows' attributes as offsets into the stored value. Read as 10,000 row
 * objects, each with three BigInts and a Buffer view, a batch was ~3 MB of short-lived heap on the worker's
 * main thread, ~300 MB per 1M-row first sync, much of it kept long enough to be promoted to the old
 * generation; the hashes are now copied as bytes.
 */
export class BatchColumns extends RowColumns {
  private constructor(
    private readonly bytes: Buffer,
    /** Each row's attributes start and end. */
    private readonly attributeEnds: Uint32Array,
    emails: string[],
    hashes: BigInt64Array,
    sourceRows: Float64Array,
    kinds: Uint8Array,
  ) {
    super(emails, hashes, sourceRows, kinds);
  }

  /** The batch's rows in the order written, without those whose e-mail key is in `skip` (rows superseded since). */
  static decode(bytes: Uint8Array, skip?: ReadonlySet<bigint>): BatchColumns {
    const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    let stored = 0;
    forEachRow(buf, () => stored++);
    const emails: string[] = [];
    const hashes = new BigInt64Array(stored * 3);
    const sourceRows = new Float64Array(stored);
    const kinds = new Uint8Array(stored);
    const attributeEnds = new Uint32Array(stored * 2);
    const hashBytes = Buffer.from(hashes.buffer);
    const rowBytes = Buffer.from(sourceRows.buffer);
    let n = 0;
    forEachRow(buf, (view, at, emailEnd, end) => {
      const kind = view.getUint8(at);
      if (kind === KIND_REPLACED) return;
      if (skip?.has(view.getBigInt64(at + 9, true))) return;
      if (LITTLE_ENDIAN) {
        buf.copy(rowBytes, n * 8, at + 1, at + 9);
        buf.copy(hashBytes, n * 24, at + 9, at + 33);
      } else {
        sourceRows[n] = view.getFloat64(at + 1, true);
        for (let h = 0; h < 3; h++) hashes[n * 3 + h] = view.getBigInt64(at + 9 + h * 8, true);
      }
      kinds[n] = kind;
      attributeEnds[n * 2] = emailEnd + 4;
      attributeEnds[n * 2 + 1] = end;
      emails.push(buf.toString('utf8', at + FIXED_BYTES - 4, emailEnd));
      n++;
    });
    return new BatchColumns(buf, attributeEnds.subarray(0, n * 2), emails, hashes.subarray(0, n * 3), sourceRows.subarray(0, n), kinds.subarray(0, n));
  }

  /** Row `i`'s attributes: a view into the batch's value, which stays alive while any view is held. */
  attributes(i: number): Buffer {
    return this.bytes.subarray(this.attributeEnds[i * 2], this.attributeEnds[i * 2 + 1]);
  }

  override row(i: number, batch: number): StoredSnapshotRow {
    return { ...super.row(i, batch), attributes: this.attributes(i) };
  }

  rows(batch: number): StoredSnapshotRow[] {
    return this.emails.map((_, i) => this.row(i, batch));
  }

  /** The same columns without the batch's value (~5 MB), for holding while jobs run. */
  withoutAttributes(): RowColumns {
    return new RowColumns(this.emails, this.hashes, this.sourceRows, this.kinds);
  }
}

/** Calls `fn` with each row's offset, the end of its e-mail and the end of the row. */
function forEachRow(buf: Buffer, fn: (view: DataView, at: number, emailEnd: number, end: number) => void): void {
  if (buf.length === 0 || buf[0] !== FORMAT) throw new Error(`snapshot batch in an unknown format (${buf.length === 0 ? 'empty' : `format ${buf[0]}`})`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  let at = 1;
  while (at < buf.length) {
    const emailEnd = at + FIXED_BYTES - 4 + view.getUint32(at + 33, true);
    const end = emailEnd + 4 + view.getUint32(emailEnd, true);
    if (end > buf.length) throw new Error('snapshot batch cut short');
    fn(view, at, emailEnd, end);
    at = end;
  }
}
