import { describe, expect, it } from 'vitest';
import { AxiosError } from 'axios';
import { classifyError, classifyResponse, KlaviyoError, malformedSuccess, type HttpFailure } from '../../src/klaviyo/errors';

const JSON_TYPE = { 'content-type': 'application/vnd.api+json' };
function res(status: number, errors: object[] | string, headers: Record<string, string> = {}): HttpFailure {
  return { status, headers: { ...JSON_TYPE, ...headers }, body: typeof errors === 'string' ? errors : JSON.stringify({ errors }) };
}
const err = (code: string, detail: string, pointer?: string) => ({
  id: 'x',
  status: 0,
  code,
  title: detail,
  detail,
  ...(pointer && { source: { pointer } }),
});

describe('classifyResponse', () => {
  it('401 is invalid_credentials, not retryable', () => {
    const e = classifyResponse(res(401, [err('authentication_failed', 'Incorrect authentication credentials.', '/data/')]), 'GET /api/lists');
    expect(e).toMatchObject({ kind: 'invalid_credentials', status: 401, code: 'authentication_failed', endpoint: 'GET /api/lists' });
    expect(e.message).toMatch(/not revoked/);
    // The document-root pointer says nothing to an operator; a field pointer does.
    expect(e.message).not.toContain('/data/');
    const field = classifyResponse(res(400, [err('invalid', 'Name too long.', '/data/attributes/name')]), 'POST /api/lists');
    expect(field.message).toContain('at /data/attributes/name');
  });

  it('400 and 403 that talk about credentials are invalid_credentials', () => {
    expect(classifyResponse(res(400, [err('invalid', 'Invalid API key provided.')]), 'GET /api/lists').kind).toBe('invalid_credentials');
    expect(classifyResponse(res(403, [err('not_authenticated', 'Authentication credentials were not provided.')]), 'GET /api/lists').kind).toBe(
      'invalid_credentials',
    );
  });

  it('403 permission_denied is missing_scope and names the scopes the call needs', () => {
    const e = classifyResponse(res(403, [err('permission_denied', 'You do not have permission to perform this action.')]), 'GET /api/lists/{id}/profiles');
    expect(e.kind).toBe('missing_scope');
    expect(e.message).toContain('lists:read, profiles:read');
  });

  it('429 is rate_limited with Retry-After seconds (header, else the detail text)', () => {
    const e = classifyResponse(res(429, [err('throttled', 'Request was throttled.')], { 'retry-after': '7' }), 'GET /api/lists');
    expect(e).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 7 });
    const fromText = classifyResponse(res(429, [err('throttled', 'Request was throttled. Expected available in 12 seconds.')]), 'GET /api/lists');
    expect(fromText.retryAfterSeconds).toBe(12);
  });

  it('429 on POST /api/lists with a long Retry-After or daily wording is daily_list_cap', () => {
    const long = classifyResponse(res(429, [err('throttled', 'Request was throttled.')], { 'retry-after': '67608' }), 'POST /api/lists');
    expect(long).toMatchObject({ kind: 'daily_list_cap', retryAfterSeconds: 67608 });
    const text = classifyResponse(res(429, [err('throttled', 'Daily limit for list creation reached.')], { 'retry-after': '30' }), 'POST /api/lists');
    expect(text.kind).toBe('daily_list_cap');
    // The same long wait elsewhere is just a (long) rate limit.
    expect(classifyResponse(res(429, [], { 'retry-after': '67608' }), 'GET /api/lists').kind).toBe('rate_limited');
  });

  it('5xx is transient; 503 keeps Retry-After', () => {
    expect(classifyResponse(res(500, []), 'GET /api/lists')).toMatchObject({ kind: 'transient' });
    expect(classifyResponse(res(503, [], { 'retry-after': '3' }), 'GET /api/lists').retryAfterSeconds).toBe(3);
  });

  it('HTML (Cloudflare challenge) on 403 is transient with a message naming the challenge', () => {
    const e = classifyResponse(
      { status: 403, headers: { 'content-type': 'text/html; charset=UTF-8', 'cf-mitigated': 'challenge' }, body: '<!DOCTYPE html><html>Just a moment...</html>' },
      'GET /api/lists',
    );
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/Cloudflare challenge/);
    const plainHtml = classifyResponse({ status: 400, headers: {}, body: '<html><body>Bad gateway</body></html>' }, 'GET /api/lists');
    expect(plainHtml.kind).toBe('transient');
    expect(plainHtml.message).toMatch(/HTML page instead of JSON/);
  });

  it('Retry-After as an HTTP date, and a 429 without Retry-After or a wait in its text, still give seconds', () => {
    const at = new Date(Date.now() + 90_000).toUTCString();
    const dated = classifyResponse(res(429, [err('throttled', 'Request was throttled.')], { 'retry-after': at }), 'GET /api/lists');
    expect(dated.retryAfterSeconds).toBeGreaterThanOrEqual(88);
    expect(dated.retryAfterSeconds).toBeLessThanOrEqual(90);
    expect(classifyResponse(res(429, []), 'GET /api/lists')).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 1 });
  });

  it('an HTML 429 from an edge proxy is rate_limited with its Retry-After; an HTML 503 keeps its Retry-After', () => {
    const html = (status: number, retryAfter: string): HttpFailure => ({
      status,
      headers: { 'content-type': 'text/html', 'retry-after': retryAfter },
      body: '<html><title>Error 1015: You are being rate limited</title></html>',
    });
    expect(classifyResponse(html(429, '60'), 'GET /api/lists')).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 60 });
    expect(classifyResponse(html(503, '5'), 'GET /api/lists')).toMatchObject({ kind: 'transient', retryAfterSeconds: 5 });
  });

  it('a redirect (e.g. http:// base URL) is invalid_request naming KLAVIYO_BASE_URL and the target', () => {
    const e = classifyResponse({ status: 301, headers: { location: 'https://a.klaviyo.com/api/lists' }, body: '' }, 'GET /api/lists');
    expect(e).toMatchObject({ kind: 'invalid_request', status: 301 });
    expect(e.message).toContain('KLAVIYO_BASE_URL');
    expect(e.message).toContain('https://a.klaviyo.com/api/lists');
  });

  it('missing_scope advice names the scopes of the failed call, not a fixed list', () => {
    const e = classifyResponse(res(403, [err('permission_denied', 'You do not have permission to perform this action.')]), 'GET /api/segments');
    expect(e.kind).toBe('missing_scope');
    expect(e.message).toContain('it needs segments:read');
    expect(e.message).not.toMatch(/Lists and Profiles/);
  });

  it('404 is not_found', () => {
    expect(classifyResponse(res(404, [err('not_found', 'A list with id X does not exist.')]), 'GET /api/lists/{id}').kind).toBe('not_found');
  });

  it('list-limit wording on POST /api/lists is list_limit', () => {
    for (const detail of [
      'You have reached the maximum number of lists and segments for this account.',
      'Account list limit exceeded',
      'Too many lists',
    ]) {
      expect(classifyResponse(res(400, [err('invalid', detail)]), 'POST /api/lists').kind, detail).toBe('list_limit');
    }
    for (const detail of ['Name is required', 'List name exceeds maximum length of 255 characters']) {
      expect(classifyResponse(res(400, [err('invalid', detail)]), 'POST /api/lists').kind, detail).toBe('invalid_request');
    }
  });

  it('bulk import 400 with per-profile pointers is validation with indexes and fields', () => {
    const e = classifyResponse(
      res(400, [
        err('invalid', 'Invalid email address', '/data/attributes/profiles/data/3/attributes/email'),
        err('invalid', 'Invalid phone number format', '/data/attributes/profiles/data/17/attributes/phone_number'),
      ]),
      'POST /api/profile-bulk-import-jobs',
    );
    expect(e.kind).toBe('validation');
    expect(e.profileErrors).toEqual([
      { index: 3, field: 'email', message: 'Invalid email address' },
      { index: 17, field: 'phone_number', message: 'Invalid phone number format' },
    ]);
    expect(e.message).toMatch(/index 3, 17/);
  });

  it('other 4xx is invalid_request with the pointer and detail of the first error', () => {
    const e = classifyResponse(res(400, [err('invalid', "'name' is a required field", '/data/attributes/name')]), 'PATCH /api/profiles/{id}');
    expect(e).toMatchObject({ kind: 'invalid_request', pointer: '/data/attributes/name', detail: "'name' is a required field" });
    expect(e.message).toContain('/data/attributes/name');
  });

  it('an unknown error code or a non-JSON error body still gives a typed error quoting the body', () => {
    const unknown = classifyResponse(res(418, [err('teapot_mode', 'I refuse')]), 'GET /api/lists');
    expect(unknown.kind).toBe('invalid_request');
    expect(unknown.message).toContain('teapot_mode: I refuse');
    const text = classifyResponse({ status: 400, headers: { 'content-type': 'text/plain' }, body: 'filter malformed' }, 'GET /api/lists');
    expect(text.kind).toBe('invalid_request');
    expect(text.message).toContain('filter malformed');
  });
});

describe('classifyError', () => {
  it('network failures are transient', () => {
    for (const code of ['ECONNRESET', 'ETIMEDOUT', 'ECONNABORTED']) {
      const e = classifyError(new AxiosError('boom', code), 'GET /api/lists');
      expect(e).toMatchObject({ kind: 'transient', code });
    }
    expect(classifyError(new Error('socket hang up'), 'GET /api/lists').kind).toBe('transient');
  });

  it('drops the axios error (and its headers) entirely', () => {
    const axiosErr = new AxiosError('boom', 'ECONNRESET', { headers: { Authorization: 'Klaviyo-API-Key secret-value' } } as never);
    const e = classifyError(axiosErr, 'GET /api/lists');
    expect(JSON.stringify({ ...e, message: e.message, stack: e.stack })).not.toContain('secret-value');
    expect((e as unknown as { cause?: unknown }).cause).toBeUndefined();
  });

  it('passes KlaviyoErrors through and wraps anything else', () => {
    const k = new KlaviyoError({ kind: 'not_found', endpoint: 'x', message: 'gone' });
    expect(classifyError(k, 'y')).toBe(k);
    expect(classifyError('weird', 'GET /api/lists')).toBeInstanceOf(KlaviyoError);
  });

  it('a malformed success body is transient and says what did not match', () => {
    const e = malformedSuccess('GET /api/lists', 200, 'data[0].id: expected string');
    expect(e).toMatchObject({ kind: 'transient' });
    expect(e.message).toContain('data[0].id');
  });
});
