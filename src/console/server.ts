/**
 * The operators' console: a small server-rendered web application (Hono on Node) over Temporal.
 * Pages: Needs action (every paused run, its steps and a Resolve button), Runs (in progress with live
 * progress, completed, failed), one run (report, reject rows, CSV), Lists, Schedules. Reading goes
 * through RunHistory (Temporal today, the sync-state store later); changes through TemporalControl.
 */
import type { Readable } from 'node:stream';
import { Hono, type Context } from 'hono';
import { html } from 'hono/html';
import { secureHeaders } from 'hono/secure-headers';
import { parse } from 'csv-parse';
import type { RunLinkSettings } from '../config';
import { consoleRunPath } from '../runLinks';
import { accessControl, sameSecret, Sessions, type ConsoleEnv } from './access';
import { CONSOLE_CSS, CONSOLE_JS } from './assets';
import { ProgressTracker } from './progress';
import { ConsoleProblem, type ConsoleRun, type RunHistory } from './runHistory';
import type { Outcome, TemporalControl } from './temporalControl';
import type { PageContext } from './views/common';
import { layout, type Section } from './views/layout';
import { listRows, listsContent, schedulesContent } from './views/lists';
import { loginContent } from './views/login';
import { needsActionContent, needsActionList, runContent, runLive, runsContent, runsSections, type RejectPreview, type RunView } from './views/runs';

export interface ConsoleAppOptions {
  runs: RunHistory;
  control: Pick<TemporalControl, 'resolve' | 'schedules' | 'pauseSchedule' | 'unpauseSchedule' | 'triggerSchedule'>;
  namespace: string;
  links: RunLinkSettings;
  /** CONSOLE_TOKEN: required to sign in (and as a bearer token) when set. */
  token?: string;
  /** Send the session cookie over HTTPS only (when the console is reached at an https:// CONSOLE_URL). */
  secureCookie?: boolean;
  /** Where errors are described in full (the page shows one sentence without internals). */
  logError?: (message: string) => void;
}

const RECENT_RUNS = 100;
const REJECT_PREVIEW_ROWS = 25;

export function createConsoleApp(opts: ConsoleAppOptions): Hono<ConsoleEnv> {
  const app = new Hono<ConsoleEnv>();
  const sessions = new Sessions(opts.secureCookie ?? false);
  const progress = new ProgressTracker();

  const withProgress = (run: ConsoleRun): RunView =>
    run.status && run.state !== 'completed' && run.state !== 'failed' ? { ...run, progress: progress.track(run.runId, run.status, run.live) } : run;

  async function pageContext(c: Context<ConsoleEnv>, counted = true): Promise<PageContext> {
    return {
      csrf: c.get('session').csrf,
      pausedCount: counted ? await opts.runs.pausedCount().catch(() => 0) : 0,
      namespace: opts.namespace,
      links: opts.links,
      now: new Date(),
      signedIn: Boolean(opts.token) && c.get('session').signedIn,
      storeNotice: opts.runs.storeNotice(),
    };
  }

  /** A whole page, or with ?fragment=1 only its live part (for the refresh script). */
  async function page(c: Context<ConsoleEnv>, title: string, section: Section, render: (ctx: PageContext) => unknown, fragment?: (ctx: PageContext) => unknown) {
    const isFragment = Boolean(c.req.query('fragment')) && fragment;
    const ctx = await pageContext(c, !isFragment);
    if (isFragment) return c.html(String(await fragment(ctx)));
    const session = c.get('session');
    const flash = session.flash;
    session.flash = undefined;
    return c.html(layout({ title, section, ctx, flash, body: render(ctx) }));
  }

  function afterPost(c: Context<ConsoleEnv>, outcome: Outcome, to: string) {
    c.get('session').flash = outcome;
    return c.redirect(to, 303);
  }

  app.use(
    secureHeaders({
      contentSecurityPolicy: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        baseUri: ["'none'"],
      },
      referrerPolicy: 'same-origin',
    }),
  );
  app.get('/healthz', (c) => c.text('ok'));
  app.get('/assets/console.css', (c) => c.body(CONSOLE_CSS, 200, { 'content-type': 'text/css; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.get('/assets/console.js', (c) => c.body(CONSOLE_JS, 200, { 'content-type': 'text/javascript; charset=utf-8', 'cache-control': 'max-age=300' }));
  app.use(accessControl({ token: opts.token, sessions }));

  app.get('/', async (c) => c.redirect((await opts.runs.pausedCount().catch(() => 0)) > 0 ? '/needs-action' : '/runs', 303));

  app.get('/needs-action', async (c) => {
    const runs = (await opts.runs.pausedRuns()).map(withProgress);
    return page(c, 'Needs action', 'needs-action', (ctx) => needsActionContent(ctx, runs), (ctx) => needsActionList(ctx, runs));
  });

  app.get('/runs', async (c) => {
    const runs = (await opts.runs.recentRuns(RECENT_RUNS)).map(withProgress);
    return page(c, 'Runs', 'runs', (ctx) => runsContent(ctx, runs), (ctx) => runsSections(ctx, runs));
  });

  app.get('/runs/:id', async (c) => {
    const found = await opts.runs.run(c.req.param('id'));
    if (!found) return notFound(c, `No audience sync run has the workflow id '${c.req.param('id')}'.`);
    const run = withProgress(found);
    const rejects = c.req.query('fragment') ? undefined : await rejectPreview(await opts.runs.rejectRows(run));
    return page(c, run.list ?? run.workflowId, 'runs', (ctx) => runContent(ctx, run, rejects), (ctx) => runLive(ctx, run));
  });

  app.get('/runs/:id/rejects.csv', async (c) => {
    const run = await opts.runs.run(c.req.param('id'));
    const stream = run && (await opts.runs.rejectRows(run));
    if (!run || !stream) return notFound(c, 'This run has no reject report to download: only a completed run has one, read from the sync-state store.');
    const name = `rejects-${run.workflowId.replace(/[^A-Za-z0-9._-]+/g, '_')}.csv`;
    return new Response(webStream(stream), {
      headers: { 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="${name}"` },
    });
  });

  app.post('/runs/:id/resolve', async (c) => {
    const id = c.req.param('id');
    return afterPost(c, await opts.control.resolve(id), consoleRunPath(id));
  });

  app.get('/lists', async (c) => {
    const [runs, schedules, stored] = await Promise.all([opts.runs.recentRuns(RECENT_RUNS), opts.control.schedules(), opts.runs.storedLists()]);
    const rows = listRows(runs, schedules, stored);
    return page(c, 'Lists', 'lists', (ctx) => listsContent(ctx, rows));
  });

  app.get('/schedules', async (c) => {
    const schedules = await opts.control.schedules();
    return page(c, 'Schedules', 'schedules', (ctx) => schedulesContent(ctx, schedules));
  });

  app.post('/schedules/:id/:verb{pause|unpause|trigger}', async (c) => {
    const id = c.req.param('id');
    const verb = c.req.param('verb');
    const outcome =
      verb === 'pause'
        ? await opts.control.pauseSchedule(id)
        : verb === 'unpause'
          ? await opts.control.unpauseSchedule(id)
          : await opts.control.triggerSchedule(id);
    return afterPost(c, outcome, '/schedules');
  });

  app.get('/login', (c) => {
    if (!opts.token || c.get('session').signedIn) return c.redirect('/', 303);
    return c.html(layout({ title: 'Sign in', section: 'login', body: loginContent(c.get('session').csrf, safeNext(c.req.query('next')), false) }));
  });

  app.post('/login', async (c) => {
    if (!opts.token) return c.redirect('/', 303);
    const body = await c.req.parseBody();
    const next = safeNext(typeof body.next === 'string' ? body.next : undefined);
    if (!sameSecret(typeof body.token === 'string' ? body.token : undefined, opts.token)) {
      // A wrong guess costs a second.
      await new Promise((r) => setTimeout(r, 1000));
      return c.html(layout({ title: 'Sign in', section: 'login', body: loginContent(c.get('session').csrf, next, true) }), 401);
    }
    sessions.renew(c, c.get('session'), true);
    return c.redirect(next, 303);
  });

  app.post('/logout', (c) => {
    sessions.renew(c, c.get('session'), false);
    return c.redirect(opts.token ? '/login' : '/', 303);
  });

  app.notFound((c) => notFound(c, 'There is no such page in this console.'));
  app.onError((err, c) => {
    (opts.logError ?? console.error)(`console: ${c.req.method} ${c.req.path} failed: ${err.stack ?? err.message}`);
    // The page gets one sentence, never the error itself (it may name hosts or settings), unless the console wrote it.
    const message =
      err instanceof ConsoleProblem
        ? err.message
        : 'Temporal did not answer as expected, so this page could not be shown; the console’s log says why. Try again in a moment.';
    if (c.req.query('fragment')) return c.text(message, 502);
    return c.html(layout({ title: 'Temporal did not answer', section: 'runs', body: messagePage('Temporal did not answer', message) }), 502);
  });
  return app;
}

function notFound(c: Context, message: string) {
  return c.html(layout({ title: 'Not found', section: 'runs', body: messagePage('Not found', message) }), 404);
}

function messagePage(title: string, message: string) {
  return html`<h1>${title}</h1><p>${message}</p><p><a href="/needs-action">Needs action</a> · <a href="/runs">Runs</a></p>`;
}

/** Only a path on this console: never another site (open redirect). */
function safeNext(next: string | undefined): string {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

async function rejectPreview(stream: Readable | undefined): Promise<RejectPreview | undefined> {
  if (!stream) return undefined;
  const parser = stream.pipe(parse({ relax_column_count: true, to_line: REJECT_PREVIEW_ROWS + 2 }));
  const records: string[][] = [];
  for await (const record of parser) records.push(record as string[]);
  stream.destroy();
  const [header = [], ...rows] = records;
  return { header, rows: rows.slice(0, REJECT_PREVIEW_ROWS), more: rows.length > REJECT_PREVIEW_ROWS };
}

function webStream(stream: Readable): ReadableStream {
  return new ReadableStream({
    async start(controller) {
      for await (const chunk of stream) controller.enqueue(chunk);
      controller.close();
    },
    cancel() {
      stream.destroy();
    },
  });
}
