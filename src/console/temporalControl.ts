/**
 * What the console changes, always through Temporal: `resolve` for a paused run, and a schedule's pause,
 * unpause and trigger. Each checks first, as the CLI does, and says in one sentence why it did nothing.
 */
import { ScheduleNotFoundError, type Client } from '@temporalio/client';
import { timingOf } from '../cli/commands/schedule';
import { stepLabel } from '../cli/format';
import { RESOLVE_SIGNAL, WORKFLOW_TYPE } from '../shared';
import type { TemporalRuns } from './runHistory';

export interface ScheduleRow {
  scheduleId: string;
  list?: string;
  /** As the operator wrote it ("cron "0 6 * * *" in Europe/Berlin"), or as the server holds it. */
  timing: string;
  paused: boolean;
  note?: string;
  nextRunAt?: Date;
  /** The schedule's run in progress, if any (overlap policy SKIP: at most one). */
  runningWorkflowId?: string;
}

/** The outcome of a button: done, or refused with the reason (shown to the operator as is). */
export type Outcome = { ok: true; message: string } | { ok: false; message: string };

export class TemporalControl {
  constructor(
    private readonly client: Client,
    private readonly taskQueue: string,
    private readonly runs: TemporalRuns,
  ) {}

  async resolve(workflowId: string): Promise<Outcome> {
    const run = await this.runs.run(workflowId);
    if (!run) return { ok: false, message: `No audience sync run has the workflow id '${workflowId}'.` };
    if (run.state !== 'needs_action' || !run.status?.action) {
      const doing = run.status ? ` (${stepLabel(run.status.step, run.status)})` : '';
      return { ok: false, message: `The run is not paused: it is ${run.state.replace(/_/g, ' ')}${doing}, so there is nothing to resolve.` };
    }
    await this.client.workflow.getHandle(workflowId, run.runId).signal(RESOLVE_SIGNAL);
    return {
      ok: true,
      message: `Resolve sent (paused on ${run.status.action.code}): the run repeats the step that stopped. If the cause is not fixed, it pauses again.`,
    };
  }

  /** This task queue's audience sync schedules. */
  async schedules(): Promise<ScheduleRow[]> {
    const rows: ScheduleRow[] = [];
    for await (const s of this.client.schedule.list()) {
      if (s.action?.workflowType !== WORKFLOW_TYPE) continue;
      const description = await this.client.schedule.getHandle(s.scheduleId).describe();
      if (description.action.type !== 'startWorkflow' || description.action.taskQueue !== this.taskQueue) continue;
      const memo = (s.memo ?? {}) as { listName?: string };
      const input = description.action.args?.[0] as { listName?: string; listId?: string } | undefined;
      // Describe, not the list: the list comes from visibility and lags a pause or unpause just made.
      rows.push({
        scheduleId: s.scheduleId,
        list: memo.listName ?? input?.listName ?? input?.listId,
        timing: timingOf(description),
        paused: description.state.paused,
        note: description.state.note || undefined,
        nextRunAt: description.info.nextActionTimes[0],
        runningWorkflowId: description.info.runningActions[0]?.workflow.workflowId,
      });
    }
    return rows.sort((a, b) => (a.list ?? a.scheduleId).localeCompare(b.list ?? b.scheduleId));
  }

  async pauseSchedule(scheduleId: string): Promise<Outcome> {
    return this.withSchedule(scheduleId, async (h) => (await h.pause('paused from the console'), `Paused schedule ${scheduleId}.`));
  }

  async unpauseSchedule(scheduleId: string): Promise<Outcome> {
    return this.withSchedule(scheduleId, async (h) => (await h.unpause('unpaused from the console'), `Unpaused schedule ${scheduleId}.`));
  }

  async triggerSchedule(scheduleId: string): Promise<Outcome> {
    return this.withSchedule(scheduleId, async (h) => {
      const running = (await h.describe()).info.runningActions[0];
      if (running) throw new Refused(`Schedule ${scheduleId} already has a run in progress (${running.workflow.workflowId}); nothing triggered.`);
      await h.trigger('SKIP');
      return `Triggered schedule ${scheduleId}: its run starts in a moment.`;
    });
  }

  private async withSchedule(scheduleId: string, fn: (h: ReturnType<Client['schedule']['getHandle']>) => Promise<string>): Promise<Outcome> {
    try {
      const handle = this.client.schedule.getHandle(scheduleId);
      await handle.describe();
      return { ok: true, message: await fn(handle) };
    } catch (err) {
      if (err instanceof ScheduleNotFoundError) return { ok: false, message: `No schedule has the id '${scheduleId}'.` };
      if (err instanceof Refused) return { ok: false, message: err.message };
      throw err;
    }
  }
}

class Refused extends Error {}
