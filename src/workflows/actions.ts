/**
 * From an activity's failure to what the workflow does: pause on a workflow action, wait on a timer, or
 * fail. The meaning of each failure kind lives in the failure table (src/failures.ts); this file only reads it.
 */
import { ApplicationFailure, ActivityFailure } from '@temporalio/workflow';
import { failureRow, isFailureKind, type ActionCode, type FailureKind } from '../failures';
import { describeAudienceSource, type SyncInput, type WorkflowAction } from '../shared';

/** The classified failure behind an activity's error, if it is one of the table's kinds. */
export function classifiedFailure(err: unknown): (ApplicationFailure & { type: FailureKind }) | undefined {
  const failure = err instanceof ActivityFailure ? err.cause : err;
  if (failure instanceof ApplicationFailure && isFailureKind(failure.type)) return failure as ApplicationFailure & { type: FailureKind };
  return undefined;
}

/** `listName`: the list's name once the run knows it (a run started by list id learns it from Klaviyo). */
export function actionFor(
  failure: ApplicationFailure & { type: FailureKind },
  input: SyncInput,
  workflowId: string,
  now: Date,
  listName?: string,
): WorkflowAction | undefined {
  const action = failureRow(failure.type).action;
  if (!action) return undefined;
  const ctx = {
    credential: input.credential,
    list: listName ?? input.listName ?? input.listId ?? '',
    audience: describeAudienceSource(input.audience),
    ...(input.audience.type === 'postgres' ? { connection: input.audience.connection } : {}),
    workflowId,
  };
  return {
    code: action.code as ActionCode,
    title: action.title,
    message: action.message(ctx, failure.message),
    steps: action.steps(ctx),
    since: now.toISOString(),
  };
}

/** Seconds to wait on a durable timer before repeating the step, or undefined when the failure is not waited out. */
export function timerWaitSeconds(failure: ApplicationFailure & { type: FailureKind }): number | undefined {
  if (!failureRow(failure.type).waitOnTimer) return undefined;
  const details = failure.details?.[0] as { retryAfterSeconds?: number } | undefined;
  return Math.max(60, details?.retryAfterSeconds ?? 3600);
}
