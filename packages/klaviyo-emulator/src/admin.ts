/**
 * The admin surface under /admin (only when the server was started with `admin`; loopback only, no auth, JSON in/out): keys, seeding, reading lists and
 * profiles, faults, caps, stats, reset. Tests and demos use it through EmulatorAdmin (adminClient.ts).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { BulkJobRunner } from './bulkJobRunner';
import { allScopes } from './catalog';
import { type FaultRegistry, type FaultSpec, faultSpecProblems } from './faults';
import { readBody, send } from './httpIo';
import { newPrivateKey } from './ids';
import type { RateLimiter } from './rateLimiter';
import { Router } from './router';
import type { Stats } from './stats';
import type { EmulatorState } from './store';

export interface AdminDeps {
  state: EmulatorState;
  limiter: RateLimiter;
  faults: FaultRegistry;
  jobs: BulkJobRunner;
  stats: Stats;
}

type Json = Record<string, unknown>;
interface AdminRequest {
  params: Record<string, string>;
  query: URLSearchParams;
  body: Json;
}
interface AdminRoute {
  method: string;
  template: string;
  handle(r: AdminRequest, d: AdminDeps): { status: number; body: unknown };
}

class AdminError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const ok = (body: unknown = { ok: true }) => ({ status: 200, body });
const accountOf = (v: unknown): string => {
  if (v === undefined) return 'default';
  if (typeof v !== 'string' || v === '') throw new AdminError(400, 'account must be a non-empty string');
  return v;
};
const LOOPBACK = new Set(['127.0.0.1', '::1', '::ffff:127.0.0.1']);

/** Creates a key for `account`; used by the admin route and by the CLI (EMULATOR_API_KEY). */
export function createKey(state: EmulatorState, account: string, scopes?: string[], key = newPrivateKey()): string {
  const known = new Set(allScopes());
  const unknown = (scopes ?? []).filter((s) => !known.has(s));
  if (unknown.length > 0) throw new AdminError(400, `unknown scopes: ${unknown.join(', ')}`);
  state.account(account);
  state.keys.set(key, { account, scopes: new Set(scopes ?? known) });
  return key;
}

function requireListId(d: AdminDeps, id: string) {
  const found = d.state.findList(id);
  if (!found) throw new AdminError(404, `no list ${id}`);
  return found;
}

function positiveInt(v: unknown, name: string, optional: boolean): number | undefined {
  if (v === undefined && optional) return undefined;
  if (!Number.isInteger(v) || (v as number) < 0) throw new AdminError(400, `${name} must be a non-negative integer`);
  return v as number;
}

const routes: AdminRoute[] = [
  {
    method: 'POST',
    template: '/admin/reset',
    handle(_r, d) {
      d.jobs.close();
      d.jobs.reopen();
      d.state.reset();
      d.limiter.reset();
      d.faults.clear();
      d.stats.reset();
      d.jobs.resetCounters();
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/admin/keys',
    handle({ body }, d) {
      if (body.scopes !== undefined && !(Array.isArray(body.scopes) && body.scopes.every((s) => typeof s === 'string'))) {
        throw new AdminError(400, 'scopes must be an array of strings');
      }
      return ok({ key: createKey(d.state, accountOf(body.account), body.scopes as string[] | undefined) });
    },
  },
  {
    method: 'DELETE',
    template: '/admin/keys/:key',
    handle({ params }, d) {
      if (!d.state.keys.delete(params.key!)) throw new AdminError(404, 'no such key');
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/admin/lists',
    handle({ body }, d) {
      const names = body.names;
      if (!Array.isArray(names) || !names.every((n) => typeof n === 'string' && n !== '')) throw new AdminError(400, 'names must be an array of non-empty strings');
      const acc = d.state.account(accountOf(body.account));
      return ok({ ids: (names as string[]).map((n) => d.state.createList(acc, n).id) });
    },
  },
  {
    method: 'GET',
    template: '/admin/lists',
    handle({ query }, d) {
      const acc = d.state.account(accountOf(query.get('account') ?? undefined));
      return ok({ lists: [...acc.lists.values()].map((l) => ({ id: l.id, name: l.name, memberCount: l.members.size })) });
    },
  },
  {
    method: 'DELETE',
    template: '/admin/lists/:id',
    handle({ params }, d) {
      const { account, list } = requireListId(d, params.id!);
      account.lists.delete(list.id);
      return ok();
    },
  },
  {
    method: 'GET',
    template: '/admin/lists/:id/members',
    handle({ params }, d) {
      const { account, list } = requireListId(d, params.id!);
      const emails = list.members
        .ids()
        .map((id) => account.profiles.get(id)?.attrs.email)
        .filter((e): e is string => typeof e === 'string')
        .sort();
      return ok({ emails });
    },
  },
  {
    method: 'POST',
    template: '/admin/segments',
    handle({ body }, d) {
      const count = positiveInt(body.count, 'count', false)!;
      if (body.namePrefix !== undefined && typeof body.namePrefix !== 'string') throw new AdminError(400, 'namePrefix must be a string');
      const prefix = (body.namePrefix as string | undefined) ?? 'Segment';
      const acc = d.state.account(accountOf(body.account));
      const ids = Array.from({ length: count }, (_, i) => d.state.createSegment(acc, `${prefix} ${i + 1}`).id);
      return ok({ ids });
    },
  },
  {
    method: 'GET',
    template: '/admin/profiles/:email',
    handle({ params, query }, d) {
      const acc = d.state.account(accountOf(query.get('account') ?? undefined));
      const p = acc.profiles.byEmailAddress(params.email!);
      if (!p) throw new AdminError(404, 'no such profile');
      return ok({ id: p.id, ...p.attrs });
    },
  },
  {
    // As if someone deleted the person in Klaviyo: the profile and its list memberships are gone.
    method: 'DELETE',
    template: '/admin/profiles/:email',
    handle({ params, query }, d) {
      const acc = d.state.account(accountOf(query.get('account') ?? undefined));
      const p = acc.profiles.byEmailAddress(params.email!);
      if (!p) throw new AdminError(404, 'no such profile');
      for (const list of acc.lists.values()) list.members.delete(p.id);
      acc.profiles.delete(p);
      return ok();
    },
  },
  {
    method: 'POST',
    template: '/admin/faults',
    handle({ body }, d) {
      const problems = faultSpecProblems(body as Partial<FaultSpec>);
      if (problems.length > 0) throw new AdminError(400, problems.join('; '));
      return ok({ id: d.faults.add(body as unknown as FaultSpec) });
    },
  },
  {
    method: 'DELETE',
    template: '/admin/faults',
    handle(_r, d) {
      d.faults.clear();
      return ok();
    },
  },
  {
    method: 'GET',
    template: '/admin/stats',
    handle(_r, d) {
      return ok({ ...d.stats.snapshot(), jobs: d.jobs.snapshot() });
    },
  },
  {
    method: 'POST',
    template: '/admin/limits',
    handle({ body }, d) {
      const acc = d.state.account(accountOf(body.account));
      const max = positiveInt(body.maxListsAndSegments, 'maxListsAndSegments', true);
      const daily = positiveInt(body.dailyListCreates, 'dailyListCreates', true);
      if (max !== undefined) acc.limits.maxListsAndSegments = max;
      if (daily !== undefined) acc.limits.dailyListCreates = daily;
      return ok({ limits: acc.limits });
    },
  },
];

const router = new Router<AdminRoute>(routes);

export async function handleAdmin(req: IncomingMessage, res: ServerResponse, url: URL, deps: AdminDeps): Promise<void> {
  const json = (status: number, body: unknown) => send(res, status, body, {}, 'application/json');
  try {
    if (!LOOPBACK.has(req.socket.remoteAddress ?? '')) throw new AdminError(403, 'the admin surface answers loopback callers only');
    const match = router.match(req.method ?? 'GET', url.pathname);
    if (!match || !('route' in match)) throw new AdminError(404, `no admin route ${req.method} ${url.pathname}`);
    const raw = await readBody(req);
    let body: Json = {};
    if (raw.length > 0) {
      const parsed = JSON.parse(raw.toString('utf8')) as unknown;
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) throw new AdminError(400, 'body must be a JSON object');
      body = parsed as Json;
    }
    const out = match.route.handle({ params: match.params, query: url.searchParams, body }, deps);
    json(out.status, out.body);
  } catch (e) {
    const status = e instanceof AdminError ? e.status : e instanceof SyntaxError ? 400 : 500;
    json(status, { error: (e as Error).message });
  }
}

/** The answer to /admin/* on a server started without the admin surface. */
export async function adminOff(res: ServerResponse): Promise<void> {
  send(res, 404, { error: 'the admin surface is off; start the emulator with --admin (or admin: true) to use it' }, {}, 'application/json');
}
