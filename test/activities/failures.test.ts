/** The one mapping from client and audience errors to Temporal failures the workflow acts on. */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failures';
import { KlaviyoError, type KlaviyoErrorKind } from '../../src/klaviyo/errors';
import { AudienceChangedError, InvalidAudienceError } from '../../src/audience/errors';
import { FailureType, NON_RETRYABLE_FAILURES } from '../../src/shared';

function mapped(kind: KlaviyoErrorKind, extra: Partial<ConstructorParameters<typeof KlaviyoError>[0]> = {}) {
  const failure = toApplicationFailure(new KlaviyoError({ kind, endpoint: 'POST /api/lists', message: `a ${kind}`, ...extra }));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

describe('toApplicationFailure', () => {
  it.each([
    ['invalid_credentials', FailureType.InvalidCredentials],
    ['missing_scope', FailureType.MissingScope],
    ['list_limit', FailureType.MaxListsExceeded],
    ['not_found', FailureType.ListNotFound],
    ['invalid_request', FailureType.InvalidRequest],
    ['validation', FailureType.InvalidRequest],
  ] as const)('%s -> %s, never retried', (kind, type) => {
    const failure = mapped(kind);
    expect(failure.type).toBe(type);
    expect(failure.nonRetryable).toBe(true);
    expect(NON_RETRYABLE_FAILURES).toContain(type);
    expect(failure.message).toBe(`a ${kind}`);
  });

  it("retries a rate limit after Klaviyo's Retry-After, and a transient fault with back-off", () => {
    const limited = mapped('rate_limited', { retryAfterSeconds: 7 });
    expect(limited).toMatchObject({ type: FailureType.RateLimited, nonRetryable: false, nextRetryDelay: '7s' });
    expect(NON_RETRYABLE_FAILURES).not.toContain(FailureType.RateLimited);
    const transient = mapped('transient');
    expect(transient).toMatchObject({ type: FailureType.Transient, nonRetryable: false, nextRetryDelay: undefined });
    expect(mapped('transient', { retryAfterSeconds: 30 }).nextRetryDelay).toBe('30s');
  });

  it('hands the daily list-creation cap to the workflow with the wait in its details', () => {
    const failure = mapped('daily_list_cap', { retryAfterSeconds: 5000 });
    expect(failure).toMatchObject({ type: FailureType.DailyListCreationCap, nonRetryable: true });
    expect(failure.details).toEqual([{ retryAfterSeconds: 5000 }]);
  });

  it('maps audience errors and leaves unknown errors to Temporal retries', () => {
    expect(toApplicationFailure(new InvalidAudienceError('column x'))).toMatchObject({ type: FailureType.InvalidAudience, nonRetryable: true });
    expect(toApplicationFailure(new AudienceChangedError('changed'))).toMatchObject({ type: FailureType.AudienceChanged, nonRetryable: true });
    const plain = new Error('disk full');
    expect(toApplicationFailure(plain)).toBe(plain);
  });
});
