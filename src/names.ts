/**
 * The names operators type: workflow type, signal, query, task queue, search attributes. Defined once
 * here (shared.ts re-exports them); promises to operators, so change them only with a migration note.
 * No imports: the CLI reads these without loading zod or Temporal. Imported by workflow code too.
 */
export const WORKFLOW_TYPE = 'audienceSync';
export const RESOLVE_SIGNAL = 'resolve';
export const STATUS_QUERY = 'status';
export const DEFAULT_TASK_QUEUE = 'klaviyo-audience-sync';
/** Keyword search attribute: the run's state, so the UI and `paused` can find runs waiting on an action. */
export const STATE_SEARCH_ATTRIBUTE = 'AudienceSyncState';
/** Keyword search attribute: the list a run syncs (its name, or its id when started with one), for `runs --list`. */
export const LIST_SEARCH_ATTRIBUTE = 'AudienceSyncList';
/** Temporal's own search attribute on runs a schedule started: the schedule's id. */
export const SCHEDULED_BY_SEARCH_ATTRIBUTE = 'TemporalScheduledById';
/** What a cancelled run says in its status, and what `cancel` prints. */
export const CANCELLED_MESSAGE = 'cancelled by the operator; the list was left as it was';

/** The environment variable that may hold a database connection's string: the name upper-cased, other characters as `_`. */
export function connectionEnvVar(name: string): string {
  return `AUDIENCE_CONNECTION_${name.toUpperCase().replace(/[^A-Z0-9]/g, '_')}`;
}

/** File formats an audience may come in (`--format`, `audience.type`); a database query is `postgres`. */
export const AUDIENCE_FILE_FORMATS = ['csv', 'ndjson', 'parquet'] as const;
