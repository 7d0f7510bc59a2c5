/**
 * What long activities put in their heartbeat details besides what a retry resumes from: counts of their
 * progress (never rows or e-mails). The workflow hears of an activity only when it ends, so `status`,
 * `--wait` and the console read these from the run's pending activities (src/temporal/pendingWork.ts) to
 * show each phase moving; the server keeps only the latest details, so they cost no history.
 */

/** planAudience: rows read so far; bytes of the file read, and its size, once the file itself is read. */
export interface PlanningBeat {
  rows: number;
  bytesRead?: number;
  bytesTotal?: number;
}

/** verifyMembership: members and pages read so far; the list's size as stored, when the store knows the list. */
export interface MembershipBeat {
  read: number;
  pages?: number;
  listSize?: number;
}

/** upsertBatch: the batch's profiles, those submitted in import jobs, the jobs, and what Klaviyo has processed. */
export interface UpsertBeat {
  profiles?: number;
  submitted?: number;
  jobsSubmitted?: number;
  jobsComplete?: number;
  /** Profiles Klaviyo reports done (imported or failed) in this batch's jobs. */
  processed?: number;
}

/**
 * removeDepartures: members removed so far, departed members Klaviyo had no profile for, and departed
 * members looked up by e-mail (ids the store lacks), 100 a call before each removal call of up to 1,000.
 */
export interface RemovalBeat {
  removed: number;
  gone: number;
  lookedUp?: number;
}

/** Every pending activity's latest progress, as read from Temporal (pendingWork.ts liveProgress). */
export interface LiveProgress {
  planning?: PlanningBeat;
  membership?: MembershipBeat;
  /** One entry per upsertBatch in flight. */
  batches: UpsertBeat[];
  removal?: RemovalBeat;
}

export const NO_LIVE_PROGRESS: LiveProgress = { batches: [] };
