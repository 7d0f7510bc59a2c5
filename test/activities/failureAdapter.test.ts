/** The one adapter from classified errors to Temporal failures, and the failure table it reads. */
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { toApplicationFailure } from '../../src/activities/failureAdapter';
import { KlaviyoError, type KlaviyoErrorKind } from '../../src/klaviyo/errors';
import { AudienceChangedError, InvalidAudienceError } from '../../src/audience/errors';
import { FAILURES, NON_RETRYABLE_FAILURE_KINDS, SyncFailure } from '../../src/failures';

function mapped(kind: KlaviyoErrorKind, extra: Partial<ConstructorParameters<typeof KlaviyoError>[0]> = {}) {
  const failure = toApplicationFailure(new KlaviyoError({ kind, endpoint: 'POST /api/lists', message: `a ${kind}`, ...extra }));
  expect(failure).toBeInstanceOf(ApplicationFailure);
  return failure as ApplicationFailure;
}

describe('toApplicationFailure', () => {
  it.each(['invalid_credentials', 'missing_scope', 'list_limit', 'not_found', 'invalid_request', 'validation'] as const)(
    '%s keeps its kind as the failure type and is never retried',
    (kind) => {
      const failure = mapped(kind);
      expect(failure.type).toBe(kind);
      expect(failure.nonRetryable).toBe(true);
      expect(NON_RETRYABLE_FAILURE_KINDS).toContain(kind);
      expect(failure.message).toBe(`a ${kind}`);
    },
  );

  it("retries a rate limit after Klaviyo's Retry-After, and a transient fault with back-off", () => {
    const limited = mapped('rate_limited', { retryAfterSeconds: 7 });
    expect(limited).toMatchObject({ type: 'rate_limited', nonRetryable: false, nextRetryDelay: '7s' });
    expect(NON_RETRYABLE_FAILURE_KINDS).not.toContain('rate_limited');
    const transient = mapped('transient');
    expect(transient).toMatchObject({ type: 'transient', nonRetryable: false, nextRetryDelay: undefined });
    expect(mapped('transient', { retryAfterSeconds: 30 }).nextRetryDelay).toBe('30s');
  });

  it('hands the daily list-creation cap to the workflow with the wait in its details', () => {
    const failure = mapped('daily_list_cap', { retryAfterSeconds: 5000 });
    expect(failure).toMatchObject({ type: 'daily_list_cap', nonRetryable: true });
    expect(failure.details).toEqual([{ retryAfterSeconds: 5000 }]);
  });

  it('carries a failure’s details, maps audience errors, and leaves unknown errors to Temporal retries', () => {
    const shrink = toApplicationFailure(new SyncFailure('audience_shrink', 'would remove 9 of 10', { details: { toRemove: 9 } }));
    expect(shrink).toMatchObject({ type: 'audience_shrink', nonRetryable: true, details: [{ toRemove: 9 }] });
    expect(toApplicationFailure(new InvalidAudienceError('column x'))).toMatchObject({ type: 'invalid_audience', nonRetryable: true });
    expect(toApplicationFailure(new AudienceChangedError('changed'))).toMatchObject({ type: 'audience_changed', nonRetryable: true });
    const plain = new Error('disk full');
    expect(toApplicationFailure(plain)).toBe(plain);
  });
});

describe('the failure table', () => {
  it('retries only what waiting can fix, and pauses only on failures an operator can fix', () => {
    const retried = Object.entries(FAILURES).filter(([, row]) => row.retry).map(([kind]) => kind);
    expect(retried.sort()).toEqual(['rate_limited', 'transient']);
    const actions = Object.fromEntries(
      Object.entries(FAILURES).flatMap(([kind, row]) => ('action' in row ? [[kind, row.action.code]] : [])),
    );
    expect(actions).toEqual({
      invalid_credentials: 'invalid_credentials',
      missing_scope: 'invalid_credentials',
      list_limit: 'max_lists_exceeded',
      audience_shrink: 'audience_shrink',
      list_deleted: 'list_deleted',
      source_unavailable: 'source_unavailable',
    });
  });

  it('gives every action a title and numbered steps that end with how to resolve (or cancel)', () => {
    const ctx = { credential: 'brand', list: 'Spring VIP', audience: '/data/vip.csv', workflowId: 'wf-1' };
    for (const row of Object.values(FAILURES)) {
      if (!('action' in row)) continue;
      expect(row.action.title.length).toBeGreaterThan(10);
      const steps = row.action.steps(ctx);
      expect(steps.length).toBeGreaterThanOrEqual(3);
      expect(steps.join(' ')).toContain('resolve wf-1');
      expect(row.action.message(ctx, 'detail from Klaviyo')).toMatch(/detail from Klaviyo/);
    }
  });
});
