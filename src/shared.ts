/**
 * Names and shapes shared by the workflow, the activities, the worker and the CLI.
 * Everything operators type (workflow type, signal, query, search attributes) is defined once, in
 * names.ts, and re-exported here; these names are promises to operators, so change them only with a migration note.
 *
 * This file is imported by workflow code: keep it free of I/O and Node built-ins.
 */
import { z } from 'zod';
import { readOnlyQueryProblem } from './audience/readOnlyQuery';
import type { ActionCode } from './failures';
import { excerpt } from './sanitize';
import { AUDIENCE_FILE_FORMATS } from './names';

export * from './names';

/**
 * One writer per Klaviyo list: each list has a `listLock` workflow (id `audience-list-lock/<account>/<list>`)
 * that grants the list to one audienceSync run at a time. Runs ask with the `request` signal (sent by
 * signal-with-start from an activity), the lock answers with `listLockReply`, the holder sends `release`.
 */
export const LIST_LOCK_WORKFLOW_TYPE = 'listLock';
export const LIST_LOCK_REQUEST_SIGNAL = 'request';
export const LIST_LOCK_RELEASE_SIGNAL = 'release';
export const LIST_LOCK_REPLY_SIGNAL = 'listLockReply';
export const LIST_LOCK_STATE_QUERY = 'lockState';

export type IfListBusy = 'wait' | 'fail';

/** A run asking for its list. Locks are held by workflow id, so a holder's continue-as-new keeps its lock. */
export interface ListLockRequest {
  workflowId: string;
  /** Tells a new run chain that reuses a workflow id from the one that asked before it. */
  firstRunId: string;
  ifBusy: IfListBusy;
}

export interface ListLockRelease {
  workflowId: string;
  firstRunId: string;
}

/** The lock's answer: `holder` is the run that holds the list now (the requester itself when granted). */
export interface ListLockReply {
  outcome: 'granted' | 'queued' | 'refused';
  holder: string;
}

/** Files the batches read by byte range: the audience file itself, or a query source's snapshot (NDJSON). */
export const rowFileSourceSchema = z
  .object({
    type: z.enum(['csv', 'ndjson']),
    path: z.string().min(1, 'path must not be empty'),
  })
  .strict();
export type RowFileSource = z.infer<typeof rowFileSourceSchema>;

const fileSourceSchema = z
  .object({
    type: z.enum(AUDIENCE_FILE_FORMATS),
    path: z.string().min(1, 'path must not be empty'),
  })
  .strict();

/**
 * A query over a PostgreSQL database. `connection` is a name the workers resolve to a connection string
 * (src/connections.ts): the string, with its password, never enters workflow history. The query text does.
 */
const postgresSourceSchema = z
  .object({
    type: z.literal('postgres'),
    connection: z
      .string()
      .max(100)
      .regex(/^[A-Za-z0-9_.-]+$/, 'connection must be a name such as "warehouse", never the connection string itself'),
    query: z
      .string()
      .trim()
      .min(1, 'query must not be empty')
      .max(100_000, 'query must be at most 100,000 characters')
      .superRefine((query, ctx) => {
        const problem = readOnlyQueryProblem(query);
        if (problem) ctx.addIssue({ code: 'custom', message: problem });
      }),
  })
  .strict();
export type PostgresSource = z.infer<typeof postgresSourceSchema>;

export const audienceSourceSchema = z.discriminatedUnion('type', [fileSourceSchema, postgresSourceSchema], {
  error: (issue) => (issue.code === 'invalid_union' ? 'type must be csv, ndjson, parquet or postgres' : undefined),
});
export type AudienceSource = z.infer<typeof audienceSourceSchema>;

export function isRowFileSource(source: AudienceSource): source is RowFileSource {
  return source.type === 'csv' || source.type === 'ndjson';
}

/** The file batches and reconciliation read: a query source's snapshot (from its plan), else the audience file. */
export function rowSourceOf(audience: AudienceSource, snapshot: RowFileSource | undefined): RowFileSource {
  if (snapshot) return snapshot;
  if (isRowFileSource(audience)) return audience;
  throw new Error(`a ${audience.type} audience is read from its snapshot, and the plan has none`);
}

/** The audience as an operator recognises it: the file's path, or the query and its connection name. */
export function describeAudienceSource(source: AudienceSource): string {
  if (source.type !== 'postgres') return source.path;
  const query = source.query.replace(/\s+/g, ' ');
  return `query "${query.length > 80 ? `${query.slice(0, 80)}…` : query}" on connection "${source.connection}"`;
}

export const syncInputSchema = z
  .object({
    listName: z
      .string()
      .trim()
      .min(1, 'listName must not be empty')
      .max(255)
      // Klaviyo names are text; a control character is a mistake (or an attack) that Klaviyo's filters reject.
      .regex(/^\P{Cc}*$/u, 'listName must not contain control characters')
      .optional(),
    listId: z.string().trim().min(1, 'listId must not be empty').optional(),
    audience: audienceSourceSchema,
    credential: z
      .string()
      .regex(/^[A-Za-z0-9_.-]+$/, 'credential must be a name such as "default", not a key')
      .default('default'),
    updateContacts: z.boolean().default(true),
    removeMissing: z.boolean().default(true),
    dryRun: z.boolean().default(false),
    /** Share of the list that reconciliation may remove before it pauses on `audience_shrink`. */
    maxRemovalShare: z.number().min(0).max(1).default(0.5),
    /**
     * History length after which a run hands over to a fresh run (continue-as-new). The default keeps well
     * below Temporal's limits; a lower value makes long-run behaviour testable with a small audience.
     */
    continueAsNewAfterEvents: z.number().int().min(20).max(40_000).default(4_000),
    /** When another run is writing to the list: wait for it (queue behind it) or fail at once. */
    ifListBusy: z.enum(['wait', 'fail']).default('wait'),
    /**
     * Read the list's whole membership first (the drift check: strangers removed, members removed by hand
     * added again), whatever the sync state says. Runs do so anyway when the state knows nothing of the list,
     * and every AUDIENCE_VERIFY_EVERY.
     */
    verifyMembership: z.boolean().default(false),
  })
  .strict()
  // `when` runs these checks even when other fields failed, so one error message names every problem.
  .refine((v) => typeof v !== 'object' || v === null || Boolean(v.listName) !== Boolean(v.listId), {
    message: 'give exactly one of listName or listId',
    path: ['listName'],
    when: () => true,
  })
  .refine((v) => typeof v?.credential !== 'string' || !v.credential.startsWith('pk_'), {
    message: 'credential is the name of a credential, never the API key itself',
    path: ['credential'],
    when: () => true,
  });
/** What an operator types (defaults optional). */
export type SyncInputRaw = z.input<typeof syncInputSchema>;
/** What the code works with (defaults filled in). */
export type SyncInput = z.output<typeof syncInputSchema>;

/** One readable sentence per problem, each naming the field, e.g. `audience.path: Required`. */
export function describeInputError(error: z.ZodError): string {
  return error.issues
    .map((issue) => {
      const field = issue.path.length ? issue.path.join('.') : '(input)';
      if (issue.code === 'unrecognized_keys') {
        // The keys are whatever the caller sent: a few of them, each a short, sanitised excerpt.
        const named = issue.keys.slice(0, 5).map((k) => excerpt(issue.path.length ? `${field}.${k}` : k));
        return `${named.join(', ')}${issue.keys.length > 5 ? ` and ${issue.keys.length - 5} more` : ''}: unknown field`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export type SyncState = 'running' | 'waiting_for_list' | 'needs_action' | 'completed' | 'failed' | 'cancelled';
export type SyncStep =
  | 'validating_credential'
  | 'locking_list'
  | 'ensuring_list'
  | 'verifying_membership'
  | 'planning'
  | 'upserting'
  | 'reconciling'
  | 'reporting'
  | 'done';

export interface WorkflowAction {
  code: ActionCode;
  title: string;
  message: string;
  steps: string[];
  /** ISO time the run paused. */
  since: string;
}

export interface SyncCounts {
  /** Rows in the audience source (known once it is planned). */
  rowsTotal: number;
  rowsRead: number;
  rowsValid: number;
  /** Rows rejected here (invalid) or by Klaviyo (`klaviyo_rejected`). */
  rowsRejected: number;
  rejectedByReason: Record<string, number>;
  duplicateRows: number;
  /** Members whose row is as the last sync sent it: not sent again. */
  unchanged: number;
  /** Profiles to send: e-mails new to the list, and members whose row changed (or was refused last time). */
  toSend: number;
  batchesTotal: number;
  batchesDone: number;
  /** Profiles sent in bulk import jobs so far. */
  profilesSent: number;
  /** Profiles Klaviyo accepted in bulk import jobs. */
  profilesImported: number;
  /** Klaviyo bulk import jobs completed. */
  importJobs: number;
  /** E-mails new to the list that Klaviyo took. */
  added: number;
  /** Members whose changed attributes Klaviyo took. */
  updated: number;
  /** Members on the list but no longer in the audience (known once planned; 0 when the run keeps them). */
  toRemove: number;
  removed: number;
  /** Members kept on the list although their rows were rejected (a valid e-mail, say with a bad phone). */
  keptWithRejectedRow: number;
  /** Members after the run as the sync state knows them (a dry run: as they would be); null until known. */
  listSize: number | null;
  apiCalls: Record<string, number>;
}

/** The drift check: why the list's membership was read in full this run, and what the read found. */
export interface MembershipCheck {
  reason: 'no_state' | 'requested' | 'cadence';
  listed: number;
  /** On the list but unknown to the sync state (added by hand): removed unless in the audience. */
  strangers: number;
  /** In the sync state but not on the list (removed by hand): added again when in the audience. */
  missing: number;
}

export interface SyncStatus {
  state: SyncState;
  step: SyncStep;
  listId?: string;
  listName?: string;
  dryRun: boolean;
  counts: SyncCounts;
  action?: WorkflowAction;
  /** While `state` is `waiting_for_list`: the workflow id of the run that holds the list. */
  waitingFor?: string;
  /** The workflow id of the list's lock, once asked for (dry runs take none). */
  listLock?: string;
  /** The run's key in the sync-state store (`klaviyo-audience-sync report <workflow-id>` reads it there). */
  runKey?: string;
  membershipCheck?: MembershipCheck;
  /** Where the per-row reject report is written (a directory). */
  reportLocation?: string;
  /** Members on the list once the run has sent and removed (not for a dry run). */
  listMembers?: number;
  startedAt: string;
  error?: string;
  /** How a cancelled run ended, for the operator (CANCELLED_MESSAGE). */
  message?: string;
}

export interface SyncReport {
  listId: string | null;
  listName?: string;
  listCreated: boolean;
  dryRun: boolean;
  counts: SyncCounts;
  /** Dry runs only: what a real run would do (the same plan a real run makes). */
  wouldAdd?: number;
  wouldUpdate?: number;
  wouldRemove?: number;
  membershipCheck?: MembershipCheck;
  /** The run's key in the sync-state store, where its report and reject rows are kept. */
  runKey: string;
  /** The reject report's CSV export, when the workers write one (AUDIENCE_REPORT_DIR). */
  reportLocation?: string;
  startedAt: string;
  durationMs: number;
  actionsResolved: number;
  /** Members on the list at the end of the run (absent for a dry run). */
  listMembers?: number;
}

export function emptyCounts(): SyncCounts {
  return {
    rowsTotal: 0,
    rowsRead: 0,
    rowsValid: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    duplicateRows: 0,
    unchanged: 0,
    toSend: 0,
    batchesTotal: 0,
    batchesDone: 0,
    profilesSent: 0,
    profilesImported: 0,
    importJobs: 0,
    added: 0,
    updated: 0,
    toRemove: 0,
    removed: 0,
    keptWithRejectedRow: 0,
    listSize: null,
    apiCalls: {},
  };
}

/** Adds b into a (in place); used by the workflow to fold activity results into the run's counts. */
export function addCounts(a: Record<string, number>, b: Record<string, number> | undefined): void {
  if (!b) return;
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
}
