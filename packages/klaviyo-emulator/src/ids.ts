/** Identifier formats as Klaviyo shows them: ULID-like profile/job ids, 6-character list/segment ids. */
import { randomBytes, randomInt } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

function base32(value: bigint, length: number): string {
  let out = '';
  for (let i = 0; i < length; i++) {
    out = CROCKFORD[Number(value & 31n)] + out;
    value >>= 5n;
  }
  return out;
}

/**
 * Monotonic ULIDs (26 chars, `01...`): ids created later sort after earlier ones, which lets list
 * membership and profile listings page by id (keyset) without an extra sequence.
 */
export class UlidGenerator {
  private lastTime = 0;
  private lastRandom = 0n;

  next(now = Date.now()): string {
    if (now > this.lastTime) {
      this.lastTime = now;
      this.lastRandom = BigInt('0x' + randomBytes(10).toString('hex')) >> 1n; // headroom for increments
    } else {
      this.lastRandom += 1n;
    }
    return base32(BigInt(this.lastTime), 10) + base32(this.lastRandom, 16);
  }
}

/** A 6-character alphanumeric id (like list `Y6nRLr`) not yet used according to `taken`. */
export function shortId(taken: (id: string) => boolean): string {
  for (;;) {
    let id = '';
    for (let i = 0; i < 6; i++) id += ALNUM[randomInt(ALNUM.length)];
    if (!taken(id)) return id;
  }
}

/** A private API key: `pk_` + 34 lowercase hex characters (generated, never written down anywhere). */
export function newPrivateKey(): string {
  return 'pk' + '_' + randomBytes(17).toString('hex');
}
