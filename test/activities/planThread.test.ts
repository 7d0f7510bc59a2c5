/**
 * The plan activity's pass runs on a thread of its own (src/activities/planThread.ts), with its own store
 * connection: its errors reach the activity as the same failures, and cancelling the activity stops it,
 * leaving the store writable.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure, CancelledFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import type { PlanInput } from '../../src/activities/audience';
import { fromThreadError, runPlanThread, toThreadError } from '../../src/activities/planThread';
import { AudienceChangedError, InvalidAudienceError, SourceUnreachableError } from '../../src/audience/errors';
import type { ActivityConfig } from '../../src/config';
import { SyncFailure } from '../../src/failures';
import { openStateStore } from '../../src/store/open';
import type { SyncStateStore } from '../../src/store/types';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { storeBackend, storeEngines } from '../support/stateStores';
import { testActivityConfig } from '../support/activityConfig';

describe('errors crossing the plan thread', () => {
  it('come back as the same class, kind, message and details', () => {
    const cases = [
      new InvalidAudienceError('audience file a.csv has no data rows'),
      new AudienceChangedError('audience file a.csv changed since it was planned'),
      new SyncFailure('audience_shrink', 'would remove 90% of the list', { details: { toRemove: 9, listSize: 10 } }),
      new SyncFailure('rate_limited', 'slow down', { retryAfterSeconds: 30 }),
    ];
    for (const err of cases) {
      const back = fromThreadError(structuredClone(toThreadError(err)));
      expect(back).toBeInstanceOf(err.constructor);
      expect(back).toMatchObject({ name: err.name, message: err.message, kind: err.kind, stack: err.stack });
      expect((back as SyncFailure).details).toEqual(err.details);
      expect((back as SyncFailure).retryAfterSeconds).toBe(err.retryAfterSeconds);
    }
    const unreachable = fromThreadError(structuredClone(toThreadError(new SourceUnreachableError('connection refused'))));
    expect((unreachable as SourceUnreachableError).giveUp(5)).toMatchObject({ kind: 'source_unavailable', message: 'connection refused (tried 5 times)' });
    const plain = fromThreadError(structuredClone(toThreadError(Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' }))));
    expect(plain).not.toBeInstanceOf(SyncFailure);
    expect(plain).toMatchObject({ name: 'Error', message: 'disk I/O error', code: 'SQLITE_IOERR' });
  });
});

describe.each(storeEngines())('the plan thread with the %s store', (engine) => {
  const backend = storeBackend(engine);
  let dir: string;
  let config: ActivityConfig;
  let store: SyncStateStore;
  beforeEach(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'plan-thread-'));
    config = testActivityConfig(dir, {
      audience: { batchMaxProfiles: 1000, defaultPhoneCountry: 'US' },
      state: { location: await backend.fresh(), verifyEveryMs: 3_600_000 },
    });
    store = await openStateStore(config.state.location);
  });
  afterEach(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });
  afterAll(() => backend.cleanup());

  const planInput = (file: string): PlanInput => ({
    audience: { type: 'csv', path: file },
    updateContacts: true,
    runKey: 'wf/run',
    workflowId: 'wf',
    startedAt: new Date().toISOString(),
    account: 'A1',
    listId: null,
    listName: 'Threaded',
    dryRun: false,
    membershipRead: false,
    sealBatches: true,
  });

  it('fails an audience without a valid row as invalid_audience, with the message the pass wrote', async () => {
    const file = writeCsvAudience(dir, 'bad.csv', [{ email: 'nope' }, { email: 'still nope' }]);
    const err = await new MockActivityEnvironment().run(createActivities(config, store).planAudience, planInput(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'invalid_audience', nonRetryable: true });
    expect((err as Error).message).toContain(`audience file ${file} has no valid row: all 2 rows were rejected, most (2) as invalid_email (row 1: `);
  });

  it('refuses a store other than the activity’s', async () => {
    const file = writeCsvAudience(dir, 'a.csv', makeCustomers(3).rows);
    const other = { ...config, state: { ...config.state, location: await backend.fresh() } };
    const err = await new MockActivityEnvironment().run(createActivities(other, store).planAudience, planInput(file)).catch((e: unknown) => e);
    expect((err as Error).message).toMatch(/^the plan thread opened the sync-state store at .+, not the activity's/);
  });

  it('stops when the activity is cancelled: nothing more is written, and the store takes writes at once', async () => {
    // Large enough that the cancel lands mid-plan on a loaded machine (200k rows could finish first).
    const file = writeCsvAudience(dir, 'big.csv', makeCustomers(600_000).rows);
    const env = new MockActivityEnvironment();
    let rowsSeen = 0;
    env.on('heartbeat', (beat: { rows?: number }) => {
      rowsSeen = beat?.rows ?? 0;
      if (rowsSeen > 0) env.cancel();
    });
    const err = await env.run(createActivities(config, store).planAudience, planInput(file)).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(CancelledFailure);
    expect(rowsSeen).toBeGreaterThan(0);
    expect(rowsSeen).toBeLessThan(600_000);

    const sealed = (await store.snapshotSeal('wf/run')).sealed;
    const started = Date.now();
    await store.supersedeSnapshotRows('other/run', [{ batch: 0, emailKey: 1n }]);
    await store.saveRun({ runKey: 'other/run', workflowId: 'other', account: 'A1', listId: null, listName: 'x', dryRun: true, startedAt: new Date().toISOString() });
    expect(Date.now() - started).toBeLessThan(1000);
    await new Promise((resolve) => setTimeout(resolve, 1500));
    expect((await store.snapshotSeal('wf/run')).sealed).toBe(sealed);
    expect((await store.snapshotSeal('wf/run')).done).toBeFalsy();
  });

  it('does not start once cancelled', async () => {
    const controller = new AbortController();
    controller.abort(new CancelledFailure('gone'));
    const file = writeCsvAudience(dir, 'a.csv', makeCustomers(3).rows);
    const job = { input: planInput(file), rows: { type: 'csv' as const, path: file }, audience: config.audience, store: { location: config.state.location, shownAs: store.location } };
    await expect(runPlanThread(job, () => undefined, controller.signal)).rejects.toBeInstanceOf(CancelledFailure);
  });
});
