/**
 * 64-bit hashes (xxHash64, as signed integers so both store engines order them alike): of e-mails (8 bytes
 * a row in memory, whatever the e-mail's length), of source rows and of profiles. xxHash64 is not a
 * cryptographic hash, and need not be: nobody gains by making two rows of one person collide. It is what
 * makes a refresh fast: SHA-1 cost more than reading the row.
 *
 * Collision odds for n e-mails are about n² / 2^65: ~3e-8 for 1M rows, ~3e-6 for 10M. A collision of two
 * e-mails can only make a distinct e-mail count as a duplicate, or keep a non-audience member on the list
 * (the safe direction): members sharing a key are all kept when one of them is in the audience. Row and
 * profile hashes are compared per e-mail, so a collision there would have to hit one person's own rows.
 */
import type { XXHashAPI } from 'xxhash-wasm' with { 'resolution-mode': 'import' };

// The package's types describe its ES module; its CommonJS build (what this project loads) exports the same function.
const xxhash = require('xxhash-wasm') as () => Promise<XXHashAPI>;

export interface Hashes {
  /** Of any text; `seed` tells one use from another (a row hash under other settings is another hash). */
  hash64(text: string, seed?: bigint): bigint;
  /** Key of a normalised (trimmed, lower-cased) e-mail. */
  emailKey(email: string): bigint;
}

let loading: Promise<Hashes> | undefined;

/** The hash functions (WebAssembly, compiled once per process). */
export function loadHashes(): Promise<Hashes> {
  loading ??= xxhash().then((api: XXHashAPI) => ({
    hash64: (text, seed) => BigInt.asIntN(64, api.h64(text, seed)),
    emailKey: (email) => BigInt.asIntN(64, api.h64(email)),
  }));
  return loading;
}

/** Entries per chunk of TaggedKeys: 512 KiB of keys. */
const CHUNK_BITS = 16;
const CHUNK = 1 << CHUNK_BITS;
const IN_CHUNK = CHUNK - 1;

/**
 * Append-only list of keys with a small tag each, in chunks: growing never copies, so a 1M-row plan never
 * holds the old and the new array at once (a doubling array held 4 MiB of garbage past its 524,288th row).
 */
export class TaggedKeys {
  private readonly keys: BigInt64Array[] = [];
  private readonly tags: Uint8Array[] = [];
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(key: bigint, tag: number): void {
    const at = this.count & IN_CHUNK;
    if (at === 0) {
      this.keys.push(new BigInt64Array(CHUNK));
      this.tags.push(new Uint8Array(CHUNK));
    }
    const chunk = this.count >>> CHUNK_BITS;
    this.keys[chunk]![at] = key;
    this.tags[chunk]![at] = tag;
    this.count++;
  }

  keyAt(i: number): bigint {
    return this.keys[i >>> CHUNK_BITS]![i & IN_CHUNK]!;
  }

  tagAt(i: number): number {
    return this.tags[i >>> CHUNK_BITS]![i & IN_CHUNK]!;
  }

  /** Keys that occur more than once (sorts a copy of every key). */
  repeatedKeys(): Set<bigint> {
    const sorted = new BigInt64Array(this.count);
    this.keys.forEach((chunk, n) => sorted.set(chunk.subarray(0, Math.min(CHUNK, this.count - n * CHUNK)), n * CHUNK));
    sorted.sort();
    const repeated = new Set<bigint>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
    return repeated;
  }
}
