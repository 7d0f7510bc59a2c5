/**
 * Payload encryption on (TEMPORAL_CODEC_KEY): the server's history holds no list name, path, row or
 * message in clear, while the CLI (sync, status), the list lock and schedules work unchanged, and a
 * rotated-out key still reads old runs when listed in TEMPORAL_CODEC_OLD_KEYS.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { storedHistory, type StoredHistory } from '../support/historyText';
import { runCliProcess } from '../cli/cliProcess';

const key = randomBytes(32);
let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ codec: { keyId: 'enc-1', key }, batchMaxProfiles: 50 });
});
afterAll(async () => {
  await h?.close();
});

const LIST = 'Encrypted Spring VIP';
const SCHEDULED_LIST = 'Encrypted Spring refresh';
let syncedRun = '';

/** A patch marker's payload: written by Temporal's core, not through the data converter, and only the patch's name. */
const PATCH_MARKER = /\.markerRecordedEventAttributes\.details\.patch-data\.payloads\[0\]$/;
const PATCH_DATA = /^\{"id":"[a-z0-9-]+","deprecated":(true|false)\}$/;

function expectNothingInClear(stored: StoredHistory, secrets: string[]): void {
  expect(stored.payloads.length).toBeGreaterThan(0);
  for (const p of stored.payloads) {
    if (PATCH_MARKER.test(p.path) && p.encoding === 'json/plain') expect(p.data, p.path).toMatch(PATCH_DATA);
    else expect(p.encoding, p.path).toBe('binary/encrypted');
  }
  for (const secret of secrets) expect(stored.text.includes(secret), `"${secret}" in clear`).toBe(false);
}

it('stores a synced run, and its list lock, with every payload encrypted; the CLI syncs and reads it with the key', async () => {
  const { rows } = makeCustomers(120, { prefix: 'enc', invalidEvery: 30 });
  const file = writeCsvAudience(h.dir, 'encrypted-secret-audience.csv', rows);
  syncedRun = `enc-${randomUUID()}`;
  const sync = await runCliProcess(['sync', '--list', LIST, '--audience', file, '--workflow-id', syncedRun, '--wait'], h.env);
  expect(sync.code, sync.stderr).toBe(0);
  expect(sync.stdout).toMatch(new RegExp(`Sync ${syncedRun} finished[\\s\\S]*list: "${LIST}"[\\s\\S]*rejected: +4`));
  const status = await runCliProcess(['status', syncedRun], h.env);
  expect(status.stdout).toContain(`list: "${LIST}"`);
  // Indexed under the list's hash, found by its name, shown with it.
  const runs = await runCliProcess(['runs', '--list', LIST, '--json'], h.env);
  expect(runs.code, runs.stderr).toBe(0);
  expect(JSON.parse(runs.stdout)).toEqual([expect.objectContaining({ workflowId: syncedRun, list: LIST })]);

  const secrets = [LIST, 'Spring', 'encrypted-secret-audience', h.dir, 'enc.1@example.com', 'not-an-email', 'rejects'];
  const history = await storedHistory(h.address, h.namespace, syncedRun);
  expectNothingInClear(history, secrets);
  const lockId = /"(audience-list-lock\/[^"]+)"/.exec(history.text)?.[1];
  expect(lockId).toMatch(/^audience-list-lock\/[^/]+\/[0-9a-f]{16}$/);
  expectNothingInClear(await storedHistory(h.address, h.namespace, lockId!), secrets);
});

it('keeps a failure message encrypted: readable by the CLI with the key, and without it the CLI says which key it needs', async () => {
  const file = path.join(h.dir, 'secret-columns.csv');
  fs.writeFileSync(file, 'email,secret_column_xyz\na@example.com,1\n');
  const workflowId = `enc-fail-${randomUUID()}`;
  const start = await runCliProcess(['sync', '--list', LIST, '--audience', file, '--workflow-id', workflowId, '--no-local-check'], h.env);
  expect(start.stderr).toMatch(/^Started audience sync enc-fail-/);
  const handle = h.client.workflow.getHandle(workflowId);
  const err = (await handle.result().catch((e: Error) => e)) as Error;
  expect((err.cause as Error).message).toMatch(/audience column 'secret_column_xyz'/);

  const history = await storedHistory(h.address, h.namespace, handle.workflowId);
  expectNothingInClear(history, [LIST, 'secret_column_xyz', 'secret-columns', 'audience column']);
  expect(history.text).toContain('Encoded failure');

  const withKey = await runCliProcess(['status', handle.workflowId], h.env);
  expect(withKey.stdout, withKey.stdout + withKey.stderr).toMatch(/state: failed[\s\S]*error: audience column 'secret_column_xyz'/);
  const withoutKey = await runCliProcess(['status', handle.workflowId], { ...h.env, TEMPORAL_CODEC_KEY: '', TEMPORAL_CODEC_KEY_ID: '' });
  expect(withoutKey.stdout + withoutKey.stderr).toMatch(/encrypted with key id "enc-1", which this process does not have/);
  expect(withoutKey.stdout + withoutKey.stderr).not.toContain('secret_column_xyz');
});

it('schedules store their input encrypted, and their runs sync', async () => {
  const file = writeCsvAudience(h.dir, 'scheduled-secret-audience.csv', makeCustomers(20, { prefix: 'sched' }).rows);
  const scheduleId = `enc-schedule-${randomUUID()}`;
  const create = await runCliProcess(['schedule', 'create', '--id', scheduleId, '--list', SCHEDULED_LIST, '--audience', file, '--every', '1h'], h.env);
  expect(create.code, create.stderr).toBe(0);
  try {
    const trigger = await runCliProcess(['schedule', 'trigger', '--id', scheduleId], h.env);
    expect(trigger.code, trigger.stderr).toBe(0);
    let workflowId: string | undefined;
    for (const deadline = Date.now() + 30_000; !workflowId && Date.now() < deadline; await new Promise((r) => setTimeout(r, 250))) {
      workflowId = (await h.client.schedule.getHandle(scheduleId).describe()).info.recentActions[0]?.action.workflow.workflowId;
    }
    expect(await h.client.workflow.getHandle(workflowId!).result()).toMatchObject({ listName: SCHEDULED_LIST, counts: { rowsValid: 20 } });
    expectNothingInClear(await storedHistory(h.address, h.namespace, scheduleId, 'schedule'), [SCHEDULED_LIST, 'Spring', 'scheduled-secret-audience', h.dir]);
  } finally {
    await h.client.schedule.getHandle(scheduleId).delete();
  }
});

it('after a key rotation, old runs still read with the old key in TEMPORAL_CODEC_OLD_KEYS, and not without it', async () => {
  const rotated = { ...h.env, TEMPORAL_CODEC_KEY: randomBytes(32).toString('base64'), TEMPORAL_CODEC_KEY_ID: 'enc-2' };
  const withOld = await runCliProcess(['status', syncedRun], { ...rotated, TEMPORAL_CODEC_OLD_KEYS: `enc-1:${key.toString('base64')}` });
  expect(withOld.code, withOld.stderr).toBe(0);
  expect(withOld.stdout).toContain(`list: "${LIST}"`);
  const without = await runCliProcess(['status', syncedRun], rotated);
  expect(without.code).toBe(1);
  expect(without.stderr).toMatch(/^A payload is encrypted with key id "enc-1", which this process does not have: set it as TEMPORAL_CODEC_KEY or list it in TEMPORAL_CODEC_OLD_KEYS\.\n$/);
});
