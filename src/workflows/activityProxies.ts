/**
 * Activity stubs with their timeouts and retry policies. Transient faults and rate limits are retried
 * here by Temporal (with Klaviyo's Retry-After as the next delay); the failure types the workflow acts
 * on are never retried.
 */
import { proxyActivities, proxyLocalActivities, type ActivityOptions } from '@temporalio/workflow';
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

/**
 * Short activities: credential check, list lookup/creation, member count, closing the report. They too
 * heartbeat (every activity does, see activities/heartbeatTicker.ts): a worker killed during one hands it
 * to another within the heartbeat timeout, not after the 10 minutes a slow rate-limited step may need.
 */
export const shortActivities = proxyActivities<AudienceSyncActivities>({ startToCloseTimeout: '10m', heartbeatTimeout: '20s', retry });

/**
 * Long, heartbeating work. A heartbeat every few seconds and a 20 s timeout mean a killed worker's
 * batch moves to another worker within seconds, resuming from its heartbeat details.
 */
export const longActivities = proxyActivities<AudienceSyncActivities>({
  startToCloseTimeout: '2h',
  heartbeatTimeout: '20s',
  retry,
});

/** Quick reads a list lock makes while runs wait (is the holder still running?), as local activities to keep its history short. */
export const lockLocalActivities = proxyLocalActivities<AudienceSyncActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '10s' },
});
