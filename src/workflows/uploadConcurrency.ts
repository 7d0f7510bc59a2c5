/**
 * Batches in flight at once in a first sync (a module without imports: the chaos script sizes its runs by it).
 * Their submissions are paced by the M tier (10/s, 150/m); the rest of a batch's time is waiting on its jobs,
 * so with 4 a 1M first sync waited on jobs, not on CPU or rate limits (67.6 s; 58.4 s with 8). With 8, a batch
 * in flight ~1.5 s, uploads fell up to 5 s behind a plan sealing 4-5 batches a second, and that backlog was the
 * run's tail. A waiting batch holds its e-mails and hashes only (see Chunk in activities/upsert.ts); posts take
 * turns (activities/bodySlots.ts).
 */
export const UPSERT_CONCURRENCY = 16;
