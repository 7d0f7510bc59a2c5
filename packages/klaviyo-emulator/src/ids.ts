/** Identifier formats as Klaviyo shows them: ULID-like profile/job ids, 6-character list/segment ids. */
import { randomBytes, randomInt } from 'node:crypto';

const CROCKFORD = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const ALNUM = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** Crockford base-32 of the low 5*length bits of a non-negative integer below 2^53. */
function base32(value: number, length: number): string {
  let out = '';
  for (let i = length - 1; i >= 0; i--) out += CROCKFORD[Math.floor(value / 2 ** (5 * i)) % 32];
  return out;
}

/** The ULID random part is 80 bits, held as four 20-bit limbs (most significant first): no BigInt per id. */
const LIMB = 2 ** 20;

/**
 * Monotonic ULIDs (26 chars, `01...`): ids created later sort after earlier ones, which lets list
 * membership and profile listings page by id (keyset) without an extra sequence. Within one millisecond
 * the random part is incremented; a fresh one starts below 2^79, leaving headroom for the increments.
 */
export class UlidGenerator {
  private lastTime = 0;
  private readonly limbs = [0, 0, 0, 0];
  /** The time and the three upper limbs, encoded; they change far less often than the lowest limb. */
  private prefix = '';

  /** Random bytes drawn in blocks: one getrandom call per 100 milliseconds that mint ids, not one per millisecond. */
  private pool: Buffer = Buffer.alloc(0);
  private poolAt = 0;

  constructor(private readonly random: (bytes: number) => Buffer = randomBytes) {}

  private randomTen(): Buffer {
    if (this.poolAt + 10 > this.pool.length) {
      this.pool = this.random(1000);
      this.poolAt = 0;
    }
    this.poolAt += 10;
    return this.pool.subarray(this.poolAt - 10, this.poolAt);
  }

  next(now = Date.now()): string {
    const limbs = this.limbs;
    if (now > this.lastTime) {
      this.lastTime = now;
      const b = this.randomTen();
      limbs[0] = ((b[0]! << 12) | (b[1]! << 4) | (b[2]! >> 4)) & (LIMB / 2 - 1); // top bit clear: headroom
      limbs[1] = ((b[2]! & 15) << 16) | (b[3]! << 8) | b[4]!;
      limbs[2] = (b[5]! << 12) | (b[6]! << 4) | (b[7]! >> 4);
      limbs[3] = ((b[7]! & 15) << 16) | (b[8]! << 8) | b[9]!;
      this.prefix = '';
    } else {
      let i = 3;
      while (++limbs[i]! === LIMB && i > 0) {
        limbs[i] = 0;
        i--;
      }
      if (i < 3) this.prefix = '';
    }
    if (this.prefix === '') this.prefix = base32(this.lastTime, 10) + base32(limbs[0]!, 4) + base32(limbs[1]!, 4) + base32(limbs[2]!, 4);
    return this.prefix + base32(limbs[3]!, 4);
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
