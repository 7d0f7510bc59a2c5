/**
 * Every activity heartbeats on a timer for as long as it runs (keepAlive, applied to all of them in
 * index.ts), so with a short heartbeat timeout a worker that dies mid-step, however short the step, hands
 * it to another worker within seconds, and a live one never misses a beat while it waits on a rate limit
 * or a slow Klaviyo call.
 *
 * The heartbeat details carry what the step wants its next attempt to resume from (withHeartbeatTicker),
 * plus two notes for operators that `status` reads from the pending activity: what it waits on
 * (`waitingOn`, e.g. an import job that stopped moving) and since when it has been retried.
 */
import { Context } from '@temporalio/activity';

/** What `status` reads from a pending activity's heartbeat details (see src/temporal/pendingWork.ts). */
export interface HeartbeatNotes {
  /** One line: what the step is waiting on right now. */
  waitingOn?: string;
  /** ISO time the first retry of this activity started: about when its trouble began. */
  retryingSince?: string;
}

interface Beat {
  progress?: () => unknown;
  notes: HeartbeatNotes;
}

const beats = new WeakMap<Context, Beat>();

/** Also how fresh the progress `status` and `--wait` read from heartbeats is (the worker flushes them as often). */
export const KEEP_ALIVE_MS = 2_000;

function detailsOf(beat: Beat, earlier: unknown): unknown {
  const progress = beat.progress ? beat.progress() : earlier;
  const base = typeof progress === 'object' && progress !== null ? progress : {};
  return { ...base, ...beat.notes };
}

/** Runs an activity with a heartbeat every `everyMs` (local activities have no heartbeats and run as they are). */
export async function keepAlive<T>(fn: () => Promise<T>, everyMs = KEEP_ALIVE_MS): Promise<T> {
  const ctx = Context.current();
  if (ctx.info.isLocal) return fn();
  const earlier = ctx.info.heartbeatDetails as HeartbeatNotes | undefined;
  const beat: Beat = { notes: {} };
  if (ctx.info.attempt > 1) beat.notes.retryingSince = earlier?.retryingSince ?? new Date().toISOString();
  beats.set(ctx, beat);
  const send = () => ctx.heartbeat(detailsOf(beat, earlier));
  // A retry says at once since when it has been retrying, so `status` can tell the operator.
  if (beat.notes.retryingSince) send();
  const timer = setInterval(send, everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
    beats.delete(ctx);
  }
}

/** From now until `fn` ends, the heartbeats carry `details()` (the step's progress, for the next attempt to resume from). */
export async function withHeartbeatTicker<T>(details: () => unknown, fn: () => Promise<T>): Promise<T> {
  const beat = beats.get(Context.current());
  if (!beat) return fn();
  const before = beat.progress;
  beat.progress = details;
  try {
    return await fn();
  } finally {
    beat.progress = before;
  }
}

/** Heartbeats now with `details` (and the notes): for a step that just made progress worth keeping (a job submitted). */
export function heartbeatNow(details: unknown): void {
  const ctx = Context.current();
  const beat = beats.get(ctx);
  ctx.heartbeat(beat ? detailsOf({ ...beat, progress: () => details }, undefined) : details);
}

/** Says what the activity waits on (undefined: nothing in particular); sent with the next heartbeat. */
export function noteWaitingOn(text: string | undefined): void {
  const beat = beats.get(Context.current());
  if (beat) beat.notes.waitingOn = text;
}
