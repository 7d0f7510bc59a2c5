/**
 * Names and shapes shared by the workflow, the activities, the worker and the CLI.
 * Everything operators type (workflow type, signal, query, search attributes) is defined once, in
 * names.ts, and re-exported here; these names are promises to operators, so change them only with a migration note.
 *
 * This file is imported by workflow code: keep it free of I/O and Node built-ins.
 */
import { z } from 'zod';

export * from './names';

/** ApplicationFailure types thrown by activities that the workflow turns into workflow actions. */
export const FailureType = {
  InvalidCredentials: 'InvalidCredentials',
  MissingScope: 'MissingScope',
  MaxListsExceeded: 'MaxListsExceeded',
  DailyListCreationCap: 'DailyListCreationCap',
  AudienceShrink: 'AudienceShrink',
  AudienceChanged: 'AudienceChanged',
  ListNotFound: 'ListNotFound',
  RateLimited: 'RateLimited',
  Transient: 'Transient',
  InvalidRequest: 'InvalidRequest',
  InvalidAudience: 'InvalidAudience',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failure types that must not be retried by Temporal (the workflow decides what happens next). */
export const NON_RETRYABLE_FAILURES: FailureType[] = [
  FailureType.InvalidCredentials,
  FailureType.MissingScope,
  FailureType.MaxListsExceeded,
  FailureType.DailyListCreationCap,
  FailureType.AudienceShrink,
  FailureType.AudienceChanged,
  FailureType.ListNotFound,
  FailureType.InvalidRequest,
  FailureType.InvalidAudience,
];

export const audienceSourceSchema = z
  .object({
    type: z.enum(['csv', 'ndjson']),
    path: z.string().min(1, 'path must not be empty'),
  })
  .strict();
export type AudienceSource = z.infer<typeof audienceSourceSchema>;

export const syncInputSchema = z
  .object({
    listName: z.string().trim().min(1, 'listName must not be empty').max(255).optional(),
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
        return `${issue.keys.map((k) => (issue.path.length ? `${field}.${k}` : k)).join(', ')}: unknown field`;
      }
      return `${field}: ${issue.message}`;
    })
    .join('; ');
}

export type SyncState = 'running' | 'needs_action' | 'completed' | 'failed' | 'cancelled';
export type SyncStep =
  | 'validating_input'
  | 'validating_credential'
  | 'ensuring_list'
  | 'planning'
  | 'checking_rows'
  | 'upserting'
  | 'reconciling'
  | 'reporting'
  | 'done';

export type ActionCode = 'invalid_credentials' | 'max_lists_exceeded' | 'audience_shrink';

export interface WorkflowAction {
  code: ActionCode;
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
  rowsRejected: number;
  rejectedByReason: Record<string, number>;
  duplicateRows: number;
  batchesTotal: number;
  batchesDone: number;
  /** Profiles Klaviyo accepted in bulk import jobs. */
  profilesImported: number;
  /** New list members (list size after upsert minus before). */
  added: number;
  /** Audience members that were already on the list (their profiles were updated when updateContacts). */
  updated: number;
  removed: number;
  apiCalls: Record<string, number>;
}

export interface SyncStatus {
  state: SyncState;
  step: SyncStep;
  listId?: string;
  listName?: string;
  dryRun: boolean;
  counts: SyncCounts;
  action?: WorkflowAction;
  /** Where the per-row reject report is written (a directory). */
  reportLocation?: string;
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
  /** Dry runs only: what a real run would do. */
  wouldAdd?: number;
  wouldUpdate?: number;
  wouldRemove?: number;
  reportLocation: string;
  durationMs: number;
  actionsResolved: number;
}

export function emptyCounts(): SyncCounts {
  return {
    rowsTotal: 0,
    rowsRead: 0,
    rowsValid: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    duplicateRows: 0,
    batchesTotal: 0,
    batchesDone: 0,
    profilesImported: 0,
    added: 0,
    updated: 0,
    removed: 0,
    apiCalls: {},
  };
}

/** Adds b into a (in place); used by the workflow to fold activity results into the run's counts. */
export function addCounts(a: Record<string, number>, b: Record<string, number> | undefined): void {
  if (!b) return;
  for (const [k, v] of Object.entries(b)) a[k] = (a[k] ?? 0) + v;
}
