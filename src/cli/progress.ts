/**
 * `--wait`: polls the `status` query into a progress bar (profiles sent of valid rows, rate, ETA) until
 * the run ends. A paused run prints its action and steps once and keeps waiting for Resolve.
 */
import { SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY, type SyncReport, type SyncStatus } from '../shared';
import type { CliContext } from './context';
import { formatAction, stepLabel } from './format';

export interface WaitOptions {
  pollMs?: number;
}

function newBar(ctx: CliContext): SingleBar {
  return new SingleBar({
    stream: ctx.stderr,
    format: '{step} [{bar}] {value}/{total} rows sent | {rate} rows/s | ETA {eta_formatted}',
    barsize: 30,
    // Without a terminal (CI, tests, logs) print a line every few seconds instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 5000,
    etaBuffer: 20,
    hideCursor: false,
  });
}

export async function waitForRun(ctx: CliContext, handle: WorkflowHandle, opts: WaitOptions = {}): Promise<SyncReport> {
  const pollMs = opts.pollMs ?? 1000;
  let settled = false;
  const result = handle.result() as Promise<SyncReport>;
  // Observed even when we return early, so a failure never becomes an unhandled rejection.
  result.then(
    () => (settled = true),
    () => (settled = true),
  );
  const startedAt = Date.now();
  let bar: SingleBar | undefined;
  let shownAction: string | undefined;
  let lastStep: string | undefined;

  while (!settled) {
    const status = await handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined);
    if (status?.state === 'needs_action' && status.action) {
      const key = `${status.action.code}@${status.action.since}`;
      if (key !== shownAction) {
        bar?.stop();
        bar = undefined;
        ctx.note(formatAction(status.action, handle.workflowId).join('\n'));
        ctx.note('Waiting for the run to be resolved (Ctrl-C stops waiting; the run keeps its place).');
        shownAction = key;
      }
    } else if (status) {
      shownAction = undefined;
      const total = Math.max(status.counts.rowsValid, status.counts.profilesImported);
      const sent = status.counts.profilesImported;
      const elapsed = Math.max(0.001, (Date.now() - startedAt) / 1000);
      const payload = { step: stepLabel(status.step), rate: Math.round(sent / elapsed) };
      if (!bar && total > 0) {
        bar = newBar(ctx);
        bar.start(total, sent, payload);
      } else if (bar) {
        bar.setTotal(total);
        bar.update(sent, payload);
      } else if (status.step !== lastStep) {
        ctx.note(`${stepLabel(status.step)}...`);
      }
      lastStep = status.step;
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  bar?.stop();
  return result;
}
