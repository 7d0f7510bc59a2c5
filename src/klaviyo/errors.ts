/**
 * The one place where a failed Klaviyo call becomes a typed error: a SyncFailure whose kind is a row of
 * the failure table (src/failures.ts). Nothing else inspects HTTP statuses or bodies.
 *
 * Security: a KlaviyoError carries only the fields below — never an axios error, its `config` or headers —
 * so the API key cannot leak through logs, Temporal failure payloads or JSON.stringify.
 */
import { isAxiosError } from 'axios';
import { SyncFailure, type FailureKind } from '../failures';
import { OPERATIONS, endpointName } from './endpoints';

/** The failure kinds a Klaviyo call can end in (rows of the failure table, src/failures.ts). */
export type KlaviyoErrorKind = Extract<
  FailureKind,
  | 'invalid_credentials'
  | 'missing_scope'
  | 'list_limit'
  | 'daily_list_cap'
  | 'rate_limited'
  | 'transient'
  | 'not_found'
  | 'invalid_request'
  | 'validation'
>;

export interface ProfileError {
  index: number;
  field?: string;
  message: string;
}

export interface KlaviyoErrorInit {
  kind: KlaviyoErrorKind;
  message: string;
  endpoint: string;
  status?: number;
  code?: string;
  pointer?: string;
  detail?: string;
  retryAfterSeconds?: number;
  profileErrors?: ProfileError[];
}

export class KlaviyoError extends SyncFailure {
  declare readonly kind: KlaviyoErrorKind;
  status?: number;
  code?: string;
  pointer?: string;
  detail?: string;
  endpoint: string;
  profileErrors?: ProfileError[];

  constructor(init: KlaviyoErrorInit) {
    super(init.kind, init.message, { retryAfterSeconds: init.retryAfterSeconds });
    this.name = 'KlaviyoError';
    this.endpoint = init.endpoint;
    // Assign only defined optionals so the error serializes without noise.
    if (init.status !== undefined) this.status = init.status;
    if (init.code !== undefined) this.code = init.code;
    if (init.pointer !== undefined) this.pointer = init.pointer;
    if (init.detail !== undefined) this.detail = init.detail;
    if (init.profileErrors !== undefined) this.profileErrors = init.profileErrors;
  }
}

/** A received HTTP response, body still as text (the client parses JSON itself so bad JSON is classifiable). */
export interface HttpFailure {
  status: number;
  headers: Record<string, string | undefined>;
  body: string;
}

interface JsonApiError {
  code?: string;
  title?: string;
  detail?: string;
  source?: { pointer?: string; parameter?: string };
}

const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'ESOCKETTIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'ENOTFOUND',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'ERR_SOCKET_CONNECTION_TIMEOUT',
  'ERR_BAD_RESPONSE',
  'ERR_NETWORK',
]);

/** A 429 this long on create-list can only be the daily cap (the minute window resets within 60 s). */
const DAILY_CAP_MIN_RETRY_AFTER_S = 3600;
const CREATE_LIST_ENDPOINT = 'POST /api/lists';
const BULK_IMPORT_ENDPOINT = 'POST /api/profile-bulk-import-jobs';
const BULK_PROFILE_POINTER = /^\/data\/attributes\/profiles\/data\/(\d+)(?:\/(.*))?$/;
const CREDENTIALS_TEXT = /credential|api[ _-]?key|authenticat|not authorized|unauthori[sz]ed/i;
/** Klaviyo does not document the cap's error; match its likely wordings, not any 4xx that says "maximum". */
const LIST_LIMIT_TEXT =
  /(maximum|max\.?|limit)( allowed)? number of (lists|segments)|too many (lists|segments)|\b(lists?|segments?)( and segments)? limit\b|limit of [\d,]+ (lists|segments)/i;
const DAILY_TEXT = /\bdaily\b|per day|\/d\b|24 hours/i;

/**
 * Classifies anything a call can throw or return: a KlaviyoError (returned unchanged), an HttpFailure
 * (non-2xx response), an axios error (network failure; a response on it is classified like an HttpFailure),
 * or any other thrown value.
 */
export function classifyError(err: unknown, endpoint: string): KlaviyoError {
  if (err instanceof KlaviyoError) return err;
  if (isHttpFailure(err)) return classifyResponse(err, endpoint);
  if (isAxiosError(err)) {
    if (err.response) {
      return classifyResponse(
        {
          status: err.response.status,
          headers: flattenHeaders(err.response.headers as Record<string, unknown>),
          body: typeof err.response.data === 'string' ? err.response.data : safeStringify(err.response.data),
        },
        endpoint,
      );
    }
    return networkError(err.code, err.message, endpoint);
  }
  const code = (err as { code?: unknown } | null)?.code;
  const message = err instanceof Error ? err.message : String(err);
  if (typeof code === 'string' && NETWORK_CODES.has(code)) return networkError(code, message, endpoint);
  if (/socket hang up|timeout/i.test(message)) return networkError(undefined, message, endpoint);
  return new KlaviyoError({
    kind: 'transient',
    endpoint,
    message: `${endpoint}: unexpected client-side error (${message}); retrying may help, otherwise report a bug`,
  });
}

/** Classifies a non-2xx response. */
export function classifyResponse(res: HttpFailure, endpoint: string): KlaviyoError {
  const { status } = res;
  const header = (name: string) => res.headers[name.toLowerCase()];
  if (isHtml(res)) {
    const challenge = header('cf-mitigated') === 'challenge';
    // An edge 429 (e.g. Cloudflare's own rate limiting) or 503 still carries a Retry-After worth honouring.
    const ra = header('retry-after');
    if (status === 429) {
      const retryAfterSeconds = retryAfter(ra, '');
      return new KlaviyoError({
        kind: 'rate_limited',
        endpoint,
        status,
        retryAfterSeconds,
        message: `${endpoint}: rate limited (HTTP 429 with an HTML page from an edge proxy), retry after ${retryAfterSeconds} s`,
      });
    }
    return new KlaviyoError({
      kind: 'transient',
      endpoint,
      status,
      ...(ra !== undefined && { retryAfterSeconds: retryAfter(ra, '') }),
      message:
        `${endpoint}: HTTP ${status} with an HTML page instead of JSON` +
        (challenge ? ' (Cloudflare challenge, cf-mitigated: challenge)' : ' (an edge proxy or error page answered)') +
        '; retry later, and if it persists check KLAVIYO_BASE_URL and the network path to Klaviyo',
    });
  }
  const errors = parseErrors(res.body);
  const first = errors[0] ?? {};
  const base = {
    endpoint,
    status,
    ...(first.code !== undefined && { code: first.code }),
    ...(first.source?.pointer !== undefined && { pointer: first.source.pointer }),
    ...(first.detail !== undefined && { detail: first.detail }),
  };
  const summary = summarize(errors, res.body);
  const text = errors.map((e) => `${e.code ?? ''} ${e.title ?? ''} ${e.detail ?? ''}`).join(' ') || res.body;

  if (status >= 300 && status < 400) {
    const location = header('location');
    return new KlaviyoError({
      ...base,
      kind: 'invalid_request',
      message:
        `${endpoint}: HTTP ${status} redirect${location ? ` to ${location.slice(0, 200)}` : ''}; the client does not follow redirects ` +
        '(they could carry the key elsewhere): set KLAVIYO_BASE_URL to the API address itself, https://a.klaviyo.com',
    });
  }
  if (status === 429) {
    const retryAfterSeconds = retryAfter(header('retry-after'), text);
    if (endpoint === CREATE_LIST_ENDPOINT && (retryAfterSeconds > DAILY_CAP_MIN_RETRY_AFTER_S || DAILY_TEXT.test(text))) {
      return new KlaviyoError({
        ...base,
        kind: 'daily_list_cap',
        retryAfterSeconds,
        message: `${endpoint}: the account's daily list-creation cap is reached (retry after ${retryAfterSeconds} s); reuse an existing list or wait`,
      });
    }
    return new KlaviyoError({
      ...base,
      kind: 'rate_limited',
      retryAfterSeconds,
      message: `${endpoint}: rate limited by Klaviyo (429), retry after ${retryAfterSeconds} s`,
    });
  }
  if (status >= 500) {
    const ra = header('retry-after');
    return new KlaviyoError({
      ...base,
      kind: 'transient',
      ...(ra !== undefined && { retryAfterSeconds: retryAfter(ra, '') }),
      message: `${endpoint}: Klaviyo server error HTTP ${status}${summary ? ` (${summary})` : ''}; retrying may help`,
    });
  }
  if (status === 401 || ((status === 400 || status === 403) && isCredentialsProblem(errors, text))) {
    return new KlaviyoError({
      ...base,
      kind: 'invalid_credentials',
      message: `${endpoint}: Klaviyo rejected the API key (HTTP ${status}${summary ? `: ${summary}` : ''}); check that the private key is correct and not revoked`,
    });
  }
  if (status === 403 && errors.some((e) => e.code === 'permission_denied')) {
    return new KlaviyoError({
      ...base,
      kind: 'missing_scope',
      message: `${endpoint}: the API key lacks a scope this call needs (403 permission_denied); ${scopeAdvice(endpoint)}`,
    });
  }
  if (endpoint === CREATE_LIST_ENDPOINT && status >= 400 && LIST_LIMIT_TEXT.test(text)) {
    return new KlaviyoError({
      ...base,
      kind: 'list_limit',
      message: `${endpoint}: the account has reached its maximum number of lists and segments (${summary}); delete unused lists or segments`,
    });
  }
  if (status === 404) {
    return new KlaviyoError({
      ...base,
      kind: 'not_found',
      message: `${endpoint}: not found (404${summary ? `: ${summary}` : ''}); the resource may have been deleted`,
    });
  }
  if (endpoint === BULK_IMPORT_ENDPOINT && status === 400) {
    const profileErrors = bulkProfileErrors(errors);
    if (profileErrors.length > 0) {
      const indexes = [...new Set(profileErrors.map((p) => p.index))];
      return new KlaviyoError({
        ...base,
        kind: 'validation',
        profileErrors,
        message:
          `${endpoint}: Klaviyo rejected the whole import because of ${indexes.length} invalid profile(s) ` +
          `at index ${indexes.slice(0, 10).join(', ')}${indexes.length > 10 ? ', …' : ''} (${summary}); fix or drop them and resend`,
      });
    }
  }
  return new KlaviyoError({
    ...base,
    kind: 'invalid_request',
    message: `${endpoint}: Klaviyo rejected the request (HTTP ${status}${summary ? `: ${summary}` : ''})`,
  });
}

/** A body that arrived with a 2xx status but is not what the spec promises. */
export function malformedSuccess(endpoint: string, status: number, problem: string): KlaviyoError {
  // Kind 'transient', not 'invalid_request': our request was accepted, so the fault is in what came back —
  // an edge proxy, a truncated body, or a server hiccup — and repeating the call may well return a good body.
  return new KlaviyoError({
    kind: 'transient',
    endpoint,
    status,
    message: `${endpoint}: HTTP ${status} response did not match the expected shape: ${problem}`,
  });
}

/** Which scopes to grant, named from the operation table (the sync needs Lists and Profiles full access, Segments read). */
function scopeAdvice(endpoint: string): string {
  const op = Object.values(OPERATIONS).find((o) => endpointName(o) === endpoint);
  return op
    ? `it needs ${op.scopes.join(', ')}: edit the private key's access in Klaviyo to grant them`
    : "check the private key's scopes in Klaviyo";
}

function networkError(code: string | undefined, message: string, endpoint: string): KlaviyoError {
  return new KlaviyoError({
    kind: 'transient',
    endpoint,
    ...(code !== undefined && { code }),
    message: `${endpoint}: network error${code ? ` ${code}` : ''} (${message}); retrying may help, and check KLAVIYO_BASE_URL if it persists`,
  });
}

function isHttpFailure(err: unknown): err is HttpFailure {
  return (
    typeof err === 'object' &&
    err !== null &&
    typeof (err as HttpFailure).status === 'number' &&
    typeof (err as HttpFailure).body === 'string' &&
    typeof (err as HttpFailure).headers === 'object'
  );
}

function isHtml(res: HttpFailure): boolean {
  const type = res.headers['content-type'] ?? '';
  return /text\/html/i.test(type) || res.headers['cf-mitigated'] !== undefined || /^\s*<(!doctype|html)/i.test(res.body);
}

function isCredentialsProblem(errors: JsonApiError[], text: string): boolean {
  if (errors.some((e) => e.code === 'not_authenticated' || e.code === 'authentication_failed')) return true;
  if (errors.some((e) => e.code === 'permission_denied')) return false;
  return CREDENTIALS_TEXT.test(text);
}

/** JSON:API `errors[]`, or [] when the body is not such a document. */
function parseErrors(body: string): JsonApiError[] {
  try {
    const parsed: unknown = JSON.parse(body);
    const errors = (parsed as { errors?: unknown } | null)?.errors;
    if (!Array.isArray(errors)) return [];
    return errors.filter((e): e is JsonApiError => typeof e === 'object' && e !== null);
  } catch {
    return [];
  }
}

function summarize(errors: JsonApiError[], body: string): string {
  if (errors.length === 0) {
    const snippet = body.replace(/\s+/g, ' ').trim().slice(0, 200);
    return snippet ? `body: ${snippet}` : '';
  }
  const parts = errors.slice(0, 5).map((e) => {
    // Klaviyo points auth and throttling errors at the document root (`/data/`): no help to a reader.
    const where = [e.source?.pointer, e.source?.parameter].find((w) => w && !/^\/data\/?$/.test(w));
    return `${e.code ?? 'error'}: ${e.detail ?? e.title ?? ''}${where ? ` at ${where}` : ''}`;
  });
  if (errors.length > 5) parts.push(`and ${errors.length - 5} more`);
  return parts.join('; ');
}

function bulkProfileErrors(errors: JsonApiError[]): ProfileError[] {
  const out: ProfileError[] = [];
  for (const e of errors) {
    const m = BULK_PROFILE_POINTER.exec(e.source?.pointer ?? '');
    if (!m) continue;
    const field = m[2]?.replace(/^attributes\//, '').replace(/\//g, '.');
    out.push({ index: Number(m[1]), ...(field ? { field } : {}), message: e.detail ?? e.title ?? e.code ?? 'invalid' });
  }
  return out;
}

/** Seconds from `Retry-After` (integer or HTTP date), else from "Expected available in N second(s)", else 1. */
function retryAfter(headerValue: string | undefined, text: string): number {
  if (headerValue !== undefined && headerValue.trim() !== '') {
    const seconds = Number(headerValue);
    if (Number.isFinite(seconds) && seconds >= 0) return Math.ceil(seconds);
    const date = Date.parse(headerValue);
    if (!Number.isNaN(date)) return Math.max(0, Math.ceil((date - Date.now()) / 1000));
  }
  const m = /available in (\d+) second/i.exec(text);
  return m ? Number(m[1]) : 1;
}

export function flattenHeaders(headers: Record<string, unknown> | undefined): Record<string, string | undefined> {
  const out: Record<string, string | undefined> = {};
  for (const [k, v] of Object.entries(headers ?? {})) {
    if (v !== undefined && v !== null) out[k.toLowerCase()] = Array.isArray(v) ? v.join(', ') : String(v);
  }
  return out;
}

function safeStringify(value: unknown): string {
  try {
    return JSON.stringify(value) ?? '';
  } catch {
    return String(value);
  }
}

