/**
 * Rate and ETA for the `--wait` progress bar. The clock runs only while profiles are being sent, so time
 * spent checking the key, reading the list or paused waiting for Resolve does not drag the rate down,
 * and the ETA is always something a person can read (cli-progress prints "LLs" when it cannot compute one).
 */
import { formatDuration } from './format';

export interface SendFigures {
  /** Profiles per second while sending, e.g. "1,080"; "-" until there is something to measure. */
  rate: string;
  /** "12 s", "3 min 20 s", "0 s" when all are sent, "unknown" before a rate exists. */
  eta: string;
}

export class SendRate {
  private lastAt?: number;
  private lastSending = false;
  private sendingMs = 0;
  private firstSent?: number;

  /**
   * One poll of the run's status. `sending` is true while the run is running its upsert step
   * (false while paused or in another step).
   */
  sample(now: number, sent: number, total: number, sending: boolean): SendFigures {
    if (this.lastSending && this.lastAt !== undefined) this.sendingMs += now - this.lastAt;
    if (sending && this.firstSent === undefined) this.firstSent = sent;
    this.lastAt = now;
    this.lastSending = sending;
    const measured = sent - (this.firstSent ?? sent);
    const rate = this.sendingMs > 0 && measured > 0 ? measured / (this.sendingMs / 1000) : 0;
    const rateText = rate > 0 ? Math.round(rate).toLocaleString('en-US') : '-';
    if (sent >= total) return { rate: rateText, eta: formatDuration(0) };
    return { rate: rateText, eta: rate > 0 ? formatDuration((total - sent) / rate) : 'unknown' };
  }
}
