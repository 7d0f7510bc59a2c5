/**
 * Workflow actions: what a paused run tells the operator, and the steps that fix it. Each maps from
 * an activity failure type; anything else is not an action and fails or retries as usual.
 */
import { ApplicationFailure, ActivityFailure } from '@temporalio/workflow';
import { FailureType, RESOLVE_SIGNAL, type SyncInput, type WorkflowAction } from '../shared';

export function applicationFailureOf(err: unknown): ApplicationFailure | undefined {
  if (err instanceof ActivityFailure && err.cause instanceof ApplicationFailure) return err.cause;
  if (err instanceof ApplicationFailure) return err;
  return undefined;
}

export function actionFor(
  failure: ApplicationFailure | undefined,
  input: SyncInput,
  workflowId: string,
  now: Date,
): WorkflowAction | undefined {
  if (!failure) return undefined;
  const resolve = `Send Resolve: in the Temporal UI open this run and send the "${RESOLVE_SIGNAL}" signal, or run \`temporal workflow signal --workflow-id ${workflowId} --name ${RESOLVE_SIGNAL}\` (or \`npx klaviyo-audience-sync resolve ${workflowId}\`). The run continues from the step that stopped.`;
  const keyHome =
    `Put the new key where the workers read credential "${input.credential}": the KLAVIYO_CREDENTIALS_FILE entry "${input.credential}" (re-read on every use, no restart needed)` +
    (input.credential === 'default' ? ', or KLAVIYO_API_KEY (then restart the workers).' : '.');
  const since = now.toISOString();
  switch (failure.type) {
    case FailureType.InvalidCredentials:
      return {
        code: 'invalid_credentials',
        message: `Klaviyo did not accept the API key for credential "${input.credential}": ${failure.message}`,
        steps: [
          'In Klaviyo, open Settings > API keys and check whether the private key was revoked or mistyped.',
          'Create a private API key with full access to Lists and Profiles (read and write) if needed.',
          keyHome,
          resolve,
        ],
        since,
      };
    case FailureType.MissingScope:
      return {
        code: 'invalid_credentials',
        message: `The API key for credential "${input.credential}" lacks a scope the sync needs: ${failure.message}`,
        steps: [
          'In Klaviyo, open Settings > API keys and edit the key (or create a new one).',
          'Give it full access to Lists and Profiles (read and write); Segments read access lets the sync check the lists-and-segments limit.',
          keyHome,
          resolve,
        ],
        since,
      };
    case FailureType.MaxListsExceeded:
      return {
        code: 'max_lists_exceeded',
        message: `Klaviyo refused to create list "${input.listName ?? input.listId}": ${failure.message}`,
        steps: [
          'In Klaviyo, open Audience > Lists & segments and check the number of lists and segments: an account holds at most 1000 together.',
          'Delete lists or segments that are no longer used (or pick an existing list and start the sync with its listId).',
          resolve,
        ],
        since,
      };
    case FailureType.AudienceShrink:
      return {
        code: 'audience_shrink',
        message: failure.message,
        steps: [
          `Check the audience source ${input.audience.path}: an empty or truncated export would empty the list.`,
          `If the removals are intended, ${resolve.charAt(0).toLowerCase()}${resolve.slice(1)} Resolving confirms the removals.`,
          `If they are not, cancel this run (\`npx klaviyo-audience-sync cancel ${workflowId}\`, or Cancel in the Temporal UI): nothing is removed and the list stays as it is; fix the source and sync again.`,
        ],
        since,
      };
    default:
      return undefined;
  }
}

/** Seconds to wait before retrying after Klaviyo's daily list-creation cap, or undefined if not that. */
export function dailyCapWaitSeconds(failure: ApplicationFailure | undefined): number | undefined {
  if (failure?.type !== FailureType.DailyListCreationCap) return undefined;
  const details = failure.details?.[0] as { retryAfterSeconds?: number } | undefined;
  return Math.max(60, details?.retryAfterSeconds ?? 3600);
}
