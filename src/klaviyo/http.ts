/**
 * Sends one Klaviyo operation: paces it through the rate limiter, classifies failures, parses the body with
 * zod, and retries a small number of times (429 after Retry-After; transient failures with exponential
 * backoff and jitter). Longer waits are left to Temporal's activity retries: a Retry-After above
 * MAX_IN_CLIENT_WAIT_S is thrown at once with retryAfterSeconds set.
 */
import axios, { type AxiosInstance, type AxiosResponse } from 'axios';
import type { z } from 'zod';
import { classifyError, classifyResponse, flattenHeaders, KlaviyoError, malformedSuccess } from './errors';
import { endpointName, fillPath, type Operation } from './endpoints';
import { keyFingerprint, RetryAfterPending, type RateLimiter } from './rateLimiter';
import { parseBody } from './schemas';

const JSON_API = 'application/vnd.api+json';
const MAX_IN_CLIENT_WAIT_S = 30;
const BACKOFF_BASE_MS = 200;
const BACKOFF_MAX_MS = 5000;

export type QueryValue = string | number | undefined;

export interface HttpOptions {
  /** Kept in a private field only: never in `opts`, the axios instance defaults, or anything enumerable. */
  apiKey: string;
  baseUrl: string;
  revision: string;
  timeoutMs: number;
  maxAttempts: number;
  limiter: RateLimiter;
  onCall?: (endpoint: string, status: number) => void;
}

export interface CallSpec<T> {
  pathParams?: Record<string, string>;
  query?: Record<string, QueryValue>;
  /** A full URL from `links.next`; replaces path and query (only its path and query are used). */
  url?: string;
  /** Sent as JSON; a string or a Buffer is sent as it is (already JSON). */
  body?: unknown;
  /** Omitted for 202/204 calls whose body is not read. */
  schema?: z.ZodType<T>;
}

export interface CallResult<T> {
  status: number;
  data: T;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export class KlaviyoHttp {
  /**
   * Exposed for instrumentation in tests (request recording). It holds no key: the Authorization header is
   * added per request, so logging or inspecting the client (or this instance) cannot reveal the key.
   */
  readonly axios: AxiosInstance;
  private readonly fingerprint: string;
  private readonly opts: Omit<HttpOptions, 'apiKey'>;
  readonly #apiKey: string;

  constructor(options: HttpOptions) {
    const { apiKey, ...opts } = options;
    this.#apiKey = apiKey;
    this.opts = opts;
    this.fingerprint = keyFingerprint(apiKey);
    this.axios = axios.create({
      baseURL: opts.baseUrl.replace(/\/+$/, ''),
      timeout: opts.timeoutMs,
      headers: {
        revision: opts.revision,
        Accept: JSON_API,
        'Content-Type': JSON_API,
      },
      // We classify every status and parse JSON ourselves, so bad JSON and HTML pages stay classifiable.
      validateStatus: () => true,
      responseType: 'text',
      transformResponse: [(data: unknown) => data],
      maxRedirects: 0,
      maxBodyLength: Infinity,
      maxContentLength: Infinity,
    });
  }

  /** Calls `operation`; every failure comes out as a KlaviyoError with the key scrubbed from its text. */
  async call<T>(operation: Operation, spec: CallSpec<T>): Promise<CallResult<T>> {
    const endpoint = endpointName(operation);
    try {
      return await this.callWithRetries(operation, endpoint, spec);
    } catch (err) {
      throw this.scrub(classifyError(err, endpoint));
    }
  }

  private async callWithRetries<T>(operation: Operation, endpoint: string, spec: CallSpec<T>): Promise<CallResult<T>> {
    const url = spec.url !== undefined ? relativeUrl(spec.url, endpoint) : this.urlFor(operation, endpoint, spec);
    const data = spec.body === undefined ? undefined : typeof spec.body === 'string' || Buffer.isBuffer(spec.body) ? spec.body : JSON.stringify(spec.body);
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.once(operation, endpoint, url, data, spec.schema);
      } catch (err) {
        const error = classifyError(err, endpoint);
        const delayMs = this.retryDelayMs(operation, error, attempt);
        if (delayMs === undefined) throw error;
        await sleep(delayMs);
      }
    }
  }

  private urlFor(operation: Operation, endpoint: string, spec: CallSpec<unknown>): string {
    const params = spec.pathParams ?? {};
    for (const [, name] of operation.path.matchAll(/\{(\w+)\}/g)) {
      const value = params[name!];
      if (typeof value !== 'string' || value.trim() === '') {
        throw new KlaviyoError({ kind: 'invalid_request', endpoint, message: `${endpoint}: ${name} must be a non-empty string` });
      }
    }
    return buildUrl(fillPath(operation.path, params), spec.query);
  }

  /** How long to wait before the next attempt, or undefined to give up and throw. */
  private retryDelayMs(operation: Operation, error: KlaviyoError, attempt: number): number | undefined {
    if (error.retryAfterSeconds !== undefined && (error.kind === 'rate_limited' || error.kind === 'transient')) {
      this.opts.limiter.blockFor(this.fingerprint, operation.id, operation.limit, error.retryAfterSeconds);
    }
    if (attempt >= this.opts.maxAttempts) return undefined;
    if (error.kind === 'rate_limited') {
      if ((error.retryAfterSeconds ?? 0) > MAX_IN_CLIENT_WAIT_S) return undefined;
      return 0; // the limiter bucket is blocked until Retry-After expires; acquire() does the waiting
    }
    if (error.kind === 'transient' && operation.idempotent) {
      if ((error.retryAfterSeconds ?? 0) > MAX_IN_CLIENT_WAIT_S) return undefined;
      const exp = Math.min(BACKOFF_MAX_MS, BACKOFF_BASE_MS * 2 ** (attempt - 1));
      return exp / 2 + Math.random() * (exp / 2);
    }
    return undefined;
  }

  private async once<T>(
    operation: Operation,
    endpoint: string,
    url: string,
    data: string | Buffer | undefined,
    schema: z.ZodType<T> | undefined,
  ): Promise<CallResult<T>> {
    await this.acquire(operation, endpoint);
    let res: AxiosResponse<string>;
    try {
      res = await this.axios.request<string>({
        method: operation.method,
        url,
        data,
        headers: { Authorization: `Klaviyo-API-Key ${this.#apiKey}` },
      });
    } catch (err) {
      this.opts.onCall?.(endpoint, 0);
      throw err;
    }
    this.opts.onCall?.(endpoint, res.status);
    const headers = flattenHeaders(res.headers as Record<string, unknown>);
    const body = typeof res.data === 'string' ? res.data : '';
    if (res.status < 200 || res.status >= 300) throw classifyResponse({ status: res.status, headers, body }, endpoint);
    this.observeRemaining(operation, headers);
    if (!schema) return { status: res.status, data: undefined as T };
    let json: unknown;
    try {
      json = JSON.parse(body);
    } catch {
      const hint = /^\s*</.test(body) ? 'an HTML/XML page' : `"${body.slice(0, 80)}"`;
      throw malformedSuccess(endpoint, res.status, `body is not JSON (got ${body ? hint : 'an empty body'})`);
    }
    const parsed = parseBody(schema, json);
    if (!parsed.ok) throw malformedSuccess(endpoint, res.status, parsed.problem);
    return { status: res.status, data: parsed.value };
  }

  /** Paces the call; a Retry-After too long to wait in-process becomes rate_limited with the time left. */
  private async acquire(operation: Operation, endpoint: string): Promise<void> {
    try {
      await this.opts.limiter.acquire(this.fingerprint, operation.id, operation.limit, MAX_IN_CLIENT_WAIT_S * 1000);
    } catch (err) {
      if (!(err instanceof RetryAfterPending)) throw err;
      throw new KlaviyoError({
        kind: 'rate_limited',
        endpoint,
        retryAfterSeconds: err.seconds,
        message: `${endpoint}: rate limited by Klaviyo (an earlier 429 on this endpoint said to wait), retry after ${err.seconds} s; not called`,
      });
    }
  }

  private observeRemaining(operation: Operation, headers: Record<string, string | undefined>): void {
    const remaining = headers['ratelimit-remaining'];
    const reset = headers['ratelimit-reset'];
    if (remaining === undefined || reset === undefined) return;
    this.opts.limiter.observe(this.fingerprint, operation.id, operation.limit, Number(remaining), Number(reset));
  }

  /** Belt and braces: a server or proxy could echo the key back in an error body. */
  private scrub(error: KlaviyoError): KlaviyoError {
    const key = this.#apiKey;
    if (!key) return error;
    const clean = (text: string) => text.split(key).join('[redacted]');
    error.message = clean(error.message);
    if (error.stack) error.stack = clean(error.stack);
    for (const field of ['detail', 'code', 'pointer'] as const) {
      const value = error[field];
      if (value) error[field] = clean(value);
    }
    if (error.profileErrors) error.profileErrors = error.profileErrors.map((p) => ({
      ...p,
      message: clean(p.message),
      ...(p.field !== undefined && { field: clean(p.field) }),
    }));
    return error;
  }
}

/** Path + query string; every key and value percent-encoded (filter values contain quotes, commas, `+`). */
export function buildUrl(path: string, query: Record<string, QueryValue> = {}): string {
  const parts = Object.entries(query)
    .filter((entry): entry is [string, string | number] => entry[1] !== undefined)
    .map(([k, v]) => `${encodeURIComponent(k)}=${encodeURIComponent(String(v))}`);
  return parts.length ? `${path}?${parts.join('&')}` : path;
}

/**
 * `links.next` is a full URL; we keep only its path and query and send them to our own base URL, so a
 * link pointing elsewhere can never receive the key.
 */
function relativeUrl(full: string, endpoint: string): string {
  let parsed: URL;
  try {
    parsed = new URL(full, 'http://placeholder.invalid');
  } catch {
    throw malformedSuccess(endpoint, 200, `links.next is not a URL: ${full.slice(0, 200)}`);
  }
  return `${parsed.pathname}${parsed.search}`;
}

/** The `page[cursor]` value of a `links.next` URL, or null. */
export function cursorOf(next: string | null | undefined): string | null {
  if (!next) return null;
  try {
    return new URL(next, 'http://placeholder.invalid').searchParams.get('page[cursor]');
  } catch {
    return null;
  }
}
