/** The AES-256-GCM payload codec: encrypts whole payloads under a key id, and keeps old keys for decryption. */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { defaultPayloadConverter, type Payload } from '@temporalio/common';
import { codecSettingsFromEnv } from '../../src/config';
import { AesGcmPayloadCodec, ENCRYPTED_ENCODING, KEY_ID_METADATA } from '../../src/temporal/codec';

const k1 = randomBytes(32);
const k2 = randomBytes(32);
const plain = (v: unknown): Payload => defaultPayloadConverter.toPayload(v)!;
const utf8 = (b: Uint8Array | null | undefined) => Buffer.from(b ?? []).toString('utf8');

describe('AesGcmPayloadCodec', () => {
  it('encrypts the whole payload, metadata included, names the key, and decrypts it back', async () => {
    const codec = new AesGcmPayloadCodec({ keyId: 'k1', keys: { k1 } });
    const original = plain({ listName: 'Spring VIP', audience: { path: '/data/spring-vip.csv' } });
    const [encrypted] = await codec.encode([original]);
    expect(utf8(encrypted!.metadata!.encoding)).toBe(ENCRYPTED_ENCODING);
    expect(utf8(encrypted!.metadata![KEY_ID_METADATA])).toBe('k1');
    expect(Buffer.from(encrypted!.data!).toString('latin1')).not.toMatch(/Spring|spring-vip|json\/plain/);
    // A fresh IV per payload: the same value never encrypts to the same bytes.
    const [again] = await codec.encode([original]);
    expect(Buffer.from(again!.data!).equals(Buffer.from(encrypted!.data!))).toBe(false);
    const [decoded] = await codec.decode([encrypted!]);
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual({ listName: 'Spring VIP', audience: { path: '/data/spring-vip.csv' } });
  });

  it('decodes a payload written under a rotated-out key, and says which key id is missing otherwise', async () => {
    const [old] = await new AesGcmPayloadCodec({ keyId: 'k1', keys: { k1 } }).encode([plain('before rotation')]);
    const rotated = new AesGcmPayloadCodec({ keyId: 'k2', keys: { k1, k2 } });
    expect(defaultPayloadConverter.fromPayload((await rotated.decode([old!]))[0]!)).toBe('before rotation');
    expect(utf8((await rotated.encode([plain('after')]))[0]!.metadata![KEY_ID_METADATA])).toBe('k2');
    await expect(new AesGcmPayloadCodec({ keyId: 'k2', keys: { k2 } }).decode([old!])).rejects.toThrow(
      /encrypted with key id "k1", which this process does not have: set it as TEMPORAL_CODEC_KEY or list it in TEMPORAL_CODEC_OLD_KEYS/,
    );
    await expect(new AesGcmPayloadCodec({ keyId: 'k1', keys: { k1: k2 } }).decode([old!])).rejects.toThrow(/does not decrypt with key id "k1"/);
  });

  it('passes unencrypted payloads through on decode, and with only old keys encrypts nothing', async () => {
    const decryptOnly = new AesGcmPayloadCodec({ keys: { k1 } });
    const p = plain({ a: 1 });
    expect(await decryptOnly.decode([p])).toEqual([p]);
    expect(await decryptOnly.encode([p])).toEqual([p]);
  });
});

describe('codecSettingsFromEnv', () => {
  it('reads the key, its id and the old keys', () => {
    const env = { TEMPORAL_CODEC_KEY: k2.toString('base64'), TEMPORAL_CODEC_KEY_ID: '2026-11', TEMPORAL_CODEC_OLD_KEYS: `2026-05:${k1.toString('base64')}` };
    expect(codecSettingsFromEnv(env)).toEqual({ keyId: '2026-11', keys: { '2026-11': k2, '2026-05': k1 } });
    expect(codecSettingsFromEnv({ TEMPORAL_CODEC_KEY: k1.toString('base64') })).toEqual({ keyId: 'default', keys: { default: k1 } });
    expect(codecSettingsFromEnv({})).toBeUndefined();
    expect(codecSettingsFromEnv({ TEMPORAL_CODEC_OLD_KEYS: `a:${k1.toString('base64')}` })).toEqual({ keys: { a: k1 } });
  });

  it.each([
    [{ TEMPORAL_CODEC_KEY: randomBytes(16).toString('base64') }, /TEMPORAL_CODEC_KEY must be 32 random bytes in base64/],
    [{ TEMPORAL_CODEC_KEY: 'not base64 at all!' }, /TEMPORAL_CODEC_KEY must be 32 random bytes/],
    [{ TEMPORAL_CODEC_OLD_KEYS: k1.toString('base64') }, /TEMPORAL_CODEC_OLD_KEYS must be a comma-separated list of <key id>:<base64 key>/],
    [{ TEMPORAL_CODEC_OLD_KEYS: 'x:abc' }, /the TEMPORAL_CODEC_OLD_KEYS entry for key id "x" must be 32 random bytes/],
  ])('refuses a bad setting with a sentence naming it (%o)', (env, message) => {
    expect(() => codecSettingsFromEnv(env)).toThrow(message);
  });
});
