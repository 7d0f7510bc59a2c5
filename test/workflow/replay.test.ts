/**
 * Replay: today's workflow code must reproduce the commands of recorded histories, or running workflows
 * would break on deploy. The fixtures are `temporal workflow show --output json` of real runs, written by
 * recordHistories.test.ts (RECORD_HISTORIES=1); keep old ones when a released workflow changes.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { Worker } from '@temporalio/worker';
import { RESOLVE_SIGNAL } from '../../src/shared';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';

const fixtures = path.resolve(__dirname, '../fixtures/histories');

describe('replay', () => {
  it.each(fs.readdirSync(fixtures).filter((f) => f.endsWith('.json')))('replays the recorded history %s', async (file) => {
    const history = JSON.parse(fs.readFileSync(path.join(fixtures, file), 'utf8'));
    await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, file);
  });

  describe('a fresh run', () => {
    let h: SyncHarness;
    beforeAll(async () => {
      h = await createSyncHarness({ batchMaxProfiles: 50 });
    });
    afterAll(async () => {
      await h?.close();
    });

    it('replays a run that paused and was resolved', async () => {
      const { rows } = makeCustomers(300, { prefix: 'replay', invalidEvery: 25 });
      const file = writeCsvAudience(h.dir, 'replay.csv', rows);
      await h.emulator.admin.revokeKey(h.apiKey);
      const handle = await h.start({ listName: 'Replay', audience: { type: 'csv', path: file } });
      await h.waitForStatus(handle, (s) => s.state === 'needs_action');
      await h.rotateKey();
      await handle.signal(RESOLVE_SIGNAL);
      const report = await resultOf(handle);
      expect(report.counts.batchesTotal).toBeGreaterThan(4);
      const history = await handle.fetchHistory();
      await Worker.runReplayHistory({ workflowBundle: { codePath: inject('workflowBundlePath') } }, history, handle.workflowId);
    });
  });
});
