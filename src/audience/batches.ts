/**
 * Cuts the rows to send into batches sized for Klaviyo's bulk import: a batch closes before a row that would
 * take it past maxProfiles profiles or maxBytes of serialized profiles. Rows are numbered into batches as
 * the plan finds them; batches hold only rows to send (unchanged rows are never sent).
 */
export interface BatchLimits {
  maxProfiles: number;
  maxBytes: number;
}

/** Klaviyo's bulk import takes at most 10,000 profiles per job. */
export const DEFAULT_MAX_PROFILES = 10_000;
/** Of serialized profiles; Klaviyo's limit is 5 MB for the whole request, so this leaves room for the envelope. */
export const DEFAULT_MAX_BYTES = 4_500_000;

export class BatchAssigner {
  private index = 0;
  private profiles = 0;
  private bytes = 0;

  constructor(private readonly limits: BatchLimits) {
    if (!(limits.maxProfiles >= 1 && limits.maxBytes >= 1)) throw new RangeError('maxProfiles and maxBytes must be positive');
  }

  /** The batch of the next row to send, whose serialized profile is `bytes` long. */
  assign(bytes: number): number {
    const size = bytes + 1; // + the comma between profiles
    if (this.profiles > 0 && (this.profiles + 1 > this.limits.maxProfiles || this.bytes + size > this.limits.maxBytes)) {
      this.index++;
      this.profiles = 0;
      this.bytes = 0;
    }
    this.profiles++;
    this.bytes += size;
    return this.index;
  }

  /** Batches started so far. */
  get count(): number {
    return this.profiles > 0 ? this.index + 1 : this.index;
  }
}
