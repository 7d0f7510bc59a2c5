/**
 * Progress of a running sync as the console shows it: the phase running now (members read, rows read,
 * profiles sent, processed by Klaviyo, members removed) with its rate and ETA, from the same model as the
 * CLI (src/progress/phases.ts). Rates need samples over time, so the console keeps one PhaseRates per run
 * and samples it each time it reads the run's status (every page view and live update). A run's own page
 * adds its running step's heartbeats; the runs table shows what the workflow's counts say.
 */
import { PhaseRates, type PhaseWithRate } from '../progress/rate';
import { currentPhase, runPhases } from '../progress/phases';
import type { LiveProgress } from '../progress/beats';
import type { SyncStatus } from '../shared';

export interface Progress {
  /** The phase running now, or the last one to finish. */
  phase: PhaseWithRate;
  /** Every phase started so far, in order. */
  phases: PhaseWithRate[];
  percent: number | null;
}

const FORGET_AFTER_MS = 30 * 60_000;

export class ProgressTracker {
  private readonly rates = new Map<string, { rates: PhaseRates; seenAt: number }>();

  /** Undefined until a phase with a count has started. */
  track(runId: string, status: SyncStatus, live?: LiveProgress, now = Date.now()): Progress | undefined {
    this.forgetOld(now);
    // A run's page (with heartbeats) and the runs table (counts only) see different figures: each its own clocks.
    const key = live ? `${runId}#live` : runId;
    const entry = this.rates.get(key) ?? { rates: new PhaseRates(), seenAt: now };
    entry.seenAt = now;
    this.rates.set(key, entry);
    const phases = entry.rates.sample(now, status, runPhases(status, live));
    const phase = (currentPhase(phases) as PhaseWithRate | undefined) ?? phases[phases.length - 1];
    if (!phase) return undefined;
    return { phase, phases, percent: phase.fraction === null ? null : Math.floor(phase.fraction * 100) };
  }

  private forgetOld(now: number): void {
    for (const [runId, entry] of this.rates) if (now - entry.seenAt > FORGET_AFTER_MS) this.rates.delete(runId);
  }
}
