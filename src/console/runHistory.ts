/**
 * What the console reads about runs, behind one small interface: today Temporal (visibility by search
 * attribute, the `status` query of an open run, a closed run's result), later the sync-state store,
 * which can answer the same questions without replaying anything.
 */
import type { Readable } from 'node:stream';
import type { SyncReport, SyncState, SyncStatus } from '../shared';
import type { LiveProgress } from '../progress/beats';

/** The run's state as the console shows it: the workflow's own, or how Temporal closed it. */
export type RunState = SyncState | 'terminated' | 'timed_out';

export interface ConsoleRun {
  workflowId: string;
  /** The latest run of the workflow id (a continued run's successor replaces it). */
  runId: string;
  state: RunState;
  /** The list's name (or id when that is all the input gave). */
  list?: string;
  dryRun: boolean;
  /** The audience source as the input named it. */
  audience?: string;
  startedAt: Date;
  closedAt?: Date;
  /** The schedule that started it, if one did. */
  scheduleId?: string;
  /** Open runs: the `status` query's answer (undefined when no worker answered). */
  status?: SyncStatus;
  /** An open run read on its own: how far its pending activities have got (their heartbeats). */
  live?: LiveProgress;
  /** Completed runs: the workflow's result. */
  report?: SyncReport;
  /** Failed, cancelled, terminated or timed-out runs: why, in one sentence. */
  error?: string;
}

export interface RunHistory {
  /** The newest runs first (one row per workflow id and run chain). */
  recentRuns(limit: number): Promise<ConsoleRun[]>;
  /** Every open run waiting on a workflow action. */
  pausedRuns(): Promise<ConsoleRun[]>;
  /** How many open runs wait on a workflow action (cheap: for the banner on every page). */
  pausedCount(): Promise<number>;
  /** The latest run of a workflow id; undefined when there is none. */
  run(workflowId: string): Promise<ConsoleRun | undefined>;
  /** The run's reject rows as CSV (header row,email,reason,field,message), or undefined when there is no report to read. */
  rejectRows(run: ConsoleRun): Promise<Readable | undefined>;
}

/** A problem the console can explain to the operator in its own words (shown as is; nothing internal in it). */
export class ConsoleProblem extends Error {
  override name = 'ConsoleProblem';
}
