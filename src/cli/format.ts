/** Plain-text renderings of the workflow's status and report, for a person reading a terminal. */
import type { MembershipCheck, SyncCounts, SyncReport, SyncStatus, WorkflowAction } from '../shared';
import type { Phase } from '../progress/phases';
import type { RateFigures } from '../progress/rate';
import type { RunSummary } from './visibility';

const STEP_LABELS: Record<string, string> = {
  validating_credential: 'checking the Klaviyo key',
  locking_list: 'claiming the list (one run writes to a list at a time)',
  ensuring_list: 'finding or creating the list',
  verifying_membership: "reading the list's members (drift check)",
  planning: 'reading the audience and comparing it with the last sync',
  upserting: 'sending profiles',
  reconciling: 'removing members not in the audience',
  reporting: 'writing the report',
  done: 'done',
};

/** A dry run's reconcile step only compares; saying "removing" there would alarm the operator. */
export function stepLabel(step: string, run: { dryRun?: boolean } = {}): string {
  if (run.dryRun && step === 'reconciling') return 'comparing the list with the audience';
  return STEP_LABELS[step] ?? step;
}

/** The action block: what stopped the run, the numbered steps, and how to resume (unless a step says it). */
export function formatAction(action: WorkflowAction, workflowId: string): string[] {
  const resume = `klaviyo-audience-sync resolve ${workflowId}`;
  return [
    `PAUSED: ${action.code} (since ${action.since})`,
    `  ${action.message}`,
    ...action.steps.map((s, i) => `  ${i + 1}. ${s}`),
    ...(action.steps.some((s) => s.includes(resume)) ? [] : [`  When done, resume it with: ${resume}`]),
  ];
}

function reasons(byReason: Record<string, number>): string {
  const entries = Object.entries(byReason).filter(([, n]) => n > 0);
  return entries.length ? ` (${entries.map(([r, n]) => `${r}: ${n}`).join(', ')})` : '';
}

/** A dry run writes nothing, so its sent/added/updated/removed (always 0) are left out: "would ..." says it. */
export function formatCounts(c: SyncCounts, { dryRun = false } = {}): string[] {
  return [
    `  rows read:     ${c.rowsRead}`,
    `  valid:         ${c.rowsValid}`,
    `  rejected:      ${c.rowsRejected}${reasons(c.rejectedByReason)}`,
    ...(c.duplicateRows ? [`  duplicates:    ${c.duplicateRows} (the last row of an e-mail wins)`] : []),
    `  unchanged:     ${c.unchanged} (as the last sync sent them: not sent)`,
    ...(dryRun
      ? []
      : [
          `  sent:          ${c.profilesSent}/${c.toSend} (batches ${c.batchesDone}/${c.batchesTotal})`,
          `  added:         ${c.added}`,
          `  updated:       ${c.updated}`,
          `  removed:       ${c.removed}`,
        ]),
    ...(c.keptWithRejectedRow ? [`  kept:          ${c.keptWithRejectedRow} members stay on the list although their rows were rejected`] : []),
    ...(c.listSize !== null ? [`  list size:     ${c.listSize}${dryRun ? ' (after a real run)' : ''}`] : []),
  ];
}

function membershipLine(check: MembershipCheck | undefined): string[] {
  if (!check) return [];
  const why = { no_state: 'no sync state for this list yet', requested: 'asked for (verifyMembership)', cadence: 'due (AUDIENCE_VERIFY_EVERY)' }[check.reason];
  return [`  drift check:   read ${check.listed} members (${why}): ${check.strangers} not known to the sync state, ${check.missing} removed by hand`];
}

const BAR_WIDTH = 20;

function bar(fraction: number): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * BAR_WIDTH);
  return `[${'█'.repeat(filled)}${'░'.repeat(BAR_WIDTH - filled)}]`;
}

/**
 * One phase on one line: "sending profiles [████░░] 40,000/79,152 profiles sent (50%) · batches 4 of 8 done
 * | 1,080 profiles/s | ETA 36 s". With `withBar`, a bar when the share done is known; rate and ETA when
 * measured (`--wait`, the console), "done" once the phase has finished.
 */
export function formatPhase(p: Phase & Partial<RateFigures>, { withBar = false } = {}): string {
  const n = (v: number) => v.toLocaleString('en-US');
  const counter = p.total === null ? `${n(p.done)} ${p.unit} ${p.verb}` : `${n(p.done)}/${n(p.total)} ${p.unit} ${p.verb}`;
  const parts = [
    `${p.label}${withBar && p.fraction !== null ? ` ${bar(p.fraction)}` : ''} ${counter}${p.fraction !== null ? ` (${Math.floor(p.fraction * 100)}%)` : ''}${p.detail ? ` · ${p.detail}` : ''}`,
  ];
  if (!p.active) parts.push('done');
  else if (p.rate !== undefined) parts.push(`${p.rate} ${p.unit}/s`, `ETA ${p.eta}`);
  return parts.join(' | ');
}

/**
 * `waitingOn`: what the run's pending steps wait on, one line each (see src/temporal/pendingWork.ts);
 * `phases`: each phase's progress (src/progress/phases.ts).
 */
export function formatStatus(workflowId: string, s: SyncStatus, waitingOn: string[] = [], phases: Phase[] = []): string {
  const list = s.listName ? `"${s.listName}"${s.listId ? ` (${s.listId})` : ''}` : (s.listId ?? '(not resolved yet)');
  const lines = [
    `Run ${workflowId}${s.dryRun ? ' (dry run)' : ''}`,
    `  state: ${s.state}`,
    ...(s.waitingFor ? [`  waiting for run ${s.waitingFor} to finish with this list`] : []),
    `  step:  ${stepLabel(s.step, s)}`,
    ...waitingOn.map((w) => `  waiting on: ${w}`),
    ...(phases.length ? ['  progress:', ...phases.map((p) => `    ${formatPhase(p)}`)] : []),
    `  list:  ${list}`,
    `  started: ${s.startedAt}`,
    ...formatCounts(s.counts, { dryRun: s.dryRun }),
    ...membershipLine(s.membershipCheck),
  ];
  if (s.action) lines.push(...formatAction(s.action, workflowId));
  if (s.error) lines.push(`  error: ${s.error}`);
  if (s.message) lines.push(`  outcome: ${s.message}`);
  if (s.reportLocation) lines.push(`  reject report: ${s.reportLocation}`);
  return lines.join('\n');
}

function apiCalls(calls: Record<string, number>): string[] {
  const entries = Object.entries(calls).sort(([a], [b]) => a.localeCompare(b));
  if (!entries.length) return [];
  return ['  API calls:', ...entries.map(([endpoint, n]) => `    ${String(n).padStart(7)}  ${endpoint}`)];
}

export function formatReport(workflowId: string, r: SyncReport): string {
  const list = `${r.listName ? `"${r.listName}" ` : ''}${r.listId ? `(${r.listId})` : ''}`.trim();
  const lines = [
    `${r.dryRun ? 'Dry run' : 'Sync'} ${workflowId} finished in ${(r.durationMs / 1000).toFixed(1)} s`,
    `  list: ${list || '(none)'}${r.listCreated ? ' (created by this run)' : ''}`,
  ];
  if (r.dryRun) {
    lines.push(`  would add:     ${r.wouldAdd ?? 0}`, `  would update:  ${r.wouldUpdate ?? 0}`, `  would remove:  ${r.wouldRemove ?? 0}`);
  }
  lines.push(...formatCounts(r.counts, { dryRun: r.dryRun }), ...membershipLine(r.membershipCheck), ...apiCalls(r.counts.apiCalls));
  if (r.actionsResolved) lines.push(`  workflow actions resolved: ${r.actionsResolved}`);
  lines.push(
    r.reportLocation
      ? `  reject report: ${r.reportLocation}`
      : `  reject report: klaviyo-audience-sync report ${workflowId} --rejects rejects.csv`,
  );
  return lines.join('\n');
}

/** A report in one phrase: "540 valid, 60 rejected, 12 added, 8 updated, 520 unchanged, 3 removed" (a dry run: "would add ..."). */
export function reportSummary(r: SyncReport): string {
  const rows = `${r.counts.rowsValid} valid, ${r.counts.rowsRejected} rejected`;
  if (r.dryRun) return `dry run: ${rows}; would add ${r.wouldAdd ?? 0}, update ${r.wouldUpdate ?? 0}, remove ${r.wouldRemove ?? 0}`;
  return `${rows}, ${r.counts.added} added, ${r.counts.updated} updated, ${r.counts.unchanged} unchanged, ${r.counts.removed} removed`;
}

/** Who started a run, as `runs` shows it. */
export function startedBy(run: Pick<RunSummary, 'scheduleId'>): string {
  return run.scheduleId ? `schedule ${run.scheduleId}` : 'CLI/other';
}

/** One line of `runs`: start, state, duration, who, (list), counts, workflow id. */
export function formatRunLine(run: RunSummary, { showList = true } = {}): string {
  return [
    run.startedAt.replace(/\.\d+Z$/, 'Z'),
    run.state,
    formatDuration(run.durationMs / 1000),
    `by ${startedBy(run)}`,
    ...(showList && run.list ? [`list "${run.list}"`] : []),
    ...(run.report ? [reportSummary(run.report)] : []),
    run.workflowId,
  ].join('  ');
}

/**
 * "1 h 02 min", "3 min 20 s", "12 s", "1.2 s": how a person reads a duration. Below 10 s one decimal is
 * kept, so small phases do not each round up to a whole second and stop adding up to the total.
 */
export function formatDuration(seconds: number): string {
  if (seconds < 10) return `${Number(Math.max(0, seconds).toFixed(1))} s`;
  const s = Math.ceil(seconds);
  if (s < 60) return `${s} s`;
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (h > 0) return `${h} h ${String(m).padStart(2, '0')} min`;
  return `${m} min ${String(rest).padStart(2, '0')} s`;
}
