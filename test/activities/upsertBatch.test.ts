/**
 * upsertBatch against a scripted Klaviyo: the whole-request 400 real Klaviyo sends for one malformed
 * profile must not sink the batch, a retried attempt resumes the job it already submitted, and the store
 * learns what Klaviyo took (and what it refused, to be sent again next run).
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ActivityConfig } from '../../src/config';
import type { UpsertBatchResult } from '../../src/activities/upsert';
import { planAudience, type RowToSend } from '../../src/audience/plan';
import { openStateStore } from '../../src/store/open';
import type { SyncStateStore } from '../../src/store/types';
import { encodeBatch } from '../../src/store/batchRows';
import { startFakeServer, type FakeServer } from '../klaviyo/fakeServer';
import { startEmulator } from 'klaviyo-emulator';
import { KlaviyoClient } from '../../src/klaviyo/client';
import { writeCsvAudience, makeCustomers } from '../support/audienceFiles';
import { testActivityConfig } from '../support/activityConfig';

const job = (status: string, completed = 0) => ({
  data: {
    type: 'profile-bulk-import-job',
    id: 'JOB1',
    attributes: { status, total_count: 3, completed_count: completed, failed_count: 0, created_at: '2026-11-30T00:00:00Z' },
  },
});
const noErrors = { data: [], links: {} };
/** The account's newest jobs, as a status look reads them. */
const recentJobs = (status: string, completed = 0) => ({ data: [job(status, completed).data], links: {} });

let server: FakeServer;
let dir: string;
let config: ActivityConfig;
let store: SyncStateStore;
beforeEach(async () => {
  server = await startFakeServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsert-batch-'));
  fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify({ default: 'test-key' }));
  config = testActivityConfig(dir, {
    klaviyo: { baseUrl: server.url, credentialsFile: path.join(dir, 'credentials.json'), rateSpeedFactor: 100 },
    state: { location: path.join(dir, 'state.sqlite'), verifyEveryMs: 1000 },
  });
  store = await openStateStore(config.state.location);
});
afterEach(async () => {
  await store.close();
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

/** A planned snapshot of three new customers, as the plan activity leaves it in the store. */
async function batchInput() {
  const file = writeCsvAudience(dir, 'a.csv', makeCustomers(3, { prefix: 'batch' }).rows);
  const rows: RowToSend[] = [];
  await planAudience({ type: 'csv', path: file }, { sink: { send: (r) => void rows.push(r), reject: () => undefined, unsend: () => undefined } });
  await store.putSnapshotBatch('wf/run', 0, encodeBatch(rows));
  return { credential: 'default', runKey: 'wf/run', account: 'A1', listId: 'LIST01', batch: 0 };
}

const posts = () => server.received.filter((r) => r.method === 'POST');

describe('upsertBatch', () => {
  it('reports the profile Klaviyo refused in a whole-request 400 and imports the rest', async () => {
    server.script(
      {
        status: 400,
        body: {
          errors: [
            {
              id: 'e1',
              status: 400,
              code: 'invalid',
              title: 'Invalid input.',
              detail: 'Invalid email address',
              source: { pointer: '/data/attributes/profiles/data/1/attributes/email' },
            },
          ],
        },
      },
      { status: 202, body: job('queued') },
      { status: 200, body: recentJobs('complete', 2) },
      { status: 200, body: noErrors },
    );
    const input = await batchInput();
    const result = await new MockActivityEnvironment().run(createActivities(config, store).upsertBatch, input);

    expect(result).toMatchObject({ index: 0, sent: 3, imported: 2, added: 2, klaviyoRejected: 1 });
    const resent = JSON.parse(posts()[1]!.body).data.attributes.profiles.data.map((p: { attributes: { email: string } }) => p.attributes.email);
    expect(resent).toEqual(['batch.0@example.com', 'batch.2@example.com']);
    expect(JSON.parse(posts()[1]!.body).data.relationships.lists.data).toEqual([{ type: 'list', id: 'LIST01' }]);
    expect(await store.rejectPage('wf/run', 0, 10)).toEqual([
      { row: 2, email: 'batch.1@example.com', reason: 'klaviyo_rejected', field: 'email', message: 'Invalid email address' },
    ]);
    // The refused one is not a member: the next run sends it again.
    expect((await store.memberPage('A1', 'LIST01', { kind: 'stored' }, undefined, 10)).map((m) => m.email).sort()).toEqual([
      'batch.0@example.com',
      'batch.2@example.com',
    ]);
  });

  it('fails the run as snapshot_lost, sending nothing, when the store has no such batch of the run (never sends it as empty)', async () => {
    const input = { ...(await batchInput()), batch: 1 };
    const err = await new MockActivityEnvironment().run(createActivities(config, store).upsertBatch, input).catch((e: unknown) => e);
    expect(err).toMatchObject({ type: 'snapshot_lost', nonRetryable: true });
    expect((err as Error).message).toMatch(/^batch 1 of run wf\/run is missing from the sync-state store \(the store was upgraded/);
    expect(server.received).toHaveLength(0);
  });

  it('a retried attempt resumes the job id from its heartbeat details instead of submitting again', async () => {
    server.script({ status: 200, body: recentJobs('complete', 3) }, { status: 200, body: noErrors });
    const input = await batchInput();
    const env = new MockActivityEnvironment({ heartbeatDetails: { jobs: { 0: 'JOB1' } }, attempt: 2 });
    const result: UpsertBatchResult = await env.run(createActivities(config, store).upsertBatch, input);
    expect(result.imported).toBe(3);
    expect(posts()).toHaveLength(0);
    // Its status from the account's newest jobs, where JOB1 is.
    expect(server.received[0]!.url).toMatch(/^\/api\/profile-bulk-import-jobs\?.*sort=-created_at/);
  });

  it('posts every job of a batch before it waits on any (a batch over 5 MB is two jobs)', async () => {
    // Each job takes 1.5 s at the emulator: posted one after the other's completion, the second would be made after.
    const emulator = await startEmulator({ speed: 50, jobDelayMs: 1500 });
    try {
      const key = await emulator.admin.createKey();
      fs.writeFileSync(config.klaviyo.credentialsFile!, JSON.stringify({ default: key }));
      const client = new KlaviyoClient({ apiKey: key, baseUrl: emulator.url, speedFactor: 50 });
      const list = await client.createList('Two jobs');
      // 60 profiles of ~90 KB: ~5.4 MB, over one request body's 5 MB.
      const file = writeCsvAudience(dir, 'big.csv', makeCustomers(60, { prefix: 'big' }).rows);
      const rows: RowToSend[] = [];
      await planAudience({ type: 'csv', path: file }, { sink: { send: (r) => void rows.push(r), reject: () => undefined, unsend: () => undefined } });
      const padded = rows.map((r) => ({ ...r, attributes: JSON.stringify({ ...JSON.parse(r.attributes), properties: { pad: 'x'.repeat(90_000) } }) }));
      await store.putSnapshotBatch('wf/run', 0, encodeBatch(padded));
      const input = { credential: 'default', runKey: 'wf/run', account: 'A1', listId: list.id, batch: 0 };
      const klaviyo = { ...config.klaviyo, baseUrl: emulator.url, rateSpeedFactor: 50 };
      const result: UpsertBatchResult = await new MockActivityEnvironment().run(createActivities({ ...config, klaviyo }, store).upsertBatch, input);

      expect(result).toMatchObject({ sent: 60, imported: 60, jobs: 2 });
      const [second, first] = await client.recentBulkImportJobs();
      expect(Date.parse(second!.createdAt!)).toBeLessThan(Date.parse(first!.completedAt!));
      expect(await emulator.admin.listMembers(list.id)).toHaveLength(60);
    } finally {
      await emulator.close();
    }
  });

  it('gives up on a bulk job that stops moving, saying so in its heartbeat, and submits the batch again, adding everyone once', async () => {
    const emulator = await startEmulator({ speed: 50, jobDelayMs: 50 });
    try {
      const key = await emulator.admin.createKey();
      fs.writeFileSync(config.klaviyo.credentialsFile!, JSON.stringify({ default: key }));
      const list = await new KlaviyoClient({ apiKey: key, baseUrl: emulator.url, speedFactor: 50 }).createList('Stuck');
      await emulator.admin.injectFault({ kind: 'stuck_jobs', count: 1 });
      const input = { ...(await batchInput()), listId: list.id };
      // The overall timeout is far off: it is standing still that gives the job away.
      const klaviyo = { ...config.klaviyo, baseUrl: emulator.url, rateSpeedFactor: 50 };
      const stuckConfig = { ...config, klaviyo, bulkJobTimeoutMs: 600_000, bulkJobStallMs: 3_000 };
      const env = new MockActivityEnvironment();
      const notes: string[] = [];
      env.on('heartbeat', (d: { waitingOn?: string }) => void (d?.waitingOn && notes.push(d.waitingOn)));

      const keys = (await store.snapshotBatch('wf/run', 0))!.map((r) => ({ batch: 0, emailKey: r.emailKey }));
      const started = Date.now();
      const running: Promise<UpsertBatchResult> = env.run(createActivities(stuckConfig, store).upsertBatch, input);
      // While its job stands still, a later row of an e-mail (a plan still sealing) supersedes one of its rows:
      // the job sent again still carries that row, as first sent.
      await new Promise((resolve) => setTimeout(resolve, 1000));
      await store.supersedeSnapshotRows('wf/run', keys.slice(1, 2));
      const result: UpsertBatchResult = await running;
      expect(Date.now() - started).toBeLessThan(15_000);
      expect(notes.at(-1)).toMatch(/^Klaviyo import job \w+ unchanged for \d+ s \(processing, 0 of 3 done\)$/);
      expect(result.imported).toBe(3);
      expect((await emulator.admin.stats()).calls['POST /api/profile-bulk-import-jobs']).toBe(2);
      expect(await emulator.admin.listMembers(list.id)).toHaveLength(3);
    } finally {
      await emulator.close();
    }
  });
});
