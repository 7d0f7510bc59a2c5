/**
 * Progress of a running sync as the console shows it: profiles sent of the rows to send, the rate while
 * sending and an ETA. The rate needs samples over time, so the console keeps one SendRate per run and
 * samples it each time it reads the run's status (every page view and live update).
 */
import { SendRate } from '../cli/sendRate';
import type { SyncStatus } from '../shared';

export interface Progress {
  sent: number;
  /** Rows to send: rows in the file less those rejected so far (converges on the valid rows). */
  total: number;
  percent: number;
  /** Profiles per second, e.g. "1,080", or "-" before there is something to measure. */
  rate: string;
  eta: string;
}

const FORGET_AFTER_MS = 30 * 60_000;

export class ProgressTracker {
  private readonly rates = new Map<string, { rate: SendRate; seenAt: number }>();

  /** Undefined until the audience is planned (or for a dry run, which sends nothing). */
  track(runId: string, status: SyncStatus, now = Date.now()): Progress | undefined {
    this.forgetOld(now);
    const c = status.counts;
    if (status.dryRun || c.rowsTotal === 0) return undefined;
    const entry = this.rates.get(runId) ?? { rate: new SendRate(), seenAt: now };
    entry.seenAt = now;
    this.rates.set(runId, entry);
    const sent = c.profilesImported;
    const total = Math.max(c.rowsTotal - c.rowsRejected, c.rowsValid, sent);
    const sending = status.state === 'running' && status.step === 'upserting';
    const { rate, eta } = entry.rate.sample(now, sent, sending ? total : Infinity, sending);
    return { sent, total, percent: total > 0 ? Math.min(100, Math.floor((sent / total) * 100)) : 0, rate, eta: sending ? eta : '—' };
  }

  private forgetOld(now: number): void {
    for (const [runId, entry] of this.rates) if (now - entry.seenAt > FORGET_AFTER_MS) this.rates.delete(runId);
  }
}
