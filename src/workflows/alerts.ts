/**
 * The workflow's side of alerts (activities/alerts.ts): one per pause, keyed by the pause so a retried
 * activity or a replayed workflow task never makes it two; one when the run fails. An alert never fails
 * the run and never holds it up: a pause does not wait for its alert at all, a failing run for at most
 * half a minute (once the run has closed, Temporal would no longer run the activity).
 */
import { condition, log, workflowInfo } from '@temporalio/workflow';
import type { AlertInput } from '../activities/alerts';
import type { WorkflowAction } from '../shared';
import { alertActivities } from './activityProxies';

const FAILED_RUN_WAITS_FOR_ALERT = '30 seconds';

function send(input: Omit<AlertInput, 'workflowId' | 'runId' | 'key'>, keySuffix: string): Promise<void> {
  const { workflowId, runId, firstExecutionRunId } = workflowInfo();
  return alertActivities.sendAlert({ ...input, workflowId, runId, key: `${workflowId}/${firstExecutionRunId}/${keySuffix}` }).then(
    () => undefined,
    (err) => log.warn('Alert not sent', { kind: input.kind, error: String(err) }),
  );
}

/** `pause` counts the run chain's pauses from 1 (actions resolved so far + 1), so each pause has its own key. */
export function alertPaused(list: string, action: WorkflowAction, pause: number): void {
  void send({ kind: 'needs_action', list, action: { code: action.code, title: action.title, firstStep: action.steps[0] } }, `pause-${pause}`);
}

export async function alertFailed(list: string, error: string): Promise<void> {
  let done = false;
  void send({ kind: 'failed', list, error }, 'failed').finally(() => (done = true));
  // Cancelled while waiting: the run's own failure still stands.
  await condition(() => done, FAILED_RUN_WAITS_FOR_ALERT).catch(() => undefined);
}
