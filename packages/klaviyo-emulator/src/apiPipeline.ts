/**
 * The path of one /api request: faults -> route -> auth -> revision -> scopes -> rate limit -> body and
 * query checks against the spec -> handler. Every error leaves as a JSON:API error document.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate, checkRevision, requireScopes } from './auth';
import type { BulkJobRunner } from './bulkJobRunner';
import { operationFacts, type RateSpec } from './catalog';
import { type ActiveFault, CLOUDFLARE_CHALLENGE_HTML, type FaultRegistry } from './faults';
import { BodyTooLarge, readBody, send } from './httpIo';
import { ApiError, type ErrorEntry, errorDocument, notFound, serverError, throttled } from './jsonapi';
import type { RateLimiter } from './rateLimiter';
import { type ApiRoute, type RequestContext, Router } from './router';
import { queryIssues, requestBodyIssues } from './specValidation';
import type { Stats } from './stats';
import type { Account, EmulatorState } from './store';
import { accountRoutes } from './routes/accounts';
import { bulkJobRoutes } from './routes/bulkJobs';
import { listMemberRoutes } from './routes/listMembers';
import { listRoutes } from './routes/lists';
import { profileRoutes } from './routes/profiles';
import { segmentRoutes } from './routes/segments';

export interface PipelineDeps {
  state: EmulatorState;
  limiter: RateLimiter;
  faults: FaultRegistry;
  jobs: BulkJobRunner;
  stats: Stats;
  log: boolean;
}

const router = new Router<ApiRoute>([...accountRoutes, ...listRoutes, ...listMemberRoutes, ...segmentRoutes, ...profileRoutes, ...bulkJobRoutes]);

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}

/** The limits for this request: the spec's, a slower query variant's, or the account's daily override. */
function effectiveRate(route: ApiRoute, query: URLSearchParams, account: Account): { bucket: string; rate: RateSpec; absoluteDaily: boolean } {
  const facts = operationFacts(route.method, route.template);
  const variant = facts.variants.find((v) => query.get(v.param)?.split(',').includes(v.value));
  const base = `${account.name} ${route.method} ${route.template}`;
  if (variant) return { bucket: `${base}?${variant.param}=${variant.value}`, rate: variant.rate, absoluteDaily: false };
  const override = route.method === 'POST' && route.template === '/api/lists' ? account.limits.dailyListCreates : undefined;
  if (override !== undefined) return { bucket: base, rate: { ...facts.rate, daily: override }, absoluteDaily: true };
  return { bucket: base, rate: facts.rate, absoluteDaily: false };
}

function badRequest(entries: ErrorEntry[]): ApiError {
  return new ApiError(400, entries);
}

export class ApiPipeline {
  constructor(private readonly deps: PipelineDeps) {}

  async handle(req: IncomingMessage, res: ServerResponse, url: URL, baseUrl: string): Promise<void> {
    const { stats, faults } = this.deps;
    const method = req.method ?? 'GET';
    const match = router.match(method, url.pathname);
    const route = match && 'route' in match ? match : undefined;
    stats.call(`${method} ${route ? route.route.template : url.pathname}`);
    const { latencyMs, answer } = faults.take(`${method} ${url.pathname}`);
    if (latencyMs > 0) await sleep(latencyMs);
    if (answer) return this.applyFault(answer, req, res);
    let rateHeaders: Record<string, string> = {};
    let status: number;
    try {
      if (!match) throw notFound(`No route matches ${method} ${url.pathname}.`);
      if (!route) throw new ApiError(405, [{ code: 'method_not_allowed', title: 'Method not allowed.', detail: `Method "${method}" not allowed.` }]);
      const ctx = await this.prepare(req, url, baseUrl, route.route, route.params, (h) => (rateHeaders = h));
      const reply = await route.route.handle(ctx);
      status = reply.status;
      send(res, reply.status, reply.body, { ...rateHeaders, ...reply.headers });
    } catch (err) {
      const e = err instanceof ApiError ? err : this.unexpected(err);
      status = e.status;
      send(res, e.status, errorDocument(e.status, e.entries), { ...(e.status === 429 ? {} : rateHeaders), ...e.headers });
    }
    stats.status(status);
    if (this.deps.log) console.log(`${method} ${url.pathname} -> ${status}`);
  }

  /** Auth, revision, scopes, rate limit, then the body and query checks; returns the handler context. */
  private async prepare(
    req: IncomingMessage,
    url: URL,
    baseUrl: string,
    route: ApiRoute,
    params: Record<string, string>,
    setRateHeaders: (h: Record<string, string>) => void,
  ): Promise<RequestContext> {
    const { state, limiter } = this.deps;
    const key = authenticate(state, req.headers.authorization);
    checkRevision(req.headers.revision as string | undefined);
    requireScopes(key, operationFacts(route.method, route.template).scopes);
    const account = state.account(key.account);
    const { bucket, rate, absoluteDaily } = effectiveRate(route, url.searchParams, account);
    const decision = limiter.take(bucket, rate, Date.now(), absoluteDaily);
    if (!decision.ok) {
      this.deps.stats.throttled();
      throw throttled(decision.retryAfterSeconds);
    }
    setRateHeaders({
      'RateLimit-Limit': String(decision.limit),
      'RateLimit-Remaining': String(decision.remaining),
      'RateLimit-Reset': String(decision.resetSeconds),
    });
    const raw = await readBody(req).catch((e: unknown) => {
      if (e instanceof BodyTooLarge) throw new ApiError(413, [{ code: 'request_too_large', title: 'Request too large.', detail: e.message }]);
      throw e;
    });
    requireJsonMediaType(raw, req.headers['content-type']);
    const body = parseJson(raw);
    const qIssues = queryIssues(route.method, route.template, url.searchParams);
    if (qIssues.length > 0) {
      throw badRequest(
        qIssues.map((i) => ({
          code: 'invalid',
          title: 'Invalid input.',
          detail: i.parameter === 'filter' ? 'Invalid filter provided' : i.message,
          source: { parameter: i.parameter },
        })),
      );
    }
    if (!route.skipBodyValidation) {
      const bIssues = requestBodyIssues(route.method, route.template, body);
      if (bIssues.length > 0) throw badRequest(bIssues.map((i) => ({ code: 'invalid', title: 'Invalid input.', detail: i.message, source: { pointer: i.pointer } })));
    }
    return {
      method: route.method,
      template: route.template,
      params,
      query: url.searchParams,
      body,
      bodyBytes: raw.length,
      account,
      state,
      jobs: this.deps.jobs,
      faults: this.deps.faults,
      baseUrl,
      selfUrl: selfLink(baseUrl, url),
      req,
    };
  }

  private applyFault(f: ActiveFault, req: IncomingMessage, res: ServerResponse): void {
    const { stats } = this.deps;
    if (f.kind === 'reset') {
      stats.status('reset');
      req.socket.destroy();
      return;
    }
    if (f.kind === 'html') {
      stats.status(403);
      send(res, 403, CLOUDFLARE_CHALLENGE_HTML, { 'cf-mitigated': 'challenge' }, 'text/html; charset=UTF-8');
      return;
    }
    const status = f.status ?? 500;
    const e = injectedError(status, f.retryAfter);
    const headers = { ...e.headers, ...(f.retryAfter !== undefined && status !== 429 ? { 'Retry-After': String(f.retryAfter) } : {}) };
    stats.status(status);
    send(res, status, errorDocument(status, e.entries), headers);
  }

  private unexpected(err: unknown): ApiError {
    console.error('emulator: unexpected error', err);
    return serverError(500);
  }
}

/** The body Klaviyo would send with an injected status (auth statuses get the auth bodies). */
function injectedError(status: number, retryAfter: number | undefined): ApiError {
  if (status === 429) return throttled(Math.max(1, retryAfter ?? 1));
  if (status >= 500) return serverError(status);
  const [code, title] =
    status === 401
      ? ['authentication_failed', 'Incorrect authentication credentials.']
      : status === 403
        ? ['permission_denied', 'You do not have permission to perform this action.']
        : ['invalid', 'Invalid input.'];
  return new ApiError(status, [{ code, title, detail: title }]);
}

/** links.self: the request URL with its query re-serialised, so brackets are percent-encoded (a valid URI). */
function selfLink(baseUrl: string, url: URL): string {
  const query = url.searchParams.toString();
  return `${baseUrl}${url.pathname}${query ? `?${query}` : ''}`;
}

/** JSON:API media types a body may be sent as (Klaviyo also accepts plain JSON, as integrations send it). */
const JSON_MEDIA_TYPES = new Set(['application/vnd.api+json', 'application/json']);

/**
 * A body in any other media type (or none) is refused before parsing, as Klaviyo's Django REST framework
 * stack does: 415 `unsupported_media_type`. Without this, a client that lost its Content-Type would pass here.
 */
function requireJsonMediaType(raw: Buffer, contentType: string | undefined): void {
  if (raw.length === 0) return;
  const type = (contentType ?? '').split(';')[0]!.trim().toLowerCase();
  if (JSON_MEDIA_TYPES.has(type)) return;
  throw new ApiError(415, [
    {
      code: 'unsupported_media_type',
      title: 'Unsupported media type.',
      detail: `Unsupported media type "${type}" in request.`,
      source: { pointer: '/data/' },
    },
  ]);
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8')) as unknown;
  } catch (e) {
    throw new ApiError(400, [{ code: 'parse_error', title: 'Parse error.', detail: `JSON parse error - ${(e as Error).message}`, source: { pointer: '/' } }]);
  }
}
