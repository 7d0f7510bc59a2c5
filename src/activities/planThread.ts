/**
 * The plan activity's heavy pass (planPass.ts: parse, validate and hash every row, write the run's snapshot
 * into the store) runs on a worker thread of its own. It keeps a core busy for about a minute per million
 * rows; on the activity's thread it would share one event loop with the heartbeats and with the uploads a
 * first sync runs meanwhile. The thread opens its own connection to the store (SQLite in WAL mode and
 * PostgreSQL both allow a second one), posts its progress, and hands back the plan, or its error rebuilt
 * here with the same kind, message and details, so the failure table decides as before.
 *
 * Cancelling the activity terminates the thread: a store transaction it had open rolls back, and a plan
 * run again writes the same snapshot (upserts; seals only move forward), so nothing is lost either way.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import { Worker } from 'node:worker_threads';
import { SyncFailure, type FailureKind } from '../failures';
import { AudienceChangedError, InvalidAudienceError, SourceUnreachableError } from '../audience/errors';
import type { AudienceSettings } from '../config';
import type { RowFileSource } from '../shared';
import type { PlanningBeat } from '../progress/beats';
import type { PlanInput, PlanResult } from './audience';

/** What the thread is given (in memory, never through workflow history). */
export interface PlanJob {
  input: PlanInput;
  /** The file to plan (the audience file, or a query source's snapshot). */
  rows: RowFileSource;
  audience: AudienceSettings;
  store: {
    /** As openStateStore takes it: a PostgreSQL URL holds its password. */
    location: string;
    /** The activity's store as it shows itself (store.location), for the thread to check it opened the same store. */
    shownAs: string;
  };
}

/** An error as it crosses the thread boundary: what the failure table, the workflow and the logs read of it. */
export interface ThreadError {
  name: string;
  message: string;
  stack?: string;
  code?: string;
  /** Only for a SyncFailure (or a subclass). */
  kind?: FailureKind;
  details?: Record<string, unknown>;
  retryAfterSeconds?: number;
}

export type ThreadMessage = { progress: PlanningBeat } | { done: PlanResult } | { failed: ThreadError };

/** SyncFailure subclasses the pass throws, rebuilt as themselves so `instanceof` (and giveUp) hold on this side too. */
const FAILURE_CLASSES: Record<string, { prototype: SyncFailure }> = { InvalidAudienceError, AudienceChangedError, SourceUnreachableError };

export function toThreadError(err: unknown): ThreadError {
  if (!(err instanceof Error)) return { name: 'Error', message: String(err) };
  const { name, message, stack } = err;
  const code = (err as { code?: unknown }).code;
  if (!(err instanceof SyncFailure)) return { name, message, stack, ...(typeof code === 'string' && { code }) };
  return { name, message, stack, kind: err.kind, details: err.details, retryAfterSeconds: err.retryAfterSeconds };
}

export function fromThreadError(thrown: ThreadError): Error {
  const { kind, details, retryAfterSeconds } = thrown;
  const err = kind ? new SyncFailure(kind, thrown.message, { details, retryAfterSeconds }) : new Error(thrown.message);
  if (kind) Object.setPrototypeOf(err, (FAILURE_CLASSES[thrown.name] ?? SyncFailure).prototype);
  err.name = thrown.name;
  if (thrown.stack) err.stack = thrown.stack;
  if (thrown.code) Object.assign(err, { code: thrown.code });
  return err;
}

/** Runs the pass on a new thread; `signal` (the activity's cancellation) terminates it. */
export async function runPlanThread(job: PlanJob, onProgress: (beat: PlanningBeat) => void, signal: AbortSignal): Promise<PlanResult> {
  signal.throwIfAborted();
  const thread = startThread(job);
  const aborted = new Promise<never>((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
  try {
    return await Promise.race([outcome(thread, onProgress), aborted]);
  } finally {
    // Done already when it answered; otherwise (cancelled, or this side failed) it stops here, before the activity ends.
    await thread.terminate();
  }
}

function outcome(thread: Worker, onProgress: (beat: PlanningBeat) => void): Promise<PlanResult> {
  return new Promise((resolve, reject) => {
    thread.on('message', (message: ThreadMessage) => {
      if ('progress' in message) onProgress(message.progress);
      else if ('done' in message) resolve(message.done);
      else reject(fromThreadError(message.failed));
    });
    thread.on('error', reject);
    thread.on('exit', (code) => reject(new Error(`the plan thread stopped (exit code ${code}) before it finished`)));
  });
}

const ENTRY = path.join(__dirname, `planThreadMain${path.extname(__filename)}`);

function startThread(job: PlanJob): Worker {
  if (!ENTRY.endsWith('.ts')) return new Worker(ENTRY, { workerData: job });
  // Run from the TypeScript sources (tsx, vitest): the thread loads them through tsx's require hook, as bin/ does.
  const tsx = createRequire(__filename).resolve('tsx/cjs');
  return new Worker(`require(${JSON.stringify(tsx)});\nrequire(${JSON.stringify(ENTRY)});`, { eval: true, workerData: job });
}
