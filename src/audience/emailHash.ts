/**
 * 64-bit e-mail hashes kept in typed arrays: 8 bytes per row, whatever the e-mail's length.
 *
 * The hash is the first 8 bytes of SHA-1 (fast in Node's native crypto, uniformly distributed). Collision
 * odds for n e-mails are about n² / 2^65: ~3e-8 for 1M rows, ~3e-6 for 10M. A collision can only make
 * a distinct e-mail count as a duplicate, or keep a non-audience member on the list (the safe direction);
 * it can never remove a member who is in the audience.
 */
import { createHash } from 'node:crypto';

export function emailHash(email: string): bigint {
  return createHash('sha1').update(email).digest().readBigUInt64BE(0);
}

/** Append-only growable list of hashes; sorted() hands over a sorted view and ends the list's use. */
export class HashList {
  private items = new BigUint64Array(1 << 16);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(hash: bigint): void {
    if (this.count === this.items.length) {
      const grown = new BigUint64Array(this.items.length * 2);
      grown.set(this.items);
      this.items = grown;
    }
    this.items[this.count++] = hash;
  }

  /** Sorted ascending, trimmed to length (a view: no copy). */
  sorted(): BigUint64Array {
    return this.items.subarray(0, this.count).sort();
  }
}

/** Rows whose hash equals the previous one in a sorted array: the duplicates beyond each first occurrence. */
export function countRepeats(sorted: BigUint64Array): number {
  let repeats = 0;
  for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeats++;
  return repeats;
}

/** Drops repeats in place; returns the distinct prefix (a view). */
export function uniqueSorted(sorted: BigUint64Array): BigUint64Array {
  let kept = 0;
  for (let i = 0; i < sorted.length; i++) if (i === 0 || sorted[i] !== sorted[kept - 1]) sorted[kept++] = sorted[i]!;
  return sorted.subarray(0, kept);
}

export function sortedIncludes(sorted: BigUint64Array, hash: bigint): boolean {
  let lo = 0;
  let hi = sorted.length - 1;
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1;
    const value = sorted[mid]!;
    if (value === hash) return true;
    if (value < hash) lo = mid + 1;
    else hi = mid - 1;
  }
  return false;
}
