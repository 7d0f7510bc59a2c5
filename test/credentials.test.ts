/** Credentials are resolved at call time: a rotated key in the file is used at once, and no key leaks. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveApiKey } from '../src/credentials';
import { activityConfigFromEnv, klaviyoSettingsFromEnv, workerConfigFromEnv } from '../src/config';
import { SyncFailure } from '../src/failures';

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'credentials-'));
const file = path.join(dir, 'credentials.json');

describe('resolveApiKey', () => {
  it('re-reads the credentials file on every use, and it wins over KLAVIYO_API_KEY', () => {
    const config = klaviyoSettingsFromEnv({ KLAVIYO_API_KEY: 'from-env', KLAVIYO_CREDENTIALS_FILE: file });
    fs.writeFileSync(file, JSON.stringify({ default: 'first', brand: 'brand-key' }));
    expect(resolveApiKey(config, 'default')).toBe('first');
    expect(resolveApiKey(config, 'brand')).toBe('brand-key');
    fs.writeFileSync(file, JSON.stringify({ default: 'rotated' }));
    expect(resolveApiKey(config, 'default')).toBe('rotated');
    fs.writeFileSync(file, JSON.stringify({}));
    expect(resolveApiKey(config, 'default')).toBe('from-env');
  });

  it('says where to put a missing key, as an invalid_credentials failure (a workflow action)', () => {
    const config = klaviyoSettingsFromEnv({ KLAVIYO_CREDENTIALS_FILE: path.join(dir, 'absent.json') });
    const err = (() => {
      try {
        resolveApiKey(config, 'brand');
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(SyncFailure);
    expect(err).toMatchObject({ kind: 'invalid_credentials' });
    expect((err as Error).message).toContain('credential "brand"');
    expect((err as Error).message).toContain('absent.json');
  });

  it('reports a corrupt credentials file without echoing its contents', () => {
    fs.writeFileSync(file, '{"default": "pk_secret_value", oops');
    const config = klaviyoSettingsFromEnv({ KLAVIYO_CREDENTIALS_FILE: file });
    expect(() => resolveApiKey(config, 'default')).toThrow(/not valid JSON/);
    try {
      resolveApiKey(config, 'default');
    } catch (e) {
      expect((e as Error).message).not.toContain('pk_secret_value');
    }
  });
});

describe('the config module', () => {
  it('rejects settings that would misbehave later', () => {
    expect(() => activityConfigFromEnv({ KLAVIYO_RATE_SPEED: '0' })).toThrow(/KLAVIYO_RATE_SPEED/);
    expect(() => activityConfigFromEnv({ AUDIENCE_BATCH_MAX_PROFILES: '20000' })).toThrow(/AUDIENCE_BATCH_MAX_PROFILES/);
    expect(activityConfigFromEnv({})).toMatchObject({
      klaviyo: { baseUrl: 'https://a.klaviyo.com', rateSpeedFactor: 1 },
      audience: { batchMaxProfiles: 10_000, defaultPhoneCountry: 'US' },
    });
  });

  it('reads every worker setting from the given environment, not the process', () => {
    const config = workerConfigFromEnv({
      TEMPORAL_ADDRESS: 'temporal.internal:7233',
      TEMPORAL_TASK_QUEUE: 'q',
      KLAVIYO_BASE_URL: 'http://127.0.0.1:9',
      DEFAULT_PHONE_COUNTRY: 'GB',
      AUDIENCE_SYNC_REGISTER_SEARCH_ATTRIBUTES: 'false',
      WORKFLOW_BUNDLE_PATH: '/x/bundle.js',
    });
    expect(config).toMatchObject({
      temporal: { address: 'temporal.internal:7233', namespace: 'default', taskQueue: 'q' },
      activities: { klaviyo: { baseUrl: 'http://127.0.0.1:9' }, audience: { defaultPhoneCountry: 'GB' } },
      registerSearchAttributes: false,
      workflowBundlePath: '/x/bundle.js',
    });
  });
});
