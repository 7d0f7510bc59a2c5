/**
 * The client against the project's Klaviyo emulator: each error class, pagination, bulk import splitting,
 * pacing and recovery. Every request the client sends here is validated against the OpenAPI spec.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startEmulator, type RunningEmulator } from 'klaviyo-emulator';
import { KlaviyoClient, splitForBulkImport, type KlaviyoClientOptions } from '../../src/klaviyo/client';
import { KlaviyoError } from '../../src/klaviyo/errors';
import type { BulkImportJob, ProfileInput } from '../../src/klaviyo/types';
import { RequestRecorder } from './recordRequests';

const SPEED = 20;
let emu: RunningEmulator;
let accountSeq = 0;
const recorder = new RequestRecorder();

beforeAll(async () => {
  emu = await startEmulator({ speed: SPEED });
});
afterAll(() => emu.close());
afterEach(async () => {
  await emu.admin.clearFaults();
  const violations = recorder.violations();
  recorder.requests.length = 0;
  expect(violations).toEqual([]);
});

/** A client on a fresh account (limits and rate-limit buckets are per account) with a key of the given scopes. */
async function newClient(opts: { scopes?: string[]; client?: Partial<KlaviyoClientOptions> } = {}) {
  const account = `acct${++accountSeq}`;
  const key = await emu.admin.createKey({ account, ...(opts.scopes && { scopes: opts.scopes }) });
  const client = recorder.attach(new KlaviyoClient({ apiKey: key, baseUrl: emu.url, speedFactor: SPEED, ...opts.client }));
  return { client, key, account };
}

async function rejection(p: Promise<unknown>): Promise<KlaviyoError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(KlaviyoError);
  return e as KlaviyoError;
}

const people = (n: number, prefix = 'p', padding = 0): ProfileInput[] =>
  Array.from({ length: n }, (_, i) => ({
    attributes: { email: `${prefix}${i}@example.com`, ...(padding && { properties: { note: 'x'.repeat(padding) } }) },
  }));

async function waitForJob(client: KlaviyoClient, id: string): Promise<BulkImportJob> {
  for (;;) {
    const job = await client.getBulkImportJob(id);
    if (job.status === 'complete' || job.status === 'cancelled') return job;
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function collect<T>(gen: AsyncGenerator<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of gen) out.push(x);
  return out;
}

describe('credentials and scopes', () => {
  it('checkKey passes for a full key', async () => {
    const { client } = await newClient();
    await expect(client.checkKey()).resolves.toBeUndefined();
    await expect(client.accountId()).resolves.toEqual(expect.any(String));
  });

  it('a revoked key is invalid_credentials, and the message does not contain the key', async () => {
    const { client, key } = await newClient();
    await emu.admin.revokeKey(key);
    const e = await rejection(client.checkKey());
    expect(e).toMatchObject({ kind: 'invalid_credentials', status: 401 });
    expect(JSON.stringify({ ...e, m: e.message, s: e.stack })).not.toContain(key);
  });

  it('a key without profile scopes is missing_scope', async () => {
    const { client } = await newClient({ scopes: ['lists:read', 'lists:write'] });
    const e = await rejection(client.checkKey());
    expect(e).toMatchObject({ kind: 'missing_scope', status: 403, endpoint: 'GET /api/profiles' });
    expect(e.message).toContain('profiles:read');
  });
});

describe('lists', () => {
  it('finds lists by exact name through every page (25 lists of the same name)', async () => {
    const { client, account } = await newClient();
    await emu.admin.seedLists([...Array.from({ length: 25 }, () => 'Weekly VIP, buyers+'), 'Weekly VIP, buyers+ old', 'Say "hi" \\ o/', 'other'], account);
    const found = await client.findListsByName('Weekly VIP, buyers+');
    expect(found).toHaveLength(25);
    expect(new Set(found.map((l) => l.id)).size).toBe(25);
    const pages = recorder.requests.filter((r) => r.path === '/api/lists');
    expect(pages).toHaveLength(3); // 10 + 10 + 5 through the server-side name filter
    expect(pages[0]!.query).toContain('filter=');
    expect(pages[1]!.query).toContain('page%5Bcursor%5D');
    // Quotes and backslashes: matched locally over all 28 lists (3 pages of 10), no filter sent.
    recorder.requests.length = 0;
    expect((await client.findListsByName('Say "hi" \\ o/')).map((l) => l.name)).toEqual(['Say "hi" \\ o/']);
    expect(recorder.requests.map((r) => r.query.includes('filter='))).toEqual([false, false, false]);
  });

  it('creates a list, reads it back (with profile_count), and a bad id is not_found', async () => {
    const { client } = await newClient();
    const created = await client.createList('Newsletter');
    expect(created).toMatchObject({ name: 'Newsletter', id: expect.any(String) });
    await expect(client.getList(created.id, { profileCount: true })).resolves.toMatchObject({ id: created.id, profileCount: 0 });
    const e = await rejection(client.getList('NoSuchList'));
    expect(e).toMatchObject({ kind: 'not_found', status: 404, endpoint: 'GET /api/lists/{id}' });
    expect((await rejection(client.addListMembers('NoSuchList', ['01HZZZZZZZZZZZZZZZZZZZZZZZ']))).kind).toBe('not_found');
  });

  it('counts 1000 lists+segments, and creating one more is list_limit', async () => {
    const { client, account } = await newClient();
    await emu.admin.seedLists(Array.from({ length: 985 }, (_, i) => `seed ${i}`), account);
    await emu.admin.seedSegments(15, account);
    await expect(client.countListsAndSegments()).resolves.toEqual({ lists: 985, segments: 15 });
    const e = await rejection(client.createList('one too many'));
    expect(e).toMatchObject({ kind: 'list_limit', endpoint: 'POST /api/lists' });
    expect(e.message).toMatch(/maximum number of lists and segments/);
  });

  it('the daily list-creation cap is daily_list_cap with a long retryAfterSeconds', async () => {
    const { client, account } = await newClient();
    await emu.admin.setLimits({ account, dailyListCreates: 2 });
    await client.createList('a');
    await client.createList('b');
    const e = await rejection(client.createList('c'));
    expect(e).toMatchObject({ kind: 'daily_list_cap', status: 429 });
    expect(e.retryAfterSeconds).toBeGreaterThan(3600);
    expect(recorder.requests.filter((r) => r.method === 'POST')).toHaveLength(3); // not retried
  });
});

describe('members and bulk import', () => {
  it('imports 250 members into a list and pages them (100/100/50), resuming from a cursor', async () => {
    const { client } = await newClient();
    const list = await client.createList('Members');
    const job = await client.createBulkImportJob({ listId: list.id, profiles: people(250) });
    expect(job).toMatchObject({ totalCount: 250, status: expect.stringMatching(/queued|processing/) });
    expect(await waitForJob(client, job.id)).toMatchObject({ status: 'complete', completedCount: 250, failedCount: 0 });

    const pages = await collect(client.listMemberPages(list.id));
    expect(pages.map((p) => p.members.length)).toEqual([100, 100, 50]);
    expect(pages[2]!.nextCursor).toBeNull();
    const emails = pages.flatMap((p) => p.members.map((m) => m.email)).sort();
    expect(emails).toEqual(people(250).map((p) => p.attributes.email).sort());

    const resumed = await collect(client.listMemberPages(list.id, { cursor: pages[0]!.nextCursor! }));
    expect(resumed.flatMap((p) => p.members.map((m) => m.id))).toEqual(pages.slice(1).flatMap((p) => p.members.map((m) => m.id)));

    const ids = await collect(client.bulkImportProfileIds(job.id));
    expect(new Set(ids)).toEqual(new Set(pages.flatMap((p) => p.members.map((m) => m.id))));
    expect((await client.getList(list.id, { profileCount: true })).profileCount).toBe(250);
  });

  it('adds and removes 2,500 members in chunks of at most 1,000', async () => {
    const { client } = await newClient();
    const source = await client.createList('source');
    const job = await client.createBulkImportJob({ listId: source.id, profiles: people(2500, 'm') });
    await waitForJob(client, job.id);
    const ids = await collect(client.bulkImportProfileIds(job.id));
    expect(ids).toHaveLength(2500);
    const target = await client.createList('target');
    recorder.requests.length = 0;
    await client.addListMembers(target.id, [...ids, ids[0]!]); // duplicate dropped
    expect((await emu.admin.listMembers(target.id)).length).toBe(2500);
    await client.removeListMembers(target.id, ids.slice(0, 1200));
    expect((await emu.admin.listMembers(target.id)).length).toBe(1300);
    const sizes = recorder.requests.map((r) => `${r.method} ${(r.body as { data: unknown[] }).data.length}`);
    expect(sizes).toEqual(['POST 1000', 'POST 1000', 'POST 500', 'DELETE 1000', 'DELETE 200']);
  });

  it('reports per-profile import errors with the submitted e-mail', async () => {
    const { client } = await newClient();
    const profiles = [...people(3), { attributes: { email: 'not-an-email' } }, { attributes: { email: 'ok@example.com', phone_number: '555-1234' } }];
    const job = await client.createBulkImportJob({ profiles });
    expect(await waitForJob(client, job.id)).toMatchObject({ completedCount: 3, failedCount: 2 });
    const errors = await collect(client.bulkImportErrors(job.id));
    expect(errors).toHaveLength(2);
    expect(errors.map((e) => e.email).sort()).toEqual(['not-an-email', 'ok@example.com']);
    expect(errors.every((e) => e.code && e.detail)).toBe(true);
  });

  it('a malformed bulk import is a validation error naming the profile indexes; nothing is imported', async () => {
    const { client, account } = await newClient();
    const profiles = people(5, 'v');
    profiles[1] = { attributes: { email: 42 as unknown as string } };
    profiles[3] = { attributes: { email: 'v3@example.com', phone_number: 15551234 as unknown as string } };
    const e = await rejection(client.createBulkImportJob({ profiles }));
    // This request breaks the spec on purpose: the conformance check must see that, then forget it.
    expect(recorder.violations()).toEqual([expect.stringMatching(/profiles\/data\/1\/attributes\/email.*profiles\/data\/3\/attributes\/phone_number/)]);
    recorder.requests.length = 0;
    expect(e).toMatchObject({ kind: 'validation', status: 400 });
    expect(e.profileErrors!.map((p) => [p.index, p.field])).toEqual([
      [1, 'email'],
      [3, 'phone_number'],
    ]);
    expect(e.message).toMatch(/index 1, 3/);
    expect(await emu.admin.profile('v0@example.com', account)).toBeNull();

    const noIdentifier = people(3, 'w');
    noIdentifier[2] = { attributes: { first_name: 'nobody' } };
    const e2 = await rejection(client.createBulkImportJob({ profiles: noIdentifier }));
    expect(e2).toMatchObject({ kind: 'validation', profileErrors: [{ index: 2 }] });
  });

  it('splits a 25,000-profile import into 10,000/10,000/5,000 jobs that all land', async () => {
    const { client } = await newClient();
    const list = await client.createList('big');
    const batches = splitForBulkImport(people(25_000, 'big'));
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5_000]);
    const jobs = [];
    for (const profiles of batches) jobs.push(await client.createBulkImportJob({ listId: list.id, profiles }));
    for (const job of jobs) expect((await waitForJob(client, job.id)).completedCount).toBe(job.totalCount);
    expect((await emu.admin.listMembers(list.id)).length).toBe(25_000);
  });

  it('splits by size when large profiles would exceed 5 MB, and refuses an unsplit oversized job locally', async () => {
    const { client } = await newClient();
    const profiles = people(1_500, 'big', 4_000); // ~6 MB in total, far fewer than 10,000 profiles
    const calls = recorder.requests.length;
    const e = await rejection(client.createBulkImportJob({ profiles }));
    expect(e.kind).toBe('invalid_request');
    expect(recorder.requests.length).toBe(calls); // nothing sent
    const batches = splitForBulkImport(profiles);
    expect(batches.length).toBe(2);
    for (const batch of batches) {
      const job = await client.createBulkImportJob({ profiles: batch });
      expect((await waitForJob(client, job.id)).completedCount).toBe(batch.length);
    }
  });
});

describe('faults and recovery', () => {
  it('recovers from injected 429s by waiting Retry-After', async () => {
    const { client } = await newClient();
    await emu.admin.injectFault({ kind: 'status', status: 429, retryAfter: 1, count: 2, match: 'GET /api/lists' });
    const start = Date.now();
    await expect(client.findListsByName('x')).resolves.toEqual([]);
    expect(Date.now() - start).toBeGreaterThanOrEqual(1900);
  });

  it('throws rate_limited with retryAfterSeconds when 429s outlast the attempts, or the wait is long', async () => {
    const { client } = await newClient();
    await emu.admin.injectFault({ kind: 'status', status: 429, retryAfter: 1, count: 3, match: 'GET /api/lists' });
    expect(await rejection(client.findListsByName('x'))).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 1 });
    const other = await newClient();
    await emu.admin.injectFault({ kind: 'status', status: 429, retryAfter: 90, count: 1, match: 'GET /api/segments' });
    const start = Date.now();
    expect(await rejection(other.client.countListsAndSegments())).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 90 });
    expect(Date.now() - start).toBeLessThan(5000);
  });

  for (const fault of [
    { kind: 'status', status: 500 },
    { kind: 'status', status: 503 },
    { kind: 'reset' },
    { kind: 'html' },
  ] as const) {
    it(`recovers from an injected ${fault.kind} ${'status' in fault ? fault.status : ''}, and reports transient when it persists`, async () => {
      const { client } = await newClient();
      const list = await client.createList('faulty');
      await emu.admin.injectFault({ ...fault, match: 'GET /api/lists/', count: 2 });
      await expect(client.getList(list.id)).resolves.toMatchObject({ id: list.id });
      await emu.admin.injectFault({ ...fault, match: 'GET /api/lists/', count: 3 });
      const e = await rejection(client.getList(list.id));
      expect(e.kind).toBe('transient');
      expect(e.message.length).toBeGreaterThan(20);
    });
  }
});

// The client paces by send time, the emulator counts by arrival time: on a loaded machine one request can
// cross a window edge late and be refused once (then retried after Retry-After). More than one is a pacing bug.
const WINDOW_EDGE_TOLERANCE = 1;

describe('pacing', () => {
  it('40 concurrent calls to an M-tier endpoint (10/s × speed 2) are paced: at most a window-edge 429', async () => {
    const slow = await startEmulator({ speed: 2 });
    try {
      const key = await slow.admin.createKey();
      const client = recorder.attach(new KlaviyoClient({ apiKey: key, baseUrl: slow.url, speedFactor: 2 }));
      const job = await client.createBulkImportJob({ profiles: people(1) });
      const before = await slow.admin.stats();
      const start = Date.now();
      await Promise.all(Array.from({ length: 40 }, () => client.getBulkImportJob(job.id)));
      const elapsed = Date.now() - start;
      const after = await slow.admin.stats();
      const throttled = after.throttled - before.throttled;
      expect(throttled).toBeLessThanOrEqual(WINDOW_EDGE_TOLERANCE);
      const endpoint = 'GET /api/profile-bulk-import-jobs/{job_id}';
      expect((after.calls[endpoint] ?? 0) - (before.calls[endpoint] ?? 0)).toBe(40 + throttled); // a retry per refusal, no more
      expect(elapsed).toBeGreaterThanOrEqual(1000); // 20 per second: it had to wait at least one window
    } finally {
      await slow.close();
    }
  });

  it('four concurrent bulk imports polling tightly, plus a reconcile paging the list, share one pace per key', async () => {
    const real = await startEmulator({ speed: 1, jobDelayMs: 300 });
    try {
      const key = await real.admin.createKey();
      // One client per activity, as the worker builds them; the limiter is shared through the key.
      const activity = () => recorder.attach(new KlaviyoClient({ apiKey: key, baseUrl: real.url }));
      const list = await activity().createList('shared pace');
      const seed = await activity().createBulkImportJob({ listId: list.id, profiles: people(300, 'seed') });
      await waitForJob(activity(), seed.id);
      const before = await real.admin.stats();
      const imports = [0, 1, 2, 3].map(async (i) => {
        const client = activity();
        const job = await client.createBulkImportJob({ listId: list.id, profiles: people(50, `c${i}-`) });
        return (await waitForJob(client, job.id)).completedCount; // polls every 50 ms: 80/s wanted, 10/s allowed
      });
      const reconcile = collect(activity().listMemberPages(list.id));
      expect(await Promise.all(imports)).toEqual([50, 50, 50, 50]);
      expect((await reconcile).length).toBeGreaterThanOrEqual(3);
      const after = await real.admin.stats();
      expect(after.throttled - before.throttled).toBeLessThanOrEqual(WINDOW_EDGE_TOLERANCE);
      expect(after.calls['GET /api/profile-bulk-import-jobs/{job_id}']! - (before.calls['GET /api/profile-bulk-import-jobs/{job_id}'] ?? 0)).toBeGreaterThan(10);
    } finally {
      await real.close();
    }
  });
});
