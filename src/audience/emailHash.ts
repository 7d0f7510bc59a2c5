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

/** Append-only growable list of keys with a small tag each; sortedKeys() copies. */
export class TaggedKeys {
  private keys = new BigInt64Array(1 << 16);
  private tags = new Uint8Array(1 << 16);
  private count = 0;

  get length(): number {
    return this.count;
  }

  push(key: bigint, tag: number): void {
    if (this.count === this.keys.length) {
      const keys = new BigInt64Array(this.keys.length * 2);
      keys.set(this.keys);
      this.keys = keys;
      const tags = new Uint8Array(this.tags.length * 2);
      tags.set(this.tags);
      this.tags = tags;
    }
    this.keys[this.count] = key;
    this.tags[this.count++] = tag;
  }

  keyAt(i: number): bigint {
    return this.keys[i]!;
  }

  tagAt(i: number): number {
    return this.tags[i]!;
  }

  /** Keys that occur more than once. */
  repeatedKeys(): Set<bigint> {
    const sorted = this.keys.slice(0, this.count).sort();
    const repeated = new Set<bigint>();
    for (let i = 1; i < sorted.length; i++) if (sorted[i] === sorted[i - 1]) repeated.add(sorted[i]!);
    return repeated;
  }
}
