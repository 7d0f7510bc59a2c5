/** Call counters for tests and benchmarks: calls per "METHOD /api/template", throttles, statuses. */
export interface StatsSnapshot {
  calls: Record<string, number>;
  /** 429s produced by the rate limiter (injected 429 faults are counted in byStatus only). */
  throttled: number;
  /** Responses by status; connection resets count as "reset". */
  byStatus: Record<string, number>;
  /** Bulk import work (added by the admin route; absent from Stats' own snapshot). */
  jobs?: import('./bulkJobRunner').JobCounters;
}

export class Stats {
  private calls: Record<string, number> = {};
  private byStatus: Record<string, number> = {};
  private throttledCount = 0;

  call(key: string): void {
    this.calls[key] = (this.calls[key] ?? 0) + 1;
  }

  status(status: number | 'reset'): void {
    const k = String(status);
    this.byStatus[k] = (this.byStatus[k] ?? 0) + 1;
  }

  throttled(): void {
    this.throttledCount++;
  }

  snapshot(): StatsSnapshot {
    return { calls: { ...this.calls }, throttled: this.throttledCount, byStatus: { ...this.byStatus } };
  }

  reset(): void {
    this.calls = {};
    this.byStatus = {};
    this.throttledCount = 0;
  }
}
