/**
 * `--wait`: polls the run until it ends and shows each phase as it runs, on a bar whose label, counter,
 * rate and ETA follow the phase: the list's members read (drift check), the audience's rows read, profiles
 * sent, profiles Klaviyo's import jobs processed, members removed (src/progress/phases.ts). The workflow's
 * `status` query says what finished steps did; the pending activities' heartbeats, read with describe(),
 * what the running ones have done so far. A finished phase leaves its last line. A dry run shows its
 * reading phases only. A paused run prints its action and steps once and keeps waiting for Resolve; a run
 * queued behind another run of its list says which.
 */
import { SingleBar } from 'cli-progress';
import type { WorkflowHandle } from '@temporalio/client';
import { STATUS_QUERY } from '../names';
import type { SyncReport, SyncStatus } from '../shared';
import { NO_LIVE_PROGRESS, type LiveProgress } from '../progress/beats';
import { currentPhase, runPhases, type PhaseName } from '../progress/phases';
import { PhaseRates, type PhaseWithRate } from '../progress/rate';
import { liveProgress } from '../temporal/pendingWork';
import type { CliContext } from './context';
import { formatAction, formatPhase, stepLabel } from './format';
import { waitingLine } from './listBusy';

export interface WaitOptions {
  pollMs?: number;
}

function newBar(ctx: CliContext): SingleBar {
  return new SingleBar({
    stream: ctx.stderr,
    // The whole line is ours (format.ts formatPhase): cli-progress's own figures assume one total and one unit.
    format: '{line}',
    // Without a terminal (CI, tests, logs) print a line every few seconds instead of redrawing.
    noTTYOutput: true,
    notTTYSchedule: 5000,
    hideCursor: false,
  });
}

/** The running steps' progress so far; none when the server cannot say (the counts of finished steps still show). */
async function readLive(handle: WorkflowHandle): Promise<LiveProgress> {
  try {
    return await liveProgress(handle.client, await handle.describe());
  } catch {
    return NO_LIVE_PROGRESS;
  }
}

/** One bar at a time, for the phase running now; a phase that ends leaves its final line. */
class PhaseBar {
  private bar?: SingleBar;
  private phase?: PhaseName;

  constructor(private readonly ctx: CliContext) {}

  show(phases: PhaseWithRate[]): boolean {
    const current = currentPhase(phases) as PhaseWithRate | undefined;
    if (this.bar && current?.name !== this.phase) {
      const finished = phases.find((p) => p.name === this.phase);
      if (finished) this.bar.update(0, { line: formatPhase(finished, { withBar: true }) });
      this.stop();
    }
    if (!current) return false;
    const payload = { line: formatPhase(current, { withBar: true }) };
    if (this.bar) this.bar.update(0, payload);
    else {
      this.bar = newBar(this.ctx);
      this.bar.start(1, 0, payload);
      this.phase = current.name;
    }
    return true;
  }

  stop(): void {
    this.bar?.stop();
    this.bar = undefined;
    this.phase = undefined;
  }
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
  const rates = new PhaseRates();
  const bar = new PhaseBar(ctx);
  let shownAction: string | undefined;
  let shownHolder: string | undefined;
  let lastStep: string | undefined;

  while (!settled) {
    const status = await handle.query<SyncStatus>(STATUS_QUERY).catch(() => undefined);
    if (status?.state === 'needs_action' && status.action) {
      // Time paused is no phase's time.
      rates.sample(Date.now(), status, runPhases(status));
      const key = `${status.action.code}@${status.action.since}`;
      if (key !== shownAction) {
        bar.stop();
        ctx.note(formatAction(status.action, handle.workflowId).join('\n'));
        ctx.note('Waiting for the run to be resolved (Ctrl-C stops waiting; the run keeps its place).');
        shownAction = key;
      }
    } else if (status?.state === 'waiting_for_list' && status.waitingFor) {
      rates.sample(Date.now(), status, runPhases(status));
      if (status.waitingFor !== shownHolder) {
        bar.stop();
        ctx.note(waitingLine(status.waitingFor));
        shownHolder = status.waitingFor;
      }
    } else if (status) {
      shownAction = undefined;
      shownHolder = undefined;
      const live = status.state === 'running' ? await readLive(handle) : NO_LIVE_PROGRESS;
      const phases = rates.sample(Date.now(), status, runPhases(status, live));
      // Steps without a count of their own (checking the key, writing the report) get a line each.
      if (!bar.show(phases) && status.step !== lastStep && status.step !== 'done') ctx.note(`${stepLabel(status.step, status)}...`);
      lastStep = status.step;
    }
    await Promise.race([result.catch(() => undefined), new Promise((r) => setTimeout(r, pollMs))]);
  }
  bar.stop();
  return result;
}
