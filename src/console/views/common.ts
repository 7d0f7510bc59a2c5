/** Pieces every page uses: times, numbers, state badges, links to a run here and in the Temporal UI. */
import { html } from 'hono/html';
import { formatDuration } from '../../cli/format';
import type { RunLinkSettings } from '../../config';
import { consoleRunPath, temporalUiRunUrl } from '../../runLinks';
import type { ConsoleRun, RunState } from '../runHistory';

/** What each page is rendered with. */
export interface PageContext {
  /** The session's CSRF token, put in every form. */
  csrf: string;
  /** Runs waiting on a workflow action (the banner on every page). */
  pausedCount: number;
  namespace: string;
  links: RunLinkSettings;
  now: Date;
  /** Signed in with CONSOLE_TOKEN (so there is a Sign out button). */
  signedIn: boolean;
  /** One sentence when the sync-state store could not be read. */
  storeNotice?: string;
}

export const number = (n: number | undefined): string => (n === undefined ? '—' : n.toLocaleString('en-US'));

/** "2026-08-01 06:00 UTC": one zone for everyone reading the same page. */
export function utc(d: Date | string | undefined): string {
  if (!d) return '—';
  const iso = (typeof d === 'string' ? new Date(d) : d).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 16)} UTC`;
}

export function timeTag(d: Date | string | undefined) {
  if (!d) return '—';
  const iso = (typeof d === 'string' ? new Date(d) : d).toISOString();
  return html`<time datetime="${iso}">${utc(iso)}</time>`;
}

export function since(d: Date | string, now: Date): string {
  const seconds = Math.max(0, (now.getTime() - new Date(d).getTime()) / 1000);
  // Runs kept only by the store are weeks old: "40 days", not "960 h 00 min".
  return seconds >= 2 * 86_400 ? `${Math.floor(seconds / 86_400)} days` : formatDuration(seconds);
}

const STATE_LABELS: Record<RunState, string> = {
  running: 'Running',
  waiting_for_list: 'Waiting for the list',
  needs_action: 'Needs action',
  completed: 'Completed',
  failed: 'Failed',
  cancelled: 'Cancelled',
  terminated: 'Terminated',
  timed_out: 'Timed out',
  unreported: 'Ended without a report',
};

export function stateLabel(state: RunState): string {
  return STATE_LABELS[state] ?? state;
}

export function stateBadge(state: RunState) {
  return html`<span class="badge badge-${state}">${stateLabel(state)}</span>`;
}

export function runTitle(run: Pick<ConsoleRun, 'list' | 'dryRun'>): string {
  const list = run.list ? `“${run.list}”` : 'an unnamed list';
  return run.dryRun ? `Dry run of ${list}` : `Sync of ${list}`;
}

export function runLink(run: ConsoleRun) {
  return html`<a href="${consoleRunPath(run.workflowId)}">${runTitle(run)}</a>`;
}

export function temporalUiLink(ctx: PageContext, run: Pick<ConsoleRun, 'workflowId' | 'runId' | 'onlyInStore'>) {
  // Temporal no longer has a run only the store knows: no link to a page that is gone.
  const url = run.onlyInStore ? undefined : temporalUiRunUrl(ctx.links, ctx.namespace, run.workflowId, run.runId);
  return url
    ? html`<a href="${url}" target="_blank" rel="noopener noreferrer">Temporal UI<span class="visually-hidden"> (opens a new tab)</span></a>`
    : '';
}

export function csrfField(ctx: PageContext) {
  return html`<input type="hidden" name="_csrf" value="${ctx.csrf}">`;
}

/** A button that POSTs a form (state changes are never GETs). */
export function postButton(ctx: PageContext, action: string, label: string, opts: { className?: string; describedBy?: string } = {}) {
  return html`<form method="post" action="${action}" class="inline-form">${csrfField(ctx)}<button type="submit" class="${opts.className ?? 'button'}"${
    opts.describedBy ? html` aria-describedby="${opts.describedBy}"` : ''
  }>${label}</button></form>`;
}
