/**
 * Rate and ETA of each phase of a run (phases.ts). A phase's clock runs only while that phase runs, so
 * time spent in other phases or paused waiting for Resolve does not drag its rate down, and the ETA is
 * always something a person can read (cli-progress prints "LLs" when it cannot compute one).
 */
import { formatDuration } from '../cli/format';
import type { SyncStatus } from '../shared';
import type { Phase, PhaseName } from './phases';

export interface RateFigures {
  /** Units per second while running, e.g. "1,080"; "-" until there is something to measure. */
  rate: string;
  /** "12 s", "3 min 20 s", "0 s" when all are done, "unknown" before a rate exists. */
  eta: string;
}

export class RateClock {
  private lastAt?: number;
  private lastRunning = false;
  private runningMs = 0;
  private first?: number;

  /** One look at a count; `running` is true while the phase runs (false while paused or before it starts). */
  sample(now: number, done: number, total: number, running: boolean): RateFigures {
    if (this.lastRunning && this.lastAt !== undefined) this.runningMs += now - this.lastAt;
    if (running && this.first === undefined) this.first = done;
    this.lastAt = now;
    this.lastRunning = running;
    const measured = done - (this.first ?? done);
    const rate = this.runningMs > 0 && measured > 0 ? measured / (this.runningMs / 1000) : 0;
    const rateText = rate > 0 ? Math.round(rate).toLocaleString('en-US') : '-';
    if (done >= total) return { rate: rateText, eta: formatDuration(0) };
    return { rate: rateText, eta: rate > 0 ? formatDuration((total - done) / rate) : 'unknown' };
  }
}

export type PhaseWithRate = Phase & RateFigures;

/** Parts per million: a phase's share done, counted like any other count. */
const WHOLE = 1_000_000;

/** One clock per phase of one run: sample it with each fresh look at the run (every poll, every page view). */
export class PhaseRates {
  private readonly counts = new Map<PhaseName, RateClock>();
  private readonly shares = new Map<PhaseName, RateClock>();
  private readonly highs = new Map<PhaseName, number>();

  sample(now: number, status: SyncStatus, phases: Phase[]): PhaseWithRate[] {
    return phases.map((seen) => {
      const p = this.monotonic(seen);
      const running = p.active && status.state === 'running';
      const counted = clock(this.counts, p.name).sample(now, p.done, p.total ?? Number.MAX_SAFE_INTEGER, running);
      if (p.total !== null) return { ...p, ...counted };
      // No total (a file's rows): the rate counts rows, the ETA follows the share done (the file's bytes), if known.
      const share = p.fraction === null ? undefined : clock(this.shares, p.name).sample(now, Math.round(p.fraction * WHOLE), WHOLE, running);
      return { ...p, rate: counted.rate, eta: share?.eta ?? 'unknown' };
    });
  }

  /**
   * A phase's count never goes back: the `status` query and the heartbeats are read one after the other, so
   * a batch that finishes in between drops out of both for one look. A phase whose count reached its total
   * stays done (else the bar would jump back to it).
   */
  private monotonic(p: Phase): Phase {
    const done = Math.max(this.highs.get(p.name) ?? 0, p.done);
    this.highs.set(p.name, done);
    if (done === p.done) return p;
    const fraction = p.total === null ? p.fraction : p.total > 0 ? Math.min(1, done / p.total) : 1;
    return { ...p, done, fraction, active: p.active && (p.total === null || done < p.total) };
  }
}

function clock(clocks: Map<PhaseName, RateClock>, name: PhaseName): RateClock {
  let c = clocks.get(name);
  if (!c) clocks.set(name, (c = new RateClock()));
  return c;
}
