import { describe, expect, it } from 'vitest';
import { JobPace } from '../../src/activities/jobPace';
import type { BulkImportJob } from '../../src/klaviyo/types';

const job = (over: Partial<BulkImportJob>): BulkImportJob => ({ id: 'j', status: 'processing', totalCount: 10_000, completedCount: 0, failedCount: 0, ...over });

describe('JobPace', () => {
  it('waits the fallback until a job has finished, then as long as the last jobs took per profile', () => {
    const pace = new JobPace();
    expect(pace.firstWait(10_000, 2000)).toBe(2000);
    pace.learn(job({ status: 'complete', completedCount: 10_000, createdAt: '2026-01-01T00:00:00.000Z', completedAt: '2026-01-01T00:00:04.000Z' }));
    expect(pace.firstWait(10_000, 2000)).toBe(4000);
    expect(pace.firstWait(5_000, 2000)).toBe(2000);
    // Bounded both ways: a tiny job is not polled in a tight loop, a huge one is still looked at.
    expect(pace.firstWait(1, 2000)).toBe(250);
    expect(pace.firstWait(1_000_000, 2000)).toBe(10_000);
  });

  it('expects a job seen part done when its progress says, and backs off while it has not started', () => {
    const pace = new JobPace();
    expect(pace.nextWait(job({ completedCount: 2_500 }), 3000, 1500)).toBe(9000);
    expect(pace.nextWait(job({ completedCount: 7_000, failedCount: 1_000 }), 4000, 1500)).toBe(1000);
    expect(pace.nextWait(job({ status: 'queued' }), 3000, 1500)).toBe(1500);
  });
});
