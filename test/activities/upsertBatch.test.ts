/**
 * upsertBatch against a scripted Klaviyo: the whole-request 400 real Klaviyo sends for one malformed
 * profile must not sink the batch, and a retried attempt resumes the job it already submitted.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createActivities } from '../../src/activities';
import type { ActivityConfig } from '../../src/config';
import type { UpsertBatchResult } from '../../src/activities/upsert';
import { planAudience } from '../../src/audience/plan';
import { startFakeServer, type FakeServer } from '../klaviyo/fakeServer';
import { startEmulator } from 'klaviyo-emulator';
import { KlaviyoClient } from '../../src/klaviyo/client';
import { writeCsvAudience, makeCustomers } from '../support/audienceFiles';

const job = (status: string, completed = 0) => ({
  data: {
    type: 'profile-bulk-import-job',
    id: 'JOB1',
    attributes: { status, total_count: 3, completed_count: completed, failed_count: 0, created_at: '2026-11-30T00:00:00Z' },
  },
});
const noErrors = { data: [], links: {} };

let server: FakeServer;
let dir: string;
let config: ActivityConfig;
beforeEach(async () => {
  server = await startFakeServer();
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'upsert-batch-'));
  fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify({ default: 'test-key' }));
  config = {
    klaviyo: { baseUrl: server.url, credentialsFile: path.join(dir, 'credentials.json'), rateSpeedFactor: 100 },
    audience: { batchMaxProfiles: 10_000, defaultPhoneCountry: 'US' },
    audienceRoots: [dir],
    sources: { connectionVariables: {}, queryTimeoutMs: 60_000, connectAttempts: 1, snapshotDir: path.join(dir, 'snapshots') },
    reportDir: path.join(dir, 'reports'),
    bulkJobTimeoutMs: 10_000,
    bulkJobStallMs: 10_000,
  };
});
afterEach(async () => {
  await server.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

async function batchInput() {
  const file = writeCsvAudience(dir, 'a.csv', makeCustomers(3, { prefix: 'batch' }).rows);
  const audience = { type: 'csv' as const, path: file };
  const plan = await planAudience(audience);
  return {
    credential: 'default',
    listId: 'LIST01',
    audience,
    batch: { ...plan.batches[0]!, header: plan.header },
    fingerprint: plan.fingerprint,
    updateContacts: true,
    reportKey: 'wf/run',
  };
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
      { status: 200, body: job('complete', 2) },
      { status: 200, body: noErrors },
    );
    const input = await batchInput();
    const result = await new MockActivityEnvironment().run(createActivities(config).upsertBatch, input);

    expect(result).toMatchObject({ index: 0, rowsRead: 3, imported: 2, klaviyoRejected: 1, rejectedByReason: { klaviyo_rejected: 1 } });
    const resent = JSON.parse(posts()[1]!.body).data.attributes.profiles.data.map((p: { attributes: { email: string } }) => p.attributes.email);
    expect(resent).toEqual(['batch.0@example.com', 'batch.2@example.com']);
    expect(JSON.parse(posts()[1]!.body).data.relationships.lists.data).toEqual([{ type: 'list', id: 'LIST01' }]);
    const rejects = fs.readFileSync(path.join(config.reportDir, 'wf', 'run', 'rejects-batch-000000.ndjson'), 'utf8');
    expect(rejects).toContain('batch.1@example.com');
    expect(rejects).toContain('Invalid email address');
  });

  it('a retried attempt resumes the job id from its heartbeat details instead of submitting again', async () => {
    server.script({ status: 200, body: job('complete', 3) }, { status: 200, body: noErrors });
    const input = await batchInput();
    const env = new MockActivityEnvironment({ heartbeatDetails: { jobs: { 0: 'JOB1' } }, attempt: 2 });
    const result: UpsertBatchResult = await env.run(createActivities(config).upsertBatch, input);
    expect(result.imported).toBe(3);
    expect(posts()).toHaveLength(0);
    expect(server.received[0]!.url).toContain('/api/profile-bulk-import-jobs/JOB1');
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

      const started = Date.now();
      const result: UpsertBatchResult = await env.run(createActivities(stuckConfig).upsertBatch, input);
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
