/**
 * How many upsertBatch activities of one worker may hold a batch's bytes at once: from reading the batch from
 * the store (its stored value, ~5 MB at 10,000 profiles) until its job is submitted (the request body, as
 * much again). A first sync runs 16 batches at once (audienceSync's UPSERT_CONCURRENCY); the rest of a batch's
 * time is spent waiting on Klaviyo's job, holding only its e-mails and hashes, so a batch waits here only for
 * its turn to post. Two posts at once still outpace the bulk import bucket (150 jobs a minute) while a post
 * takes under 0.8 s; a third cost ~7 MiB at the 1M first sync's peak (263 MiB against 250-254) for no wall
 * time the bench could tell from its noise (37.4 s with three, 40.2 and 45.1 with two).
 *
 * Each slot lends its holder a body buffer, reused job after job: bodies built afresh were ~5 MB of garbage a
 * job outside the V8 heap, which V8 collects only once 64 MiB of it piled up. The buffers go once the slots
 * have stood idle for a while.
 */
import { MAX_JOB_BYTES } from '../klaviyo/bulkImport';

export const BODIES_AT_ONCE = 2;
/** Idle this long, the slots let their body buffers go. */
const KEEP_BUFFERS_MS = 30_000;

/** Slots handed out in the order asked for. */
export class BodySlots {
  private free: number;
  private readonly waiting: (() => void)[] = [];
  private spare: Buffer[] = [];
  private idleTimer: NodeJS.Timeout | undefined;

  constructor(private readonly size = BODIES_AT_ONCE) {
    this.free = size;
  }

  /** One batch's hold on a slot: taken before it reads or posts, given back before it waits on a job. */
  holder(): BodySlot {
    return new BodySlot(this);
  }

  /** Waits for a slot; then the body buffer that goes with it. */
  async acquire(): Promise<Buffer> {
    clearTimeout(this.idleTimer);
    if (this.free > 0) this.free--;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    return this.spare.pop() ?? Buffer.allocUnsafe(MAX_JOB_BYTES);
  }

  release(buffer: Buffer): void {
    this.spare.push(buffer);
    const next = this.waiting.shift();
    if (next) return next();
    if (++this.free === this.size) this.idleTimer = setTimeout(() => (this.spare = []), KEEP_BUFFERS_MS).unref();
  }
}

export class BodySlot {
  private buffer: Buffer | undefined;

  constructor(private readonly slots: BodySlots) {}

  /** Waits for a slot unless this batch holds one already. */
  async take(): Promise<void> {
    this.buffer ??= await this.slots.acquire();
  }

  /** The slot's body buffer, while this batch holds the slot. */
  get scratch(): Buffer | undefined {
    return this.buffer;
  }

  give(): void {
    if (!this.buffer) return;
    const buffer = this.buffer;
    this.buffer = undefined;
    this.slots.release(buffer);
  }
}
