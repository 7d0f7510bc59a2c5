/**
 * What the console reads about runs, behind one small interface: Temporal (visibility by search attribute,
 * the `status` query of an open run, a closed run's result) and the sync-state store (each run's report and
 * reject rows, runs past Temporal's retention, each list's members). MergedRunHistory joins the two.
 */
import type { Readable } from 'node:stream';
import type { SyncReport, SyncState, SyncStatus } from '../shared';
import type { LiveProgress } from '../progress/beats';

/** The run's state as the console shows it: the workflow's own, or how Temporal closed it. */
export type RunState = SyncState | 'terminated' | 'timed_out' | 'unreported';

export interface ConsoleRun {
  workflowId: string;
  /** The latest run of the workflow id (a continued run's successor replaces it). */
  runId: string;
  /** The run chain's key in the sync-state store (`<workflowId>/<firstRunId>`), once known. */
  runKey?: string;
  /** Temporal no longer has the run (past its retention): all that is shown comes from the sync-state store. */
  onlyInStore?: boolean;
  state: RunState;
  /** The list's name (or id when that is all the input gave). */
  list?: string;
  listId?: string;
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
  /** Completed runs: the report the sync-state store keeps (else the workflow's result). */
  report?: SyncReport;
  /** Failed, cancelled, terminated or timed-out runs: why, in one sentence. */
  error?: string;
}

/** A list the sync-state store keeps members for. */
export interface ConsoleList {
  listId: string;
  /** The list's name (or id when the store has no name). */
  list: string;
  /** Member rows in the store. */
  members: number;
  /** When a run last synced (or read) the list. */
  syncedAt: Date;
  /** Its latest run that was not a dry run. */
  lastRun?: ConsoleRun;
}

/** What Temporal alone answers (TemporalRunHistory). */
export type TemporalRuns = Omit<RunHistory, 'storedLists' | 'storeNotice'>;

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
  /** The lists the sync-state store knows (none when it is unavailable). */
  storedLists(): Promise<ConsoleList[]>;
  /** One sentence when the sync-state store could not be read (the pages then show Temporal's view only). */
  storeNotice(): string | undefined;
}

/** A problem the console can explain to the operator in its own words (shown as is; nothing internal in it). */
export class ConsoleProblem extends Error {
  override name = 'ConsoleProblem';
}
