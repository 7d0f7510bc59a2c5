/** Needs action, Runs and one run's page. */
import { html } from 'hono/html';
import { formatDuration, stepLabel } from '../../cli/format';
import { consoleRunPath } from '../../runLinks';
import type { SyncCounts, SyncReport, WorkflowAction } from '../../shared';
import type { Progress } from '../progress';
import type { PhaseWithRate } from '../../progress/rate';
import type { ConsoleRun } from '../runHistory';
import {
  number,
  postButton,
  runLink,
  runTitle,
  since,
  stateBadge,
  stateLabel,
  temporalUiLink,
  timeTag,
  type PageContext,
} from './common';

/** A run with what the console worked out for it. */
export interface RunView extends ConsoleRun {
  progress?: Progress;
}

/** `backticked` parts of the failure table's text are commands: shown as code. */
function withCode(text: string) {
  return text.split('`').map((part, i) => (i % 2 ? html`<code>${part}</code>` : part));
}

const resolvePath = (run: ConsoleRun) => `${consoleRunPath(run.workflowId)}/resolve`;

function actionCard(ctx: PageContext, run: ConsoleRun, action: WorkflowAction, headingLevel: 'h2' | 'h3') {
  const id = `action-${encodeURIComponent(run.workflowId).replace(/[^A-Za-z0-9_-]/g, '_')}`;
  // On the run's own page (h3) the card does not link to the page it is on.
  const onRunPage = headingLevel === 'h3';
  const heading = onRunPage ? html`<h3 id="${id}">${action.title}</h3>` : html`<h2 id="${id}">${action.title}</h2>`;
  return html`<article class="action-card" aria-labelledby="${id}">
  ${heading}
  <p class="meta">${onRunPage ? 'Paused' : html`${runLink(run)} · paused`} while ${stepLabel(run.status?.step ?? '', run.status ?? {})} · waiting for <strong>${since(action.since, ctx.now)}</strong> (since ${timeTag(action.since)}) · action <code>${action.code}</code></p>
  <p class="message">${withCode(action.message)}</p>
  <p class="steps-heading"><strong>What to do</strong></p>
  <ol class="steps">${action.steps.map((step) => html`<li>${withCode(step)}</li>`)}</ol>
  <div class="card-actions">
    ${postButton(ctx, resolvePath(run), 'Resolve', { className: 'button button-primary', describedBy: id })}
    <span class="hint">Fix the cause first (the steps above); Resolve then repeats the step that stopped.</span>
    <span class="links">${onRunPage ? '' : html`<a href="${consoleRunPath(run.workflowId)}">Run details</a> `}${temporalUiLink(ctx, run)}</span>
  </div>
</article>`;
}

export function needsActionContent(ctx: PageContext, runs: RunView[]) {
  return html`<h1>Needs action</h1>
<p class="lede">Runs paused on a workflow action. Each waits, keeping its place, until its cause is fixed and someone presses Resolve.</p>
<div data-live="/needs-action?fragment=1" data-every="5000">${needsActionList(ctx, runs)}</div>`;
}

export function needsActionList(ctx: PageContext, runs: RunView[]) {
  if (!runs.length) {
    return html`<p class="empty">No run needs action. When a run pauses (a rejected API key, a full account, a large removal) it appears here with the steps that fix it.</p>`;
  }
  return runs.map((run) =>
    run.status?.action
      ? actionCard(ctx, run, run.status.action, 'h2')
      : html`<article class="action-card"><h2>${runTitle(run)}</h2><p>No worker answered this run's status query, so its action is unknown. Is a worker polling the task queue?</p></article>`,
  );
}

/** One phase: its bar when the share done is known, and "12,000 / 80,000 (15%)" (its unit in the label). */
function phaseBar(p: PhaseWithRate, label: string) {
  const percent = p.fraction === null ? null : Math.floor(p.fraction * 100);
  return html`${percent !== null ? html`<progress max="100" value="${percent}" aria-label="${label}">${percent}%</progress>` : ''}
  <span class="progress-text">${number(p.done)}${p.total !== null ? ` / ${number(p.total)}` : ''}${percent !== null ? ` (${percent}%)` : ''}</span>`;
}

/** What a phase counts, as a caption: "profiles sent", and its detail ("3 of 8 import jobs complete"). */
const phaseCaption = (p: PhaseWithRate) => `${p.label}: ${p.unit} ${p.verb}${p.detail ? ` · ${p.detail}` : ''}`;

function progressCell(p: Progress | undefined, runName: string) {
  if (!p) return html`<span class="muted">—</span>`;
  return html`<span class="small">${p.phase.label}</span><br>${phaseBar(p.phase, `${p.phase.label}, ${runName}`)}`;
}

/** Every phase started so far, the running one with its rate and ETA. */
function phaseBlocks(p: Progress) {
  return p.phases.map(
    (phase) => html`<div class="progress-block" data-phase="${phase.name}">
    <p class="phase-label">${phaseCaption(phase)}</p>
    ${phaseBar(phase, phase.label)}
    <p class="rate">${
      phase.active
        ? html`Rate <strong>${phase.rate === '-' ? '—' : `${phase.rate} ${phase.unit}/s`}</strong> · ETA <strong>${phase.eta}</strong>`
        : 'Done'
    }</p></div>`,
  );
}

/** The run's link and workflow id, and whether Temporal still has it. */
function runCell(run: RunView) {
  return html`${runLink(run)}<br><span class="small muted">${run.workflowId}</span>${
    run.onlyInStore ? html`<br><span class="small muted">past Temporal’s retention: from the sync-state store</span>` : ''
  }`;
}

const apiCallTotal = (counts: SyncCounts) => Object.values(counts.apiCalls).reduce((a, b) => a + b, 0);

function durationOf(run: ConsoleRun, now: Date): string {
  if (run.report) return formatDuration(run.report.durationMs / 1000);
  return since(run.startedAt, run.closedAt ?? now);
}

function openRunsTable(ctx: PageContext, runs: RunView[]) {
  if (!runs.length) return html`<p class="empty">No run is in progress.</p>`;
  return html`<table>
  <caption class="visually-hidden">Runs in progress</caption>
  <thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Step</th><th scope="col">Progress</th><th scope="col">Rate</th><th scope="col">ETA</th><th scope="col">Started</th></tr></thead>
  <tbody>${runs.map(
    (run) => html`<tr>
    <th scope="row">${runCell(run)}</th>
    <td>${stateBadge(run.state)}</td>
    <td>${run.status ? stepLabel(run.status.step, run.status) : html`<span class="muted">no worker answered</span>`}</td>
    <td class="progress-cell">${progressCell(run.progress, runTitle(run))}</td>
    <td>${run.progress?.phase.active && run.progress.phase.rate !== '-' ? html`${run.progress.phase.rate} ${run.progress.phase.unit}/s` : '—'}</td>
    <td>${run.progress?.phase.active ? run.progress.phase.eta : '—'}</td>
    <td>${timeTag(run.startedAt)}<br><span class="small muted">${since(run.startedAt, ctx.now)} ago</span></td>
  </tr>`,
  )}</tbody>
</table>`;
}

function completedRunsTable(runs: RunView[]) {
  if (!runs.length) return html`<p class="empty">No completed runs yet.</p>`;
  return html`<table>
  <caption class="visually-hidden">Completed runs</caption>
  <thead><tr><th scope="col">Run</th><th scope="col">Finished</th><th scope="col" class="num">Sent</th><th scope="col" class="num">Unchanged</th><th scope="col" class="num">Removed</th><th scope="col" class="num">Rejected</th><th scope="col" class="num">API calls</th><th scope="col">Duration</th></tr></thead>
  <tbody>${runs.map((run) => {
    const c = run.report?.counts;
    return html`<tr>
    <th scope="row">${runCell(run)}</th>
    <td>${timeTag(run.closedAt)}</td>
    <td class="num">${run.dryRun ? html`<span class="muted">dry run</span>` : number(c?.profilesImported)}</td>
    <td class="num">${number(c?.unchanged)}</td>
    <td class="num">${number(run.dryRun ? run.report?.wouldRemove : c?.removed)}</td>
    <td class="num">${number(c?.rowsRejected)}${c?.rowsRejected ? html` <a href="${consoleRunPath(run.workflowId)}/rejects.csv" class="small">CSV<span class="visually-hidden"> of the rejected rows of ${runTitle(run)}</span></a>` : ''}</td>
    <td class="num">${c ? number(apiCallTotal(c)) : '—'}</td>
    <td>${durationOf(run, new Date())}</td>
  </tr>`;
  })}</tbody>
</table>`;
}

function failedRunsTable(runs: RunView[]) {
  if (!runs.length) return html`<p class="empty">No failed runs.</p>`;
  return html`<table>
  <caption class="visually-hidden">Failed, cancelled and terminated runs</caption>
  <thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Ended</th><th scope="col">Why</th></tr></thead>
  <tbody>${runs.map(
    (run) => html`<tr>
    <th scope="row">${runCell(run)}</th>
    <td>${stateBadge(run.state)}</td>
    <td>${timeTag(run.closedAt)}</td>
    <td class="error-text">${run.error ?? '—'}</td>
  </tr>`,
  )}</tbody>
</table>`;
}

const OPEN = new Set(['running', 'waiting_for_list', 'needs_action']);

export function runsContent(ctx: PageContext, runs: RunView[]) {
  return html`<h1>Runs</h1>
<div data-live="/runs?fragment=1" data-every="2000">${runsSections(ctx, runs)}</div>`;
}

export function runsSections(ctx: PageContext, runs: RunView[]) {
  const open = runs.filter((r) => OPEN.has(r.state));
  const completed = runs.filter((r) => r.state === 'completed');
  const failed = runs.filter((r) => !OPEN.has(r.state) && r.state !== 'completed');
  return html`<section aria-labelledby="running-heading"><h2 id="running-heading">In progress <span class="count-muted">(${open.length})</span></h2>${openRunsTable(ctx, open)}</section>
<section aria-labelledby="completed-heading"><h2 id="completed-heading">Completed <span class="count-muted">(${completed.length})</span></h2>${completedRunsTable(completed)}</section>
<section aria-labelledby="failed-heading"><h2 id="failed-heading">Failed <span class="count-muted">(${failed.length})</span></h2>${failedRunsTable(failed)}</section>`;
}

function countsList(run: RunView) {
  const c = run.report?.counts ?? run.status?.counts;
  if (!c) return '';
  const rows: [string, string][] = [
    ['Rows read', number(c.rowsRead)],
    ['Valid', number(c.rowsValid)],
    ['Rejected', number(c.rowsRejected)],
    ['Duplicates', number(c.duplicateRows)],
  ];
  if (run.dryRun && run.report) {
    rows.push(['Would add', number(run.report.wouldAdd)], ['Would update', number(run.report.wouldUpdate)], ['Would remove', number(run.report.wouldRemove)]);
  } else if (!run.dryRun) {
    rows.push(
      ['Batches', `${number(c.batchesDone)} of ${number(c.batchesTotal)}`],
      ['Profiles sent', number(c.profilesImported)],
      ['Unchanged', number(c.unchanged)],
      ['Added', number(c.added)],
      ['Updated', number(c.updated)],
      ['Removed', number(c.removed)],
    );
  }
  if (run.report?.listMembers !== undefined) rows.push(['Members now', number(run.report.listMembers)]);
  return html`<dl class="counts">${rows.map(([k, v]) => html`<div><dt>${k}</dt><dd>${v}</dd></div>`)}</dl>`;
}

function apiCallsTable(report: SyncReport) {
  const entries = Object.entries(report.counts.apiCalls).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return '';
  return html`<h3>Klaviyo API calls (${number(apiCallTotal(report.counts))})</h3>
<table class="compact"><thead><tr><th scope="col">Endpoint</th><th scope="col" class="num">Calls</th></tr></thead>
<tbody>${entries.map(([endpoint, n]) => html`<tr><td><code>${endpoint}</code></td><td class="num">${number(n)}</td></tr>`)}</tbody></table>`;
}

/** The part of a run's page that updates live; `data-final` tells the script to stop once the run has ended. */
export function runLive(ctx: PageContext, run: RunView) {
  const s = run.status;
  const open = OPEN.has(run.state);
  return html`<div${open ? '' : html` data-final`}>
  <p class="visually-hidden" aria-live="polite">${stateLabel(run.state)}</p>
  <div class="status-line">${stateBadge(run.state)} ${
    s && open ? html`<span>${stepLabel(s.step, s)}</span>` : ''
  } ${run.state === 'waiting_for_list' && s?.waitingFor ? html`<span>behind run <a href="${consoleRunPath(s.waitingFor)}">${s.waitingFor}</a> (one run writes to a list at a time)</span>` : ''}</div>
  ${
    run.progress && open ? phaseBlocks(run.progress) : ''
  }
  ${open && !s ? html`<p class="error-text">No worker answered this run's status query: is a worker polling its task queue?</p>` : ''}
  ${s?.action && run.state === 'needs_action' ? actionCard(ctx, run, s.action, 'h3') : ''}
  ${run.error ? html`<p class="error-text"><strong>${stateLabel(run.state)}:</strong> ${run.error}</p>` : ''}
  ${countsList(run)}
  ${run.report ? apiCallsTable(run.report) : ''}
</div>`;
}

export interface RejectPreview {
  header: string[];
  rows: string[][];
  /** More rows than shown. */
  more: boolean;
}

export function runContent(ctx: PageContext, run: RunView, rejects?: RejectPreview) {
  const path = consoleRunPath(run.workflowId);
  return html`<h1>${runTitle(run)}</h1>
<dl class="meta-list">
  <div><dt>Workflow id</dt><dd><code>${run.workflowId}</code></dd></div>
  <div><dt>Started</dt><dd>${timeTag(run.startedAt)}${run.scheduleId ? html` by schedule <a href="/schedules">${run.scheduleId}</a>` : ''}</dd></div>
  ${run.closedAt ? html`<div><dt>Ended</dt><dd>${timeTag(run.closedAt)} (took ${durationOf(run, ctx.now)})</dd></div>` : ''}
  ${run.audience ? html`<div><dt>Audience</dt><dd><code>${run.audience}</code></dd></div>` : ''}
  ${run.report?.actionsResolved ? html`<div><dt>Actions resolved</dt><dd>${run.report.actionsResolved}</dd></div>` : ''}
  <div><dt>Elsewhere</dt><dd>${
    run.onlyInStore
      ? html`<span class="muted">Temporal no longer keeps this run (past its retention); this page shows what the sync-state store kept.</span>`
      : temporalUiLink(ctx, run) || html`<span class="muted">set TEMPORAL_UI_URL to link the Temporal UI</span>`
  }</dd></div>
</dl>
<section aria-labelledby="now-heading">
<h2 id="now-heading">${OPEN.has(run.state) ? 'Now' : 'Outcome'}</h2>
<div data-live="${path}?fragment=1" data-every="1500">${runLive(ctx, run)}</div>
</section>
${rejects ? rejectsSection(path, run, rejects) : ''}`;
}

function rejectsSection(path: string, run: RunView, r: RejectPreview) {
  return html`<section aria-labelledby="rejects-heading">
<h2 id="rejects-heading">Rejected rows (${number(run.report?.counts.rowsRejected)})</h2>
${
  r.rows.length
    ? html`<p><a class="button" href="${path}/rejects.csv" download>Download rejects.csv</a> ${r.more ? html`<span class="muted">The first ${r.rows.length} are shown.</span>` : ''}</p>`
    : ''
}
${
  r.rows.length
    ? html`<table class="compact"><caption class="visually-hidden">Rejected rows</caption>
<thead><tr>${r.header.map((h) => html`<th scope="col">${h}</th>`)}</tr></thead>
<tbody>${r.rows.map((row) => html`<tr>${row.map((cell) => html`<td>${cell}</td>`)}</tr>`)}</tbody></table>`
    : html`<p class="empty">No row was rejected.</p>`
}
</section>`;
}
