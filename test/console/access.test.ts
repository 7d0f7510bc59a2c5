/**
 * Who may use the console and how a state change must arrive, on the console app itself (its HTTP layer,
 * with a recorded run source standing in for Temporal): loopback-only without a token, DNS rebinding
 * refused, sign-in with CONSOLE_TOKEN (form or bearer), CSRF token and Origin on every POST, no open
 * redirect after sign-in. Binding off loopback without a token is refused by the real binary.
 */
import { describe, expect, it } from 'vitest';
import { bindRefusal, isLoopbackHost, SESSION_COOKIE } from '../../src/console/access';
import { createConsoleApp } from '../../src/console/server';
import type { ConsoleRun, RunHistory } from '../../src/console/runHistory';
import type { Outcome } from '../../src/console/temporalControl';
import { emptyCounts } from '../../src/shared';
import { ONE_SENTENCE, runCliProcess } from '../cli/cliProcess';

const TOKEN = 'a-console-token-of-32-characters!';

const paused: ConsoleRun = {
  workflowId: 'audience-sync-vip-1',
  runId: 'r1',
  state: 'needs_action',
  list: 'VIP <b>',
  dryRun: false,
  startedAt: new Date('2026-08-01T06:00:00Z'),
  status: {
    state: 'needs_action',
    step: 'validating_credential',
    dryRun: false,
    listName: 'VIP <b>',
    counts: emptyCounts(),
    startedAt: '2026-08-01T06:00:00Z',
    action: {
      code: 'invalid_credentials',
      title: 'Klaviyo rejected the API key',
      message: 'Klaviyo did not accept the API key for credential "default"',
      steps: ['Open Settings > API keys.', 'Send Resolve.'],
      since: '2026-08-01T06:00:03Z',
    },
  },
};

function consoleApp(token?: string) {
  const resolved: string[] = [];
  const runs: RunHistory = {
    recentRuns: async () => [paused],
    pausedRuns: async () => [paused],
    pausedCount: async () => 1,
    run: async (id) => (id === paused.workflowId ? paused : undefined),
    rejectRows: async () => undefined,
    storedLists: async () => [],
    storeNotice: () => undefined,
  };
  const done = (message: string): Outcome => ({ ok: true, message });
  const app = createConsoleApp({
    runs,
    control: {
      resolve: async (id) => (resolved.push(id), done('Resolve sent.')),
      schedules: async () => [],
      pauseSchedule: async () => done('Paused.'),
      unpauseSchedule: async () => done('Unpaused.'),
      triggerSchedule: async () => done('Triggered.'),
    },
    namespace: 'default',
    links: {},
    token,
  });
  return { app, resolved };
}

type App = ReturnType<typeof consoleApp>['app'];

/** A browser's cookie jar of one: the session cookie, and the CSRF token of the last page read. */
class Browser {
  cookie = '';
  csrf = '';
  constructor(
    private readonly app: App,
    private readonly host = '127.0.0.1:8090',
  ) {}

  async request(path: string, init: RequestInit & { form?: Record<string, string> } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    headers.set('host', this.host);
    if (this.cookie) headers.set('cookie', this.cookie);
    let body = init.body;
    if (init.form) {
      headers.set('content-type', 'application/x-www-form-urlencoded');
      body = new URLSearchParams(init.form).toString();
    }
    const res = await this.app.request(`http://${this.host}${path}`, { ...init, headers, body });
    const set = res.headers.get('set-cookie');
    if (set?.startsWith(`${SESSION_COOKIE}=`)) this.cookie = set.split(';')[0]!;
    const text = await res.clone().text();
    this.csrf = /name="_csrf" value="([^"]+)"/.exec(text)?.[1] ?? this.csrf;
    return res;
  }
}

describe('a console on loopback (no CONSOLE_TOKEN)', () => {
  it('shows the paused run with its steps, escaping what came from outside', async () => {
    const b = new Browser(consoleApp().app);
    const res = await b.request('/needs-action');
    expect(res.status).toBe(200);
    const page = await res.text();
    expect(page).toContain('<h2 id="action-audience-sync-vip-1">Klaviyo rejected the API key</h2>');
    expect(page).toContain('<li>Open Settings &gt; API keys.</li>');
    expect(page).toContain('VIP &lt;b&gt;');
    expect(page).not.toContain('VIP <b>');
    expect(res.headers.get('set-cookie')).toMatch(/HttpOnly/i);
    expect(res.headers.get('set-cookie')).toMatch(/SameSite=Strict/i);
    expect(res.headers.get('content-security-policy')).toContain("script-src 'self'");
  });

  it('resolves only with the page’s CSRF token and from its own origin', async () => {
    const { app, resolved } = consoleApp();
    const b = new Browser(app);
    await b.request('/needs-action');
    const path = `/runs/${paused.workflowId}/resolve`;
    expect((await b.request(path, { method: 'POST', form: {} })).status).toBe(403);
    expect((await b.request(path, { method: 'POST', form: { _csrf: 'not-the-token' } })).status).toBe(403);
    const crossSite = await b.request(path, { method: 'POST', form: { _csrf: b.csrf }, headers: { origin: 'https://evil.example' } });
    expect(crossSite.status).toBe(403);
    expect(resolved).toEqual([]);
    const ok = await b.request(path, { method: 'POST', form: { _csrf: b.csrf }, headers: { origin: 'http://127.0.0.1:8090' } });
    expect(ok.status).toBe(303);
    expect(ok.headers.get('location')).toBe(`/runs/${paused.workflowId}`);
    expect(resolved).toEqual([paused.workflowId]);
    // The outcome is shown once, on the page the operator lands on.
    expect(await (await b.request(ok.headers.get('location')!)).text()).toContain('Resolve sent.');
    expect(await (await b.request(`/runs/${paused.workflowId}`)).text()).not.toContain('Resolve sent.');
  });

  it('refuses a request naming another host (DNS rebinding)', async () => {
    const b = new Browser(consoleApp().app, 'attacker.example:8090');
    expect((await b.request('/runs')).status).toBe(403);
  });

  it('is open to this machine only: binding elsewhere needs CONSOLE_TOKEN', () => {
    for (const host of ['127.0.0.1', 'localhost', '::1', '[::1]', '127.0.0.2']) expect(isLoopbackHost(host)).toBe(true);
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'console.internal']) expect(isLoopbackHost(host)).toBe(false);
    expect(bindRefusal('127.0.0.1', undefined)).toBeUndefined();
    expect(bindRefusal('0.0.0.0', TOKEN)).toBeUndefined();
    expect(bindRefusal('0.0.0.0', undefined)).toMatch(/^Refusing to listen on 0\.0\.0\.0 without CONSOLE_TOKEN/);
  });
});

describe('a console with CONSOLE_TOKEN', () => {
  it('sends a browser to sign in, and signs in with the token only', async () => {
    const b = new Browser(consoleApp(TOKEN).app, 'console.internal:8090');
    const first = await b.request('/needs-action');
    expect(first.status).toBe(303);
    expect(first.headers.get('location')).toBe('/login?next=%2Fneeds-action');
    const login = await b.request('/login?next=%2Fneeds-action');
    expect(await login.text()).toContain('<label for="token">Access token</label>');
    const before = b.cookie;
    const wrong = await b.request('/login', { method: 'POST', form: { _csrf: b.csrf, token: 'wrong', next: '/needs-action' } });
    expect(wrong.status).toBe(401);
    const right = await b.request('/login', { method: 'POST', form: { _csrf: b.csrf, token: TOKEN, next: '/needs-action' } });
    expect(right.status).toBe(303);
    expect(right.headers.get('location')).toBe('/needs-action');
    // A new session id on sign-in: one known before it is worth nothing.
    expect(b.cookie).not.toBe(before);
    expect((await b.request('/needs-action')).status).toBe(200);
  });

  it('never redirects off the console after sign-in', async () => {
    const b = new Browser(consoleApp(TOKEN).app, 'console.internal:8090');
    await b.request('/login');
    const res = await b.request('/login', { method: 'POST', form: { _csrf: b.csrf, token: TOKEN, next: '//evil.example/x' } });
    expect(res.headers.get('location')).toBe('/');
  });

  it('takes the token as a bearer (scripts need no session or CSRF token), and refuses a wrong one', async () => {
    const { app, resolved } = consoleApp(TOKEN);
    const b = new Browser(app, 'console.internal:8090');
    expect((await b.request('/runs?fragment=1', { headers: { authorization: `Bearer ${TOKEN}` } })).status).toBe(200);
    expect((await b.request('/runs', { headers: { authorization: 'Bearer nope' } })).status).toBe(401);
    expect((await b.request('/runs?fragment=1')).status).toBe(401);
    const res = await b.request(`/runs/${paused.workflowId}/resolve`, { method: 'POST', headers: { authorization: `Bearer ${TOKEN}` } });
    expect(res.status).toBe(303);
    expect(resolved).toEqual([paused.workflowId]);
  });
});

describe('klaviyo-audience-sync console', () => {
  it('refuses to listen beyond loopback without CONSOLE_TOKEN: one sentence, exit 2', async () => {
    const r = await runCliProcess(['console', '--host', '0.0.0.0', '--port', '0'], { CONSOLE_TOKEN: '' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toContain('CONSOLE_TOKEN');
  });

  it('refuses a short CONSOLE_TOKEN', async () => {
    const r = await runCliProcess(['console', '--host', '0.0.0.0', '--port', '0'], { CONSOLE_TOKEN: 'short' });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toContain('at least 16 characters');
  });
});
