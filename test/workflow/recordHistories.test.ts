/**
 * Records the replay fixtures in test/fixtures/histories from the current workflow code. Run it when the
 * workflow's command sequence changes on purpose and no older runs must keep replaying (before a release),
 * otherwise guard the change with `patched()` and add a fixture instead of replacing them:
 *
 *   RECORD_HISTORIES=1 npx vitest run test/workflow/recordHistories.test.ts
 */
import fs from 'node:fs';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, it } from 'vitest';
import { RESOLVE_SIGNAL } from '../../src/shared';
import { requireTemporalCli } from '../../dev/temporalDevServer';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';

const fixtures = path.resolve(__dirname, '../fixtures/histories');

describe.runIf(process.env.RECORD_HISTORIES === '1')('record replay fixtures', () => {
  let h: SyncHarness;
  beforeAll(async () => {
    h = await createSyncHarness({ batchMaxProfiles: 40 });
  });
  afterAll(async () => {
    await h?.close();
  });

  function save(workflowId: string, name: string): void {
    const json = execFileSync(
      requireTemporalCli(),
      ['workflow', 'show', '--workflow-id', workflowId, '--output', 'json', '--address', h.address],
      { encoding: 'utf8' },
    );
    fs.writeFileSync(path.join(fixtures, name), json);
  }

  it('a second run with batches, rejects and removals', async () => {
    const v1 = writeCsvAudience(h.dir, 'v1.csv', makeCustomers(100, { prefix: 'hist', invalidEvery: 20 }).rows);
    await resultOf(await h.start({ listName: 'History', audience: { type: 'csv', path: v1 } }));
    const v2 = writeCsvAudience(h.dir, 'v2.csv', makeCustomers(150, { prefix: 'hist', invalidEvery: 20, offset: 30 }).rows);
    await resultOf(await h.start({ listName: 'History', audience: { type: 'csv', path: v2 } }, 'history-batches'));
    save('history-batches', 'audienceSync-batches-and-removals.json');
  });

  it('a first sync into a new list, its batches sent while it plans', async () => {
    const first = writeCsvAudience(h.dir, 'first.csv', makeCustomers(600, { prefix: 'hist-first', invalidEvery: 50 }).rows);
    await resultOf(await h.start({ listName: 'History First', audience: { type: 'csv', path: first } }, 'history-first-sync'));
    save('history-first-sync', 'audienceSync-first-sync.json');
  });

  it('a run paused on invalid_credentials, then on audience_shrink, resolved both times', async () => {
    // One person, none of the list's: removing everyone else trips the shrink guard (an audience with no
    // valid row at all is refused at its plan).
    const lone = writeCsvAudience(h.dir, 'lone.csv', makeCustomers(1, { prefix: 'hist-lone' }).rows);
    await h.emulator.admin.revokeKey(h.apiKey);
    const handle = await h.start({ listName: 'History', audience: { type: 'csv', path: lone } }, 'history-actions');
    await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    await h.rotateKey();
    await handle.signal(RESOLVE_SIGNAL);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action' && s.action?.code === 'audience_shrink');
    await handle.signal(RESOLVE_SIGNAL);
    await resultOf(handle);
    save('history-actions', 'audienceSync-credentials-and-shrink.json');
  });

  it('a run that waits for a run of its list that is then terminated, and the list lock', async () => {
    const seed = writeCsvAudience(h.dir, 'lock-seed.csv', makeCustomers(40, { prefix: 'lockseed' }).rows);
    await resultOf(await h.start({ listName: 'Locked', audience: { type: 'csv', path: seed } }));
    // Its 5 rows would remove most of the list: it pauses on audience_shrink, holding the list.
    const tiny = writeCsvAudience(h.dir, 'lock-tiny.csv', makeCustomers(5, { prefix: 'locktiny' }).rows);
    const holder = await h.start({ listName: 'Locked', audience: { type: 'csv', path: tiny } }, 'history-lock-holder');
    await h.waitForStatus(holder, (s) => s.state === 'needs_action');
    const next = writeCsvAudience(h.dir, 'lock-next.csv', makeCustomers(50, { prefix: 'locknext' }).rows);
    const waiter = await h.start({ listName: 'Locked', audience: { type: 'csv', path: next }, maxRemovalShare: 1 }, 'history-lock-waiter');
    const waiting = await h.waitForStatus(waiter, (s) => s.state === 'waiting_for_list');
    await holder.terminate('recording: a holder that never releases');
    await resultOf(waiter);
    save('history-lock-waiter', 'audienceSync-waits-for-list.json');
    save(waiting.listLock!, 'listLock-queue-and-dead-holder.json');
  });

  it('a run paused on audience_shrink, then cancelled', async () => {
    const some = writeCsvAudience(h.dir, 'some.csv', makeCustomers(30, { prefix: 'hist-cancel' }).rows);
    await resultOf(await h.start({ listName: 'History Cancel', audience: { type: 'csv', path: some } }));
    const lone = writeCsvAudience(h.dir, 'lone-again.csv', makeCustomers(1, { prefix: 'hist-cancel-lone' }).rows);
    const handle = await h.start({ listName: 'History Cancel', audience: { type: 'csv', path: lone } }, 'history-cancelled');
    await h.waitForStatus(handle, (s) => s.state === 'needs_action' && s.action?.code === 'audience_shrink');
    await handle.cancel();
    await resultOf(handle).catch(() => undefined);
    save('history-cancelled', 'audienceSync-cancelled.json');
  });

  it('a dry run', async () => {
    const v3 = writeCsvAudience(h.dir, 'v3.csv', makeCustomers(90, { prefix: 'hist', invalidEvery: 20 }).rows);
    await resultOf(await h.start({ listName: 'History', audience: { type: 'csv', path: v3 }, dryRun: true }, 'history-dry-run'));
    save('history-dry-run', 'audienceSync-dry-run.json');
  });
});
