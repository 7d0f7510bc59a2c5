import { describe, expect, it } from 'vitest';
import { JobWatcher, type JobReader } from '../../src/activities/jobWatcher';
import type { BulkImportJob } from '../../src/klaviyo/types';

const job = (id: string, status: BulkImportJob['status'] = 'complete'): BulkImportJob =>
  ({ id, status, totalCount: 10, completedCount: status === 'complete' ? 10 : 0, failedCount: 0 }) as BulkImportJob;

/** A reader whose list call resolves when the test says so; counts calls. */
function fakeReader(recent: () => BulkImportJob[]) {
  const calls = { list: 0, get: [] as string[] };
  let release: (() => void) | undefined;
  const reader: JobReader = {
    async recentBulkImportJobs() {
      calls.list++;
      await new Promise<void>((resolve) => (release = resolve));
      return recent();
    },
    async getBulkImportJob(id) {
      calls.get.push(id);
      return job(id, 'processing');
    },
  };
  return { reader, calls, release: () => release?.() };
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 5));

describe('JobWatcher', () => {
  it('answers the jobs asked for together with one call for the newest jobs, and a job missing from it by its own GET', async () => {
    const { reader, calls, release } = fakeReader(() => [job('a'), job('b', 'processing'), job('other')]);
    const watcher = new JobWatcher(0);
    const looks = Promise.all([watcher.look(reader, 'a'), watcher.look(reader, 'b'), watcher.look(reader, 'a'), watcher.look(reader, 'gone')]);
    await tick();
    release();
    const [a, b, a2, gone] = await looks;
    expect(calls.list).toBe(1);
    expect(calls.get).toEqual(['gone']);
    expect([a.status, b.status, a2.status, gone.status]).toEqual(['complete', 'processing', 'complete', 'processing']);
  });

  it('a look asked while a call is under way waits for the next call, which starts the spacing after the last', async () => {
    let status: BulkImportJob['status'] = 'processing';
    const { reader, calls, release } = fakeReader(() => [job('a', status)]);
    const watcher = new JobWatcher(50);
    const first = watcher.look(reader, 'a');
    await tick();
    status = 'complete';
    const second = watcher.look(reader, 'a');
    release();
    expect((await first).status).toBe('complete');
    await tick();
    expect(calls.list).toBe(1); // the next call waits out the spacing
    await new Promise((resolve) => setTimeout(resolve, 60));
    expect(calls.list).toBe(2);
    release();
    expect((await second).status).toBe('complete');
  });

  it('a failed call fails every look it answered; the next look calls again', async () => {
    let fail = true;
    const reader: JobReader = {
      recentBulkImportJobs: async () => {
        if (fail) throw new Error('429');
        return [job('a')];
      },
      getBulkImportJob: async (id) => job(id),
    };
    const watcher = new JobWatcher(0);
    const results = await Promise.allSettled([watcher.look(reader, 'a'), watcher.look(reader, 'b')]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    fail = false;
    expect((await watcher.look(reader, 'a')).status).toBe('complete');
  });
});
