/**
 * Alerts: a Slack-compatible `{"text": ...}` POST to ALERT_WEBHOOK_URL when a run pauses on a workflow
 * action or fails. The workflow starts one per pause (keyed by the pause) and never waits on it for long;
 * a failed POST is retried by Temporal. The text holds names, the action's title and first step and a
 * link: never a key, a connection string or the webhook URL itself (it carries a secret).
 */
import { ApplicationFailure, Context, log } from '@temporalio/activity';
import type { AlertSettings } from '../config';
import { SyncFailure } from '../failures';
import { consoleRunUrl, temporalUiRunUrl } from '../runLinks';

export interface AlertInput {
  /** Unique per pause (or per failed run): sent as Idempotency-Key, so a receiver can drop a repeat. */
  key: string;
  kind: 'needs_action' | 'failed';
  workflowId: string;
  runId: string;
  /** The list's name, or its id when the name is not known yet. */
  list: string;
  action?: { code: string; title: string; firstStep?: string };
  /** For a failed run: its error message. */
  error?: string;
}

export interface AlertResult {
  sent: boolean;
}

const REQUEST_TIMEOUT_MS = 10_000;
/** Keys this worker has delivered: a retry after a delivered POST (a lost completion) does not send it twice. */
const REMEMBERED_KEYS = 1000;

export function alertText(input: AlertInput, links: AlertSettings, namespace: string): string {
  const link = consoleRunUrl(links, input.workflowId) ?? temporalUiRunUrl(links, namespace, input.workflowId, input.runId);
  const open = link ? `Open: ${link}` : `Workflow id: ${input.workflowId}`;
  if (input.kind === 'needs_action' && input.action) {
    return [
      `:warning: Audience sync for list "${input.list}" needs action: ${input.action.title} (${input.action.code}).`,
      ...(input.action.firstStep ? [`First step: ${input.action.firstStep}`] : []),
      `The run waits until it is resolved. ${open}`,
    ].join('\n');
  }
  const error = (input.error ?? 'no error message').replace(/\s+/g, ' ').slice(0, 400);
  return [`:x: Audience sync for list "${input.list}" failed: ${error}`, open].join('\n');
}

export function alertActivities(config: { alerts?: AlertSettings }) {
  const delivered = new Set<string>();
  return {
    async sendAlert(input: AlertInput): Promise<AlertResult> {
      const alerts = config.alerts ?? {};
      if (!alerts.webhookUrl) return { sent: false };
      if (delivered.has(input.key)) return { sent: true };
      const text = alertText(input, alerts, Context.current().info.activityNamespace);
      let response: Response;
      try {
        response = await fetch(alerts.webhookUrl, {
          method: 'POST',
          headers: { 'content-type': 'application/json', 'idempotency-key': input.key },
          body: JSON.stringify({ text }),
          signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
        });
      } catch (err) {
        // Not the URL: it carries the webhook's secret.
        throw new SyncFailure('transient', `the alert webhook could not be reached (${(err as Error).name})`);
      }
      await response.body?.cancel();
      if (!response.ok) {
        // 408, 429 and 5xx may pass; any other 4xx means the URL or the receiver is wrong, and stays so.
        const message = `the alert webhook answered HTTP ${response.status}`;
        if (response.status === 408 || response.status === 429 || response.status >= 500) throw new SyncFailure('transient', message);
        throw ApplicationFailure.create({ type: 'alert_refused', message, nonRetryable: true });
      }
      delivered.add(input.key);
      if (delivered.size > REMEMBERED_KEYS) delivered.delete(delivered.values().next().value!);
      log.info('Alert sent', { kind: input.kind, key: input.key });
      return { sent: true };
    },
  };
}
