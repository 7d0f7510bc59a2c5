/**
 * verifyMembership against the emulator: the drift check reads only when due, and a retried attempt
 * (a worker killed mid-read) resumes from the page cursor in its heartbeat details instead of page 1.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { startEmulator, type RunningEmulator } from 'klaviyo-emulator';
import { createActivities } from '../../src/activities';
import type { ActivityConfig } from '../../src/config';
import { KlaviyoClient } from '../../src/klaviyo/client';
import type { ListMemberPage } from '../../src/klaviyo/types';
import { openStateStore } from '../../src/store/open';
import type { SyncStateStore } from '../../src/store/types';
import type { VerifyMembershipResult } from '../../src/activities/membership';
import { loadHashes } from '../../src/audience/emailHash';
import { testActivityConfig } from '../support/activityConfig';

const PAGES = 'GET /api/lists/{id}/profiles';
let emulator: RunningEmulator;
let store: SyncStateStore;
let config: ActivityConfig;
let dir: string;
let listId: string;

beforeAll(async () => {
  emulator = await startEmulator({ speed: 50, jobDelayMs: 20 });
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'membership-'));
  const key = await emulator.admin.createKey();
  fs.writeFileSync(path.join(dir, 'credentials.json'), JSON.stringify({ default: key }));
  config = testActivityConfig(dir, { klaviyo: { baseUrl: emulator.url, credentialsFile: path.join(dir, 'credentials.json'), rateSpeedFactor: 50 } });
  store = await openStateStore(config.state.location);
  const client = new KlaviyoClient({ apiKey: key, baseUrl: emulator.url, speedFactor: 50 });
  listId = (await client.createList('Read me')).id;
  const job = await client.createBulkImportJob({ listId, profiles: Array.from({ length: 250 }, (_, i) => ({ attributes: { email: `m${i}@x.com` } })) });
  while ((await client.getBulkImportJob(job.id)).status !== 'complete') await new Promise((r) => setTimeout(r, 20));
});
afterAll(async () => {
  await store?.close();
  await emulator?.close();
  fs.rmSync(dir, { recursive: true, force: true });
});

const input = (runKey: string, requested = false) => ({ credential: 'default', runKey, account: 'A', listId, listName: 'Read me', requested, dryRun: false });
const pagesRead = async () => (await emulator.admin.stats()).calls[PAGES] ?? 0;

describe('verifyMembership', () => {
  it('reads a list the store does not know, then not again until due or asked', async () => {
    const first = await new MockActivityEnvironment().run(createActivities(config, store).verifyMembership, input('wf/1'));
    expect(first).toMatchObject({ reason: 'no_state', listed: 250, strangers: 250, missing: 0 });
    expect(await store.countMembers('A', listId)).toBe(250);
    const before = await pagesRead();
    const second: VerifyMembershipResult = await new MockActivityEnvironment().run(createActivities(config, store).verifyMembership, input('wf/2'));
    expect(second.reason).toBeUndefined();
    expect(await pagesRead()).toBe(before);
    const asked = await new MockActivityEnvironment().run(createActivities(config, store).verifyMembership, input('wf/3', true));
    expect(asked).toMatchObject({ reason: 'requested', listed: 250, strangers: 0, missing: 0 });
  });

  it('a retried attempt resumes from the cursor in its heartbeat details, not from page 1', async () => {
    const client = new KlaviyoClient({ apiKey: JSON.parse(fs.readFileSync(config.klaviyo.credentialsFile!, 'utf8')).default, baseUrl: emulator.url, speedFactor: 50 });
    const pages = client.listMemberPages(listId);
    const page1 = (await pages.next()).value as ListMemberPage;
    const { emailKey } = await loadHashes();
    await store.putReadMembers('wf/4', page1.members.map((m) => ({ profileId: m.id, email: m.email!, emailKey: emailKey(m.email!) })));
    const before = await pagesRead();
    const env = new MockActivityEnvironment({ heartbeatDetails: { cursor: page1.nextCursor, read: 100 }, attempt: 2 });
    const result: VerifyMembershipResult = await env.run(createActivities(config, store).verifyMembership, input('wf/4', true));
    // 250 members, 100 a page: pages 2 and 3 only.
    expect((await pagesRead()) - before).toBe(2);
    expect(result.listed).toBe(250);
  });
});
