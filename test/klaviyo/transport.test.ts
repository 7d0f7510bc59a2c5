import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { inspect } from 'node:util';
import { KLAVIYO_API_REVISION } from '../../src/klaviyo/apiVersion';
import { KlaviyoClient } from '../../src/klaviyo/client';
import { KlaviyoError } from '../../src/klaviyo/errors';
import { startFakeServer, type FakeServer } from './fakeServer';
import { RequestRecorder } from './recordRequests';

// Generated at runtime (a key-shaped literal must never be committed), fresh per test so rate-limit buckets
// blocked by one test's Retry-After do not leak into the next (buckets are shared per key, by design).
let KEY = '';
const list = (id: string, name: string) => ({ type: 'list', id, attributes: { name } });

let server: FakeServer;
let client: KlaviyoClient;
const recorder = new RequestRecorder();
/** Every client here is recorded, so each request it sends is checked against the spec after the test. */
const newClient = (opts: { maxAttempts?: number; onCall?: (e: string, s: number) => void } = {}) =>
  recorder.attach(new KlaviyoClient({ apiKey: KEY, baseUrl: server.url, speedFactor: 1000, maxAttempts: 3, ...opts }));
beforeAll(async () => {
  server = await startFakeServer();
});
afterAll(() => server.close());
beforeEach(() => {
  server.received.length = 0;
  server.fallback = { status: 200, body: { data: [], links: {} } };
  KEY = `pk_${randomBytes(17).toString('hex')}`;
  client = newClient();
});
afterEach(() => {
  const violations = recorder.violations();
  recorder.requests.length = 0;
  expect(violations).toEqual([]);
});

async function caught(p: Promise<unknown>): Promise<KlaviyoError> {
  try {
    await p;
  } catch (e) {
    expect(e).toBeInstanceOf(KlaviyoError);
    const k = e as KlaviyoError;
    expect(`${k.message} ${k.stack} ${JSON.stringify(k)}`).not.toContain(KEY);
    return k;
  }
  throw new Error('expected a KlaviyoError');
}

describe('KlaviyoClient transport', () => {
  it('sends the auth, revision and JSON:API headers, and a quoted, encoded filter', async () => {
    server.script({ status: 200, body: { data: [list('L1', 'VIP c+d, (weekly)'), list('L2', 'VIP c+d, (weekly) 2')], links: { next: null } } });
    const found = await client.findListsByName('VIP c+d, (weekly)');
    expect(found).toEqual([{ id: 'L1', name: 'VIP c+d, (weekly)' }]); // exact match only
    const [req] = server.received;
    expect(req!.headers['authorization']).toBe(`Klaviyo-API-Key ${KEY}`);
    expect(req!.headers['revision']).toBe(KLAVIYO_API_REVISION);
    expect(req!.headers['accept']).toBe('application/vnd.api+json');
    const query = new URL(req!.url, 'http://x').searchParams;
    expect(query.get('filter')).toBe('equals(name,"VIP c+d, (weekly)")');
    expect(req!.url).toContain('%2B'); // a literal + would decode as a space
  });

  it('matches a name containing " or \\ locally over every list page instead of trusting an escaped filter', async () => {
    const name = 'a "b" \\ c';
    server.script(
      { status: 200, body: { data: [list('L1', name), list('L2', `${name} 2`)], links: { next: `${server.url}/api/lists?page%5Bcursor%5D=c2` } } },
      { status: 200, body: { data: [list('L3', 'other'), list('L4', name)], links: { next: null } } },
    );
    expect((await client.findListsByName(name)).map((l) => l.id)).toEqual(['L1', 'L4']);
    expect(server.received).toHaveLength(2);
    for (const req of server.received) expect(new URL(req.url, 'http://x').searchParams.has('filter')).toBe(false);
  });

  it('keeps the key out of the client object: inspecting or logging a client cannot reveal it', async () => {
    await client.getList('L1').catch(() => undefined);
    expect(server.received[0]!.headers['authorization']).toBe(`Klaviyo-API-Key ${KEY}`);
    expect(inspect(client, { depth: Infinity, showHidden: true, getters: true })).not.toContain(KEY.slice(3));
  });

  it('a long Retry-After seen by one client makes other clients of the key fail fast instead of sleeping through it', async () => {
    server.script({ status: 429, headers: { 'retry-after': '600' }, body: { errors: [] } });
    expect(await caught(client.getBulkImportJob('J1'))).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 600 });
    // Another activity in the same worker process, same key and endpoint: no request, no 10-minute sleep.
    const start = Date.now();
    const e = await caught(newClient().getBulkImportJob('J2'));
    expect(e).toMatchObject({ kind: 'rate_limited', endpoint: 'GET /api/profile-bulk-import-jobs/{job_id}' });
    expect(e.retryAfterSeconds).toBeGreaterThan(590);
    expect(e.retryAfterSeconds).toBeLessThanOrEqual(600);
    expect(Date.now() - start).toBeLessThan(1000);
    expect(server.received).toHaveLength(1);
    // Other endpoints of the key are not held.
    await expect(client.getList('L1')).rejects.toMatchObject({ kind: 'transient' }); // fallback body is a collection
    expect(server.received).toHaveLength(4);
  }, 5000);

  it('follows links.next through every page, sending only its path and query to our own base URL', async () => {
    server.script(
      { status: 200, body: { data: [list('A', 'n')], links: { next: 'https://elsewhere.example/api/lists?page%5Bcursor%5D=c2' } } },
      { status: 200, body: { data: [list('B', 'n')], links: { next: `${server.url}/api/lists?page%5Bcursor%5D=c3` } } },
      { status: 200, body: { data: [list('C', 'n')], links: {} } },
    );
    expect((await client.findListsByName('n')).map((l) => l.id)).toEqual(['A', 'B', 'C']);
    expect(server.received.map((r) => r.url)).toEqual([expect.stringContaining('filter='), '/api/lists?page%5Bcursor%5D=c2', '/api/lists?page%5Bcursor%5D=c3']);
  });

  it('an HTML error page becomes a transient error after the retries are used up', async () => {
    server.fallback = { status: 403, headers: { 'content-type': 'text/html', 'cf-mitigated': 'challenge' }, body: '<!DOCTYPE html><title>Just a moment...</title>' };
    const e = await caught(client.getList('L1'));
    expect(e.kind).toBe('transient');
    expect(e.message).toMatch(/Cloudflare challenge/);
    expect(server.received).toHaveLength(3);
  });

  it('a 200 with unparseable JSON is transient and says so', async () => {
    server.fallback = { status: 200, body: '{"data": [' };
    const e = await caught(client.getList('L1'));
    expect(e).toMatchObject({ kind: 'transient', endpoint: 'GET /api/lists/{id}', status: 200 });
    expect(e.message).toMatch(/not JSON/);
  });

  it('a 200 whose body does not match names the path that did not match', async () => {
    server.fallback = { status: 200, body: { data: { type: 'list', id: 'L1', attributes: { name: 42 } } } };
    const e = await caught(client.getList('L1'));
    expect(e.kind).toBe('transient');
    expect(e.message).toContain('data.attributes.name');
  });

  it('an unknown error code gives invalid_request quoting the code and detail, without retrying', async () => {
    server.script({ status: 409, body: { errors: [{ id: '1', code: 'brand_new_code', title: 'Conflict', detail: 'Something new', source: { pointer: '/data' } }] } });
    const e = await caught(client.createList('New list'));
    expect(e).toMatchObject({ kind: 'invalid_request', status: 409, code: 'brand_new_code', pointer: '/data', detail: 'Something new' });
    expect(server.received).toHaveLength(1);
  });

  it('never leaks the key, even if the server echoes it', async () => {
    server.script({ status: 400, body: { errors: [{ id: '1', code: 'invalid', title: 'x', detail: `bad header Klaviyo-API-Key ${KEY}` }] } });
    const e = await caught(client.getList('L1'));
    expect(e.detail).toContain('[redacted]');
  });

  it('connection resets are retried and recover; onCall sees status 0 for them', async () => {
    const calls: [string, number][] = [];
    const counted = newClient({ onCall: (e, s) => calls.push([e, s]) });
    server.script('reset', { status: 200, body: { data: list('L1', 'x') } });
    await expect(counted.getList('L1')).resolves.toEqual({ id: 'L1', name: 'x' });
    expect(calls).toEqual([
      ['GET /api/lists/{id}', 0],
      ['GET /api/lists/{id}', 200],
    ]);
  });

  it('429 waits for Retry-After and recovers; a long Retry-After is thrown at once', async () => {
    server.script({ status: 429, headers: { 'retry-after': '1' }, body: { errors: [] } }, { status: 200, body: { data: list('L1', 'x') } });
    const start = Date.now();
    await expect(client.getList('L1')).resolves.toMatchObject({ id: 'L1' });
    expect(Date.now() - start).toBeGreaterThanOrEqual(950);

    server.received.length = 0;
    server.script({ status: 429, headers: { 'retry-after': '120' }, body: { errors: [] } });
    const e = await caught(client.getBulkImportJob('J1'));
    expect(e).toMatchObject({ kind: 'rate_limited', retryAfterSeconds: 120 });
    expect(server.received).toHaveLength(1);
  });

  it('does not repeat createList after an ambiguous failure (it could create the list twice)', async () => {
    server.fallback = { status: 502, body: 'Bad Gateway' };
    const e = await caught(client.createList('Audience'));
    expect(e.kind).toBe('transient');
    expect(server.received).toHaveLength(1);
  });

  it('rejects bad arguments with a typed error instead of calling', async () => {
    const e = await caught(client.getList(''));
    expect(e.kind).toBe('invalid_request');
    expect(server.received).toHaveLength(0);
  });

  it('never throws a non-KlaviyoError from a public method, whatever comes back', async () => {
    const once = newClient({ maxAttempts: 1 });
    const bodies = ['', 'null', '[]', '"x"', '{"data":null}', '<html>', '{"errors":"nope"}'];
    for (const body of bodies) {
      for (const status of [200, 201, 400, 500]) {
        server.fallback = { status, body };
        const calls: (() => Promise<unknown>)[] = [
          () => once.getList('L1'),
          () => once.findListsByName('x'),
          () => once.createList('x'),
          () => once.countListsAndSegments(),
          () => once.getBulkImportJob('J'),
          async () => {
            for await (const _ of once.listMemberPages('L1')) void _;
          },
        ];
        for (const call of calls) await caught(call());
      }
    }
  });
});
