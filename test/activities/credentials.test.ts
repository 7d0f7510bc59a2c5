/** Credentials are resolved at call time: a rotated key in the file is used at once, and no key leaks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApplicationFailure } from '@temporalio/common';
import { resolveApiKey } from '../../src/activities/credentials';
import { activityConfigFromEnv } from '../../src/activities/config';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
const file = path.join(dir, 'credentials.json');

describe('resolveApiKey', () => {
  it('re-reads the credentials file on every use, and it wins over KLAVIYO_API_KEY', () => {
    const config = activityConfigFromEnv({ KLAVIYO_API_KEY: 'from-env', KLAVIYO_CREDENTIALS_FILE: file });
    fs.writeFileSync(file, JSON.stringify({ default: 'first', brand: 'brand-key' }));
    expect(resolveApiKey(config, 'default')).toBe('first');
    expect(resolveApiKey(config, 'brand')).toBe('brand-key');
    fs.writeFileSync(file, JSON.stringify({ default: 'rotated' }));
    expect(resolveApiKey(config, 'default')).toBe('rotated');
    fs.writeFileSync(file, JSON.stringify({}));
    expect(resolveApiKey(config, 'default')).toBe('from-env');
  });

  it('says where to put a missing key, as a non-retryable InvalidCredentials failure', () => {
    const config = activityConfigFromEnv({ KLAVIYO_CREDENTIALS_FILE: path.join(dir, 'absent.json') });
    const err = (() => {
      try {
        resolveApiKey(config, 'brand');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'InvalidCredentials', nonRetryable: true });
    expect((err as Error).message).toContain('credential "brand"');
    expect((err as Error).message).toContain('absent.json');
  });

  it('reports a corrupt credentials file without echoing its contents', () => {
    fs.writeFileSync(file, '{"default": "pk_secret_value", oops');
    const config = activityConfigFromEnv({ KLAVIYO_CREDENTIALS_FILE: file });
    expect(() => resolveApiKey(config, 'default')).toThrow(/not valid JSON/);
    try {
      resolveApiKey(config, 'default');
    } catch (e) {
      expect((e as Error).message).not.toContain('pk_secret_value');
    }
  });
});

describe('activityConfigFromEnv', () => {
  it('rejects settings that would misbehave later', () => {
    expect(() => activityConfigFromEnv({ KLAVIYO_RATE_SPEED: '0' })).toThrow(/KLAVIYO_RATE_SPEED/);
    expect(() => activityConfigFromEnv({ AUDIENCE_BATCH_MAX_PROFILES: '20000' })).toThrow(/AUDIENCE_BATCH_MAX_PROFILES/);
    expect(activityConfigFromEnv({})).toMatchObject({ klaviyoBaseUrl: 'https://a.klaviyo.com', batchMaxProfiles: 10_000 });
  });
});
