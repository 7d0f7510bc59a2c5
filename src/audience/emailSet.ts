/**
 * Membership test for reconciliation: "is this list member's e-mail in the audience?" in 8 bytes per
 * row. Every source row with an e-mail counts, valid or not: a member whose row was rejected (say for
 * a bad phone) is still in the audience and must not be removed.
 */
import type { RowFileSource } from '../shared';
import { emailHash, HashList, sortedIncludes, uniqueSorted } from './emailHash';
import { ROW_ERROR, type RawRow } from './rowModel';
import { readAudienceRows } from './source';
import { text } from './validate';

export class AudienceEmailSet {
  private constructor(private readonly hashes: BigUint64Array) {}

  /** One streaming pass over the source. */
  static async fromSource(source: RowFileSource): Promise<AudienceEmailSet> {
    const list = new HashList();
    for await (const { raw } of readAudienceRows(source)) {
      const email = sourceEmail(raw);
      if (email !== undefined) list.push(emailHash(email));
    }
    return new AudienceEmailSet(uniqueSorted(list.sorted()));
  }

  /** Distinct e-mails in the source. */
  get size(): number {
    return this.hashes.length;
  }

  has(email: string): boolean {
    return sortedIncludes(this.hashes, emailHash(email.trim().toLowerCase()));
  }
}

/** The e-mail normalised as normalizeRow does (trimmed, lower-cased), whether or not the row is valid. */
function sourceEmail(raw: RawRow): string | undefined {
  if (raw[ROW_ERROR] !== undefined || typeof raw.email !== 'string') return undefined;
  return text(raw.email, 'email')?.toLowerCase();
}
