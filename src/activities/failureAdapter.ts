/**
 * The one place where errors thrown by activities become Temporal failures. A SyncFailure (KlaviyoError,
 * audience errors, the shrink guard, ...) becomes an ApplicationFailure whose type is its kind; whether
 * Temporal retries it comes from the failure table (src/failures.ts). Anything unclassified is retried as is.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { failureRow, SyncFailure } from '../failures';
import { redactSecrets } from '../sanitize';

export function toApplicationFailure(err: unknown): unknown {
  // Whatever an activity throws reaches history and the worker's log: nothing key-shaped may ride along.
  if (err instanceof Error) scrub(err);
  if (err instanceof ApplicationFailure || !(err instanceof SyncFailure)) return err;
  const { retry } = failureRow(err.kind);
  const details = { ...err.details, ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}) };
  return ApplicationFailure.create({
    type: err.kind,
    message: err.message,
    nonRetryable: !retry,
    // Klaviyo said when to come back (429, or a 503 with Retry-After): that is the next attempt's delay.
    nextRetryDelay: retry && err.retryAfterSeconds ? `${err.retryAfterSeconds}s` : undefined,
    details: Object.keys(details).length > 0 ? [details] : undefined,
  });
}

function scrub(err: Error): void {
  err.message = redactSecrets(err.message);
  if (err.stack) err.stack = redactSecrets(err.stack);
}

/** Wraps an activity so every error it throws goes through the mapping above. */
export function mapFailures<A extends unknown[], R>(fn: (...args: A) => Promise<R>): (...args: A) => Promise<R> {
  return async (...args: A) => {
    try {
      return await fn(...args);
    } catch (err) {
      throw toApplicationFailure(err);
    }
  };
}
