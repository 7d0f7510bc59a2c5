/** `codec-server` through the real binary: decrypts for callers with the token, refuses others, answers the UI's CORS. */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import { AesGcmPayloadCodec } from '../../src/temporal/codec';
import { runCliProcess } from './cliProcess';

const oldKey = randomBytes(32);
const key = randomBytes(32);
const token = randomBytes(24).toString('hex');
const ui = 'http://localhost:8233';
let child: ChildProcess;
let url: string;

beforeAll(async () => {
  child = spawn(process.execPath, [path.resolve(__dirname, '../../bin/klaviyo-audience-sync.js'), 'codec-server', '--port', '0'], {
    env: {
      ...process.env,
      KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE: '1',
      TEMPORAL_CODEC_KEY: key.toString('base64'),
      TEMPORAL_CODEC_KEY_ID: 'new',
      TEMPORAL_CODEC_OLD_KEYS: `old:${oldKey.toString('base64')}`,
      TEMPORAL_CODEC_SERVER_TOKEN: token,
      TEMPORAL_CODEC_CORS_ORIGINS: ui,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  url = await new Promise<string>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      out += c.toString();
      const m = /listening on (http:\/\/127\.0\.0\.1:\d+)/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', () => reject(new Error(`codec-server exited: ${out}`)));
  });
});
afterAll(() => {
  child?.kill('SIGTERM');
});

/** A payload as the Temporal server stores it: encrypted (under the old key, to prove rotation), in the protocol's JSON. */
async function storedPayload(value: unknown) {
  const [p] = await new AesGcmPayloadCodec({ keyId: 'old', keys: { old: oldKey } }).encode([defaultPayloadConverter.toPayload(value)!]);
  const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');
  return { metadata: Object.fromEntries(Object.entries(p!.metadata!).map(([k, v]) => [k, b64(v)])), data: b64(p!.data!) };
}

function decode(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${url}/decode`, { method: 'POST', headers: { 'Content-Type': 'application/json', ...headers }, body: JSON.stringify(body) });
}

describe('codec-server', () => {
  it('decrypts payloads (an old key included) for a caller with the token', async () => {
    const res = await decode({ payloads: [await storedPayload({ listName: 'Spring VIP' })] }, { Authorization: `Bearer ${token}`, 'X-Namespace': 'default' });
    expect(res.status).toBe(200);
    const [p] = ((await res.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }).payloads;
    expect(Buffer.from(p!.metadata.encoding!, 'base64').toString()).toBe('json/plain');
    expect(JSON.parse(Buffer.from(p!.data, 'base64').toString())).toEqual({ listName: 'Spring VIP' });
  });

  it('refuses a caller without the token, or with a wrong one, and says how to sign in', async () => {
    const body = { payloads: [await storedPayload('secret')] };
    for (const headers of [{}, { Authorization: 'Bearer wrong-token' }] as Record<string, string>[]) {
      const res = await decode(body, headers);
      expect(res.status).toBe(401);
      expect(JSON.stringify(await res.json())).not.toContain('secret');
    }
  });

  it("answers the Temporal UI's preflight, signs a browser in with a cookie, and refuses other origins", async () => {
    const preflight = await fetch(`${url}/decode`, {
      method: 'OPTIONS',
      headers: { Origin: ui, 'Access-Control-Request-Method': 'POST', 'Access-Control-Request-Headers': 'content-type,x-namespace' },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(ui);
    expect(preflight.headers.get('access-control-allow-credentials')).toBe('true');
    expect(preflight.headers.get('access-control-allow-headers')).toMatch(/X-Namespace/);

    const login = await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token }), redirect: 'manual' });
    expect(login.status).toBe(200);
    const cookie = login.headers.get('set-cookie')!.split(';')[0]!;
    expect(login.headers.get('set-cookie')).toMatch(/HttpOnly; SameSite=Lax/);
    const viaUi = await decode({ payloads: [await storedPayload(42)] }, { Origin: ui, Cookie: cookie });
    expect(viaUi.status).toBe(200);
    expect(viaUi.headers.get('access-control-allow-origin')).toBe(ui);
    expect((await fetch(`${url}/login`, { method: 'POST', body: new URLSearchParams({ token: 'nope' }) })).status).toBe(401);

    const elsewhere = await decode({ payloads: [] }, { Origin: 'https://evil.example', Cookie: cookie });
    expect(elsewhere.status).toBe(403);
    expect(elsewhere.headers.get('access-control-allow-origin')).toBeNull();
  });

  it('refuses to start without the keys or the token, in one sentence', async () => {
    const noKey = await runCliProcess(['codec-server', '--port', '0'], { TEMPORAL_CODEC_KEY: '', TEMPORAL_CODEC_OLD_KEYS: '', TEMPORAL_CODEC_SERVER_TOKEN: token });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toMatch(/^The codec server needs the workers' keys: set TEMPORAL_CODEC_KEY/);
    const noToken = await runCliProcess(['codec-server', '--port', '0'], { TEMPORAL_CODEC_KEY: key.toString('base64'), TEMPORAL_CODEC_SERVER_TOKEN: '' });
    expect(noToken.code).toBe(1);
    expect(noToken.stderr).toMatch(/^TEMPORAL_CODEC_SERVER_TOKEN must be set to a secret of at least 16 characters\.\n$/);
  });
});
