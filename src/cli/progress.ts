/**
 * `--wait`: polls the `status` query into a progress bar (profiles sent of rows to send, rate, ETA) until
 * the run ends (a dry run, which sends nothing, shows its steps only). A paused run prints its action
 * and steps once and keeps waiting for Resolve; a run queued behind another run of its list says which.
 */
import { SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY } from '../names';
import type { SyncReport, SyncStatus } from '../shared';
import type { CliContext } from './context';
import { formatAction, stepLabel } from './format';
import { waitingLine } from './listBusy';
import { SendRate } from './sendRate';

export interface WaitOptions {
  pollMs?: number;
}

function newBar(ctx: CliContext): SingleBar {
  return new SingleBar({
    stream: ctx.stderr,
    // Our own rate and ETA (sendRate.ts): cli-progress's measure includes pauses and prints "LLs" when stalled.
    format: '{step} [{bar}] {value}/{total} profiles sent | {rate} profiles/s | ETA {remaining}',
    barsize: 30,
    // Without a terminal (CI, tests, logs) print a line every few seconds instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 5000,
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
  const sendRate = new SendRate();
  let bar: SingleBar | undefined;
  let shownAction: string | undefined;
  let shownHolder: string | undefined;
  let lastStep: string | undefined;

  while (!settled) {
    const status = await handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined);
    if (status?.state === 'needs_action' && status.action) {
      // Time paused is not sending time.
      sendRate.sample(Date.now(), status.counts.profilesSent, Infinity, false);
      const key = `${status.action.code}@${status.action.since}`;
      if (key !== shownAction) {
        bar?.stop();
        bar = undefined;
        ctx.note(formatAction(status.action, handle.workflowId).join('\n'));
        ctx.note('Waiting for the run to be resolved (Ctrl-C stops waiting; the run keeps its place).');
        shownAction = key;
      }
    } else if (status?.state === 'waiting_for_list' && status.waitingFor) {
      // Another run of the list goes first; time waiting is not sending time.
      sendRate.sample(Date.now(), status.counts.profilesSent, Infinity, false);
      if (status.waitingFor !== shownHolder) {
        bar?.stop();
        bar = undefined;
        ctx.note(waitingLine(status.waitingFor));
        shownHolder = status.waitingFor;
      }
    } else if (status) {
      shownAction = undefined;
      shownHolder = undefined;
      const sent = status.counts.profilesSent;
      // Only new and changed rows are sent; the plan says how many (unchanged ones are shown in the report).
      const total = Math.max(status.counts.toSend, sent);
      const sending = status.state === 'running' && status.step === 'upserting';
      // `remaining`, not `eta`: cli-progress fills {eta} itself, over our figure.
      const { rate, eta } = sendRate.sample(Date.now(), sent, total, sending);
      const payload = { step: stepLabel(status.step, status), rate, remaining: eta };
      // A dry run sends nothing: its steps are enough.
      if (!bar && total > 0 && !status.dryRun) {
        bar = newBar(ctx);
        bar.start(total, sent, payload);
      } else if (bar) {
        bar.setTotal(total);
        bar.update(sent, payload);
      } else if (status.step !== lastStep) {
        ctx.note(`${stepLabel(status.step, status)}...`);
      }
      lastStep = status.step;
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  bar?.stop();
  return result;
}
