/**
 * How many upsertBatch activities of one worker may hold a batch's bytes at once: from reading the batch from
 * the store (its stored value, ~5 MB at 10,000 profiles) until its job is submitted (the request body, as
 * much again). A first sync runs 8 batches at once (audienceSync's UPSERT_CONCURRENCY); the rest of a batch's
 * time is spent waiting on Klaviyo's job, holding only its e-mails and hashes, so a batch waits here only for
 * its turn to post. Three posts at once still outpace the bulk import bucket (150 jobs a minute) with up to a
 * second per post.
 */
export const BODIES_AT_ONCE = 3;

/** Slots handed out in the order asked for. */
export class BodySlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];

  constructor(size = BODIES_AT_ONCE) {
    this.free = size;
  }

  /** One batch's hold on a slot: taken before it reads or posts, given back before it waits on a job. */
  holder(): BodySlot {
    return new BodySlot(this);
  }

  async acquire(): Promise<void> {
    if (this.free > 0) {
      this.free--;
      return;
    }
    await new Promise<void>((resolve) => this.waiting.push(resolve));
  }

  release(): void {
    const next = this.waiting.shift();
    if (next) next();
    else this.free++;
  }
}

export class BodySlot {
  private held = false;

  constructor(private readonly slots: BodySlots) {}

  /** Waits for a slot unless this batch holds one already. */
  async take(): Promise<void> {
    if (this.held) return;
    await this.slots.acquire();
    this.held = true;
  }

  give(): void {
    if (!this.held) return;
    this.held = false;
    this.slots.release();
  }
}
