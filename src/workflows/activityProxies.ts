/**
 * Activity stubs with their timeouts and retry policies. Transient faults and rate limits are retried
 * here by Temporal (with Klaviyo's Retry-After as the next delay); the failure types the workflow acts
 * on are never retried. Every call carries a summary the Temporal UI shows in the run's timeline, so the
 * history reads as the steps of the sync.
 */
import { proxyActivities, proxyLocalActivities, type ActivityInterfaceFor, type ActivityOptions } from '@temporalio/workflow';
import type { AudienceSyncActivities } from '../activities';
import { NON_RETRYABLE_FAILURE_KINDS } from '../failures';

const retry: ActivityOptions['retry'] = {
  initialInterval: '1s',
  backoffCoefficient: 2,
  maximumInterval: '5m',
  // About four hours of a Klaviyo outage before the run gives up and says why.
  maximumAttempts: 60,
  nonRetryableErrorTypes: NON_RETRYABLE_FAILURE_KINDS,
};

type Activities = AudienceSyncActivities;
type SummaryOf<K extends keyof Activities> = (...args: Parameters<Activities[K]>) => string;

/** What each activity call does, as a step an operator reads in the run's timeline. */
const SUMMARIES: { [K in keyof Activities]?: string | SummaryOf<K> } = {
  validateCredential: 'Check the Klaviyo API key',
  requestListLock: 'Claim the list (one run writes to a list at a time)',
  findList: 'Find the Klaviyo list',
  verifyMembership: ({ requested }) => (requested ? 'Read the whole list (asked for): the drift check' : "Read the whole list if it is due: the drift check"),
  planAudience: 'Read the audience and compare it with the stored members',
  awaitSealedBatches: 'Learn which batches the running plan has sealed (sent while it plans)',
  ensureList: 'Create the Klaviyo list',
  upsertBatch: ({ batch }) => `Send batch ${batch + 1} (new and changed profiles) to Klaviyo`,
  confirmList: 'Check the list is still there after sending',
  removeDepartures: 'Remove list members who are not in the audience',
  finalizeReport: 'Write the report',
  sendAlert: ({ kind }) => (kind === 'failed' ? 'Alert: the run failed' : 'Alert: the run needs action'),
};

/** proxyActivities with a summary on every call, from the table above. */
function withSummaries(options: ActivityOptions): ActivityInterfaceFor<Activities> {
  const stubs = proxyActivities<Activities>(options);
  return new Proxy(stubs, {
    get(target, name) {
      if (typeof name !== 'string') return Reflect.get(target, name);
      const stub = target[name as keyof Activities];
      const summary = SUMMARIES[name as keyof Activities] as string | ((...args: unknown[]) => string) | undefined;
      if (!summary) return stub;
      const call = (...args: unknown[]) =>
        stub.executeWithOptions({ summary: typeof summary === 'string' ? summary : summary(...args) }, args as never);
      return Object.assign(call, { executeWithOptions: stub.executeWithOptions });
    },
  });
}

/**
 * Short activities: credential check, list lookup/creation, member count, closing the report. They too
 * heartbeat (every activity does, see activities/heartbeatTicker.ts): a worker killed during one hands it
 * to another within the heartbeat timeout, not after the 10 minutes a slow rate-limited step may need.
 */
export const shortActivities = withSummaries({ startToCloseTimeout: '10m', heartbeatTimeout: '20s', retry });

/**
 * Long, heartbeating work. A heartbeat every few seconds and a 20 s timeout mean a killed worker's
 * batch moves to another worker within seconds, resuming from its heartbeat details.
 */
export const longActivities = withSummaries({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '20s',
  retry,
});

/**
 * Alerts to ALERT_WEBHOOK_URL: retried with backoff for a few minutes, then given up; a run never fails
 * because of an alert (the workflow catches it), and never waits on one for long.
 */
export const alertActivities = withSummaries({
  startToCloseTimeout: '15s',
  scheduleToCloseTimeout: '10m',
  retry: { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 10, nonRetryableErrorTypes: ['alert_refused'] },
});

/** Quick reads a list lock makes while runs wait (is the holder still running?), as local activities to keep its history short. */
export const lockLocalActivities = proxyLocalActivities<AudienceSyncActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});
