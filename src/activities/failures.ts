/**
 * The one place where errors from the Klaviyo client and the audience reader become Temporal failures.
 * Types the workflow acts on (pause, wait, fail) are non-retryable; rate limits and transient faults
 * are retried by Temporal, after the delay Klaviyo asked for when it said one.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../shared';
import { KlaviyoError } from '../klaviyo/errors';
import { AudienceChangedError, InvalidAudienceError } from '../audience/errors';

export function toApplicationFailure(err: unknown): unknown {
  if (err instanceof ApplicationFailure) return err;
  if (err instanceof InvalidAudienceError) return nonRetryable(FailureType.InvalidAudience, err.message);
  if (err instanceof AudienceChangedError) return nonRetryable(FailureType.AudienceChanged, err.message);
  if (!(err instanceof KlaviyoError)) return err; // unknown: let Temporal retry it as-is
  switch (err.kind) {
    case 'invalid_credentials':
      return nonRetryable(FailureType.InvalidCredentials, err.message);
    case 'missing_scope':
      return nonRetryable(FailureType.MissingScope, err.message);
    case 'list_limit':
      return nonRetryable(FailureType.MaxListsExceeded, err.message);
    case 'daily_list_cap':
      return ApplicationFailure.create({
        type: FailureType.DailyListCreationCap,
        message: err.message,
        nonRetryable: true,
        details: [{ retryAfterSeconds: err.retryAfterSeconds ?? 3600 }],
      });
    case 'rate_limited':
      return ApplicationFailure.create({
        type: FailureType.RateLimited,
        message: err.message,
        nextRetryDelay: err.retryAfterSeconds ? `${err.retryAfterSeconds}s` : undefined,
      });
    case 'transient':
      // A 503 may say when to come back; otherwise Temporal's back-off applies.
      return ApplicationFailure.create({
        type: FailureType.Transient,
        message: err.message,
        nextRetryDelay: err.retryAfterSeconds ? `${err.retryAfterSeconds}s` : undefined,
      });
    case 'not_found':
      return nonRetryable(FailureType.ListNotFound, err.message);
    case 'invalid_request':
    case 'validation':
      return nonRetryable(FailureType.InvalidRequest, err.message);
  }
}

function nonRetryable(type: FailureType, message: string): ApplicationFailure {
  return ApplicationFailure.create({ type, message, nonRetryable: true });
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
