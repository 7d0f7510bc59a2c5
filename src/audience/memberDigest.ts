/**
 * The list's members as the store knows them, in 17 bytes each: e-mail key, hash of the source row and of
 * the profile last sent, and a mark for "seen in this audience". Loaded in e-mail-key order, so lookups are
 * a binary search. A plan compares each audience row with it; members never seen are the departures.
 */
import type { MemberHashes } from '../store/types';

/** Stands for "no hash stored" (a member found by a membership read, or refused by Klaviyo last time). */
const UNKNOWN = 0n;

export class MemberDigest {
  private keys: BigInt64Array;
  private rowHashes: BigInt64Array;
  private attrHashes: BigInt64Array;
  private seen: Uint8Array;
  private count = 0;

  constructor(capacity = 1024) {
    this.keys = new BigInt64Array(capacity);
    this.rowHashes = new BigInt64Array(capacity);
    this.attrHashes = new BigInt64Array(capacity);
    this.seen = new Uint8Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  /** Members must come in e-mail-key order (as memberHashPage and memberPage return them). */
  add(members: MemberHashes[]): void {
    for (const m of members) {
      if (this.count === this.keys.length) this.grow();
      if (this.count > 0 && m.emailKey < this.keys[this.count - 1]!) throw new Error('members must be added in e-mail-key order');
      this.keys[this.count] = m.emailKey;
      this.rowHashes[this.count] = m.rowHash ?? UNKNOWN;
      this.attrHashes[this.count] = m.attrHash ?? UNKNOWN;
      this.count++;
    }
  }

  /** Index of the first member with this key, or -1. */
  find(key: bigint): number {
    let lo = 0;
    let hi = this.count - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const value = this.keys[mid]!;
      if (value < key) lo = mid + 1;
      else {
        if (value === key) found = mid;
        hi = mid - 1;
      }
    }
    return found;
  }

  /** The stored source-row hash matches (the row is exactly as last sent). */
  rowMatches(index: number, rowHash: bigint): boolean {
    return rowHash !== UNKNOWN && this.rowHashes[index] === rowHash;
  }

  attrMatches(index: number, attrHash: bigint): boolean {
    return attrHash !== UNKNOWN && this.attrHashes[index] === attrHash;
  }

  /**
   * Marks every member with the key (two e-mails sharing a key are both kept: the safe direction); true when
   * the key had been seen before (an e-mail on several rows).
   */
  markSeen(key: bigint): boolean {
    let before = false;
    for (let i = this.find(key); i >= 0 && i < this.count && this.keys[i] === key; i++) {
      before ||= this.seen[i] === 1;
      this.seen[i] = 1;
    }
    return before;
  }

  /** Members not seen in the audience so far: after a plan, the members who leave. */
  get unseen(): number {
    let n = 0;
    for (let i = 0; i < this.count; i++) if (this.seen[i] === 0) n++;
    return n;
  }

  /** Whether the member with this key (any, for a shared key) was seen in the audience. */
  wasSeen(key: bigint): boolean {
    const i = this.find(key);
    return i >= 0 && this.seen[i] === 1;
  }

  /** Keys of the members never seen, each once, in key order: the departures. */
  unseenKeys(): bigint[] {
    const keys: bigint[] = [];
    for (let i = 0; i < this.count; i++) {
      if (this.seen[i] === 0 && (i === 0 || this.keys[i] !== this.keys[i - 1])) keys.push(this.keys[i]!);
    }
    return keys;
  }

  private grow(): void {
    const n = this.keys.length * 2;
    const keys = new BigInt64Array(n);
    keys.set(this.keys);
    this.keys = keys;
    const rows = new BigInt64Array(n);
    rows.set(this.rowHashes);
    this.rowHashes = rows;
    const attrs = new BigInt64Array(n);
    attrs.set(this.attrHashes);
    this.attrHashes = attrs;
    const seen = new Uint8Array(n);
    seen.set(this.seen);
    this.seen = seen;
  }
}
