/**
 * The one table of what each failure means: whether Temporal retries it, and which workflow action
 * (title, message, numbered steps) pauses the run for an operator. Activities throw a SyncFailure (or a
 * subclass such as KlaviyoError) carrying a FailureKind; activities/failureAdapter.ts turns it into an
 * ApplicationFailure whose `type` is the kind; the workflow reads this table to pause, wait or fail.
 * Adding a workflow action is one row here.
 *
 * Imported by workflow code: keep it free of I/O and Node built-ins.
 */
import { connectionEnvVar, RESOLVE_SIGNAL } from './names';

/** What the operator is told while a run waits on an action, built from the run's own input. */
export interface ActionContext {
  credential: string;
  /** The list as the input names it: its name, or its id. */
  list: string;
  /** Where the audience comes from, as the operator gave it. */
  audience: string;
  /** The name of the database connection a query source reads through. */
  connection?: string;
  workflowId: string;
}

export interface ActionDefinition {
  /** Stable code operators search for and scripts match (`status.action.code`). */
  code: string;
  title: string;
  message(ctx: ActionContext, detail: string): string;
  steps(ctx: ActionContext): string[];
}

interface FailureRow {
  /** Temporal retries the activity (with Klaviyo's Retry-After as the next delay when it gave one). */
  retry: boolean;
  /** The run pauses on this action until `resolve`, then repeats the step. */
  action?: ActionDefinition;
  /** The run waits on a durable timer (the failure's retryAfterSeconds, at least a minute), then repeats the step. */
  waitOnTimer?: boolean;
}

function resolveStep(ctx: ActionContext): string {
  return (
    `Send Resolve: in the Temporal UI open this run and send the "${RESOLVE_SIGNAL}" signal, or run ` +
    `\`temporal workflow signal --workflow-id ${ctx.workflowId} --name ${RESOLVE_SIGNAL}\` ` +
    `(or \`npx klaviyo-audience-sync resolve ${ctx.workflowId}\`). The run continues from the step that stopped.`
  );
}

function keyHomeStep(ctx: ActionContext): string {
  return (
    `Put the new key where the workers read credential "${ctx.credential}": the KLAVIYO_CREDENTIALS_FILE entry ` +
    `"${ctx.credential}" (re-read on every use, no restart needed)` +
    (ctx.credential === 'default' ? ', or KLAVIYO_API_KEY (then restart the workers).' : '.')
  );
}

function connectionHomeStep(ctx: ActionContext): string {
  const name = ctx.connection ?? '<name>';
  return (
    `Check the connection "${name}" on the workers: its connection string (host, port, database, user and password) is the ` +
    `AUDIENCE_CONNECTIONS_FILE entry "${name}" (re-read on every use, no restart needed) or ${connectionEnvVar(name)} ` +
    '(then restart the workers); the user needs only SELECT rights.'
  );
}

const lowerFirst = (s: string): string => s.charAt(0).toLowerCase() + s.slice(1);

export const FAILURES = {
  invalid_credentials: {
    retry: false,
    action: {
      code: 'invalid_credentials',
      title: 'Klaviyo rejected the API key',
      message: (ctx, detail) => `Klaviyo did not accept the API key for credential "${ctx.credential}": ${detail}`,
      steps: (ctx) => [
        'In Klaviyo, open Settings > API keys and check whether the private key was revoked or mistyped.',
        'Create a private API key with full access to Lists and Profiles (read and write) if needed.',
        keyHomeStep(ctx),
        resolveStep(ctx),
      ],
    },
  },
  missing_scope: {
    retry: false,
    action: {
      code: 'invalid_credentials',
      title: 'The API key lacks a scope the sync needs',
      message: (ctx, detail) => `The API key for credential "${ctx.credential}" lacks a scope the sync needs: ${detail}`,
      steps: (ctx) => [
        'In Klaviyo, open Settings > API keys and edit the key (or create a new one).',
        'Give it full access to Lists and Profiles (read and write); Segments read access lets the sync check the lists-and-segments limit.',
        keyHomeStep(ctx),
        resolveStep(ctx),
      ],
    },
  },
  list_limit: {
    retry: false,
    action: {
      code: 'max_lists_exceeded',
      title: 'The Klaviyo account holds the maximum of 1000 lists and segments',
      message: (ctx, detail) => `Klaviyo refused to create list "${ctx.list}": ${detail}`,
      steps: (ctx) => [
        'In Klaviyo, open Audience > Lists & segments and check the number of lists and segments: an account holds at most 1000 together.',
        'Delete lists or segments that are no longer used (or pick an existing list and start the sync with its listId).',
        resolveStep(ctx),
      ],
    },
  },
  audience_shrink: {
    retry: false,
    action: {
      code: 'audience_shrink',
      title: 'Reconciliation would remove a large share of the list',
      message: (_ctx, detail) => detail,
      steps: (ctx) => [
        `Check the audience source ${ctx.audience}: an empty or truncated export would empty the list.`,
        `If the removals are intended, ${lowerFirst(resolveStep(ctx))} Resolving confirms the removals.`,
        `If they are not, cancel this run (\`npx klaviyo-audience-sync cancel ${ctx.workflowId}\`, or Cancel in the Temporal UI): nothing is removed and the list stays as it is; fix the source and sync again.`,
      ],
    },
  },
  /**
   * The run's list vanished from Klaviyo after the run found or created it (deleted by hand, say). The run
   * pauses rather than recreating it on its own: someone deleted it, perhaps meaning to stop syncing it.
   * Resolve recreates the list by name and sends the whole audience to it; cancelling leaves it deleted.
   */
  list_deleted: {
    retry: false,
    action: {
      code: 'list_deleted',
      title: 'The Klaviyo list was deleted while the run was syncing it',
      message: (ctx, detail) => `Klaviyo list "${ctx.list}" no longer exists: ${detail}`,
      steps: (ctx) => [
        `In Klaviyo, open Audience > Lists & segments and check whether list "${ctx.list}" was deleted on purpose.`,
        `To stop syncing it, cancel this run (\`temporal workflow cancel --workflow-id ${ctx.workflowId}\`) and delete or pause its schedule (\`klaviyo-audience-sync schedule pause --list "${ctx.list}"\`); nothing more is written.`,
        `To keep syncing it, ${lowerFirst(resolveStep(ctx))} Resolving creates list "${ctx.list}" again (a new list id; schedules and runs that name the list by id need the new id) and sends the whole audience to it.`,
      ],
    },
  },
  /** A database an audience query reads cannot be reached, refuses the login, or does not answer in time. */
  source_unavailable: {
    retry: false,
    action: {
      code: 'source_unavailable',
      title: 'The audience database cannot be read',
      message: (ctx, detail) => `The audience ${ctx.audience} could not be read: ${detail}`,
      steps: (ctx) => [
        'Check that the database is running and reachable from the workers (host, port, firewall), and that the query ' +
          'finishes within AUDIENCE_QUERY_TIMEOUT (raise it on the workers, or make the query faster).',
        connectionHomeStep(ctx),
        resolveStep(ctx),
      ],
    },
  },
  /** Klaviyo's daily cap on creating lists: the run waits for the window rather than failing. */
  daily_list_cap: { retry: false, waitOnTimer: true },
  rate_limited: { retry: true },
  transient: { retry: true },
  /** Klaviyo has no such object (a listId that does not exist, a list deleted mid-run). */
  not_found: { retry: false },
  /** Klaviyo refused the request as malformed: retrying the same request cannot help. */
  invalid_request: { retry: false },
  /** Klaviyo refused individual profiles of a bulk request. */
  validation: { retry: false },
  /** The audience as a whole cannot be used (unreadable, unknown column, broken structure). */
  invalid_audience: { retry: false },
  /** The audience changed after it was planned: batches would no longer cover the same rows. */
  audience_changed: { retry: false },
  /** The run's snapshot of rows to send is gone from the store (see upsert.ts): the run fails, to be started again. */
  snapshot_lost: { retry: false },
  /** Another run holds the list and this one was started with `ifListBusy: "fail"`. */
  list_busy: { retry: false },
  /** The workflow input does not match its schema. */
  invalid_input: { retry: false },
} as const satisfies Record<string, FailureRow>;

export type FailureKind = keyof typeof FAILURES;

/** The codes of every workflow action (`invalid_credentials`, `max_lists_exceeded`, ...), read off the table. */
export type ActionCode = {
  [K in FailureKind]: (typeof FAILURES)[K] extends { action: { code: infer C } } ? C : never;
}[FailureKind];

const rows: Record<FailureKind, FailureRow> = FAILURES;

export function isFailureKind(type: unknown): type is FailureKind {
  return typeof type === 'string' && Object.prototype.hasOwnProperty.call(FAILURES, type);
}

export function failureRow(kind: FailureKind): FailureRow {
  return rows[kind];
}

/** Failure types Temporal must not retry: the workflow decides what happens next. */
export const NON_RETRYABLE_FAILURE_KINDS: FailureKind[] = (Object.keys(rows) as FailureKind[]).filter((k) => !rows[k].retry);

/** What activities throw: a classified failure. Its message must never hold a key, a row or a connection string. */
export class SyncFailure extends Error {
  readonly kind: FailureKind;
  /** Seconds Klaviyo asked us to wait (Retry-After), when it said. */
  retryAfterSeconds?: number;
  /** Small, non-secret facts for the workflow (counts), kept in the failure's details. */
  readonly details?: Record<string, unknown>;

  constructor(kind: FailureKind, message: string, opts: { retryAfterSeconds?: number; details?: Record<string, unknown> } = {}) {
    super(message);
    this.name = 'SyncFailure';
    this.kind = kind;
    if (opts.retryAfterSeconds !== undefined) this.retryAfterSeconds = opts.retryAfterSeconds;
    if (opts.details !== undefined) this.details = opts.details;
  }
}
