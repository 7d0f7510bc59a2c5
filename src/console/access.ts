/**
 * Who may use the console. Bound to loopback it is open to this machine only (and checks the Host header,
 * so a web page cannot reach it by DNS rebinding); bound anywhere else it needs CONSOLE_TOKEN, as a bearer
 * token or typed into the sign-in form (which sets an HttpOnly, SameSite=Strict session cookie). Every
 * state-changing request is a POST that carries the session's CSRF token and, when the browser sends an
 * Origin, comes from this console's own origin.
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import type { Flash } from './views/layout';

export const SESSION_COOKIE = 'audience_console_session';
const SESSION_IDLE_MS = 12 * 60 * 60_000;
const MAX_SESSIONS = 10_000;

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h) || h === '::ffff:127.0.0.1';
}

/** Why the console must not listen on `host`, in one sentence; undefined when it may. */
export function bindRefusal(host: string, token: string | undefined): string | undefined {
  if (isLoopbackHost(host) || token) return undefined;
  return (
    `Refusing to listen on ${host} without CONSOLE_TOKEN: anyone who can reach it could resolve runs and trigger schedules, ` +
    'so set CONSOLE_TOKEN to a long random secret (e.g. openssl rand -hex 32) or listen on --host 127.0.0.1.'
  );
}

export interface Session {
  id: string;
  csrf: string;
  signedIn: boolean;
  flash?: Flash;
  lastSeen: number;
}

export type ConsoleEnv = { Variables: { session: Session; bearer: boolean } };

const sha256 = (s: string) => createHash('sha256').update(s).digest();
const newSecret = () => randomBytes(32).toString('base64url');

export function sameSecret(given: string | undefined, expected: string): boolean {
  return given !== undefined && timingSafeEqual(sha256(given), sha256(expected));
}

export class Sessions {
  private readonly byId = new Map<string, Session>();

  constructor(private readonly secureCookie: boolean) {}

  /** The request's session, created (with its cookie) when it has none or an expired one. */
  load(c: Context): Session {
    const now = Date.now();
    const id = getCookie(c, SESSION_COOKIE);
    const existing = id ? this.byId.get(id) : undefined;
    if (existing && now - existing.lastSeen < SESSION_IDLE_MS) {
      existing.lastSeen = now;
      return existing;
    }
    if (existing) this.byId.delete(existing.id);
    return this.create(c, false);
  }

  /** A new id after signing in or out, so a session id seen before sign-in is worth nothing after it. */
  renew(c: Context, old: Session, signedIn: boolean): Session {
    this.byId.delete(old.id);
    return this.create(c, signedIn);
  }

  private create(c: Context, signedIn: boolean): Session {
    if (this.byId.size >= MAX_SESSIONS) this.byId.delete(this.byId.keys().next().value!);
    const session: Session = { id: newSecret(), csrf: newSecret(), signedIn, lastSeen: Date.now() };
    this.byId.set(session.id, session);
    setCookie(c, SESSION_COOKIE, session.id, { httpOnly: true, sameSite: 'Strict', path: '/', secure: this.secureCookie });
    c.set('session', session);
    return session;
  }
}

/** Paths open without signing in. */
const PUBLIC_PATHS = [/^\/login$/, /^\/assets\//, /^\/healthz$/];

export function accessControl(opts: { token?: string; sessions: Sessions }): MiddlewareHandler<ConsoleEnv> {
  return async (c, next) => {
    const host = c.req.header('host') ?? '';
    if (!opts.token && !isLoopbackHost(host.replace(/:\d+$/, ''))) {
      // Open on loopback only: a request naming another host came through a proxy or a rebound DNS name.
      return c.text('This console is open on loopback only; use http://127.0.0.1 (or set CONSOLE_TOKEN to serve it elsewhere).', 403);
    }
    const session = opts.sessions.load(c);
    c.set('session', session);
    const bearer = c.req.header('authorization')?.match(/^Bearer\s+(.+)$/i)?.[1];
    c.set('bearer', Boolean(opts.token && bearer && sameSecret(bearer, opts.token)));
    if (opts.token && bearer && !c.get('bearer')) return c.text('The bearer token is not this console\'s token.', 401);

    const signedIn = !opts.token || c.get('bearer') || session.signedIn;
    if (!signedIn && !PUBLIC_PATHS.some((p) => p.test(c.req.path))) {
      if (c.req.method === 'GET' && !c.req.query('fragment')) return c.redirect(`/login?next=${encodeURIComponent(c.req.path)}`, 303);
      return c.text('Sign in first.', 401);
    }
    if (c.req.method === 'POST' && !c.get('bearer')) {
      const refusal = await csrfRefusal(c, session, host);
      if (refusal) return c.text(refusal, 403);
    }
    await next();
  };
}

/** A cross-site POST carries neither this console's Origin nor the session's token. */
async function csrfRefusal(c: Context<ConsoleEnv>, session: Session, host: string): Promise<string | undefined> {
  const origin = c.req.header('origin');
  if (origin && origin !== 'null') {
    let originHost: string | undefined;
    try {
      originHost = new URL(origin).host;
    } catch {
      originHost = undefined;
    }
    if (originHost !== host) return 'This request came from another site; it was refused.';
  }
  const body = await c.req.parseBody();
  const token = typeof body._csrf === 'string' ? body._csrf : undefined;
  if (!sameSecret(token, session.csrf)) return 'The form has expired (or came from elsewhere); reload the page and try again.';
  return undefined;
}
