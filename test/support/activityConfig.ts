/** An activity configuration for tests that build activities directly, everything under one scratch folder. */
import path from 'node:path';
import type { ActivityConfig } from '../../src/config';

export function testActivityConfig(dir: string, overrides: Partial<ActivityConfig> = {}): ActivityConfig {
  return {
    // Nothing listens here: a test that reaches Klaviyo passes its own.
    klaviyo: { baseUrl: 'http://127.0.0.1:9', rateSpeedFactor: 1 },
    audience: { batchMaxProfiles: 10_000, defaultPhoneCountry: 'US' },
    audienceRoots: [dir],
    sources: { connectionVariables: {}, queryTimeoutMs: 60_000, connectAttempts: 1, snapshotDir: path.join(dir, 'snapshots') },
    bulkJobTimeoutMs: 10_000,
    bulkJobStallMs: 10_000,
    state: { location: path.join(dir, 'state.sqlite'), verifyEveryMs: 3_600_000 },
    ...overrides,
  };
}
