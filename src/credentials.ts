/**
 * Resolves a credential name to an API key at call time, so a key rotated while a run is paused is
 * used as soon as the operator resolves: no worker restart, and the key never enters workflow history.
 */
import type { KlaviyoSettings } from './config';
import { SyncFailure } from './failures';
import { readSecretsFile } from './secretsFile';

/** The key configured for a credential name, or undefined when none is. */
export function findApiKey(config: KlaviyoSettings, credential: string): string | undefined {
  const file = { path: config.credentialsFile, label: 'credentials file', shape: 'credential name to API key', kind: 'invalid_credentials' } as const;
  const fromFile = readSecretsFile(file)[credential];
  if (fromFile) return fromFile;
  if (credential === 'default' && config.defaultApiKey) return config.defaultApiKey;
  return undefined;
}

/** The workers' one way from a credential name to a key; the CLI's read-only lookups use it too. */
export function resolveApiKey(config: KlaviyoSettings, credential: string): string {
  const key = findApiKey(config, credential);
  if (key) return key;
  const where = config.credentialsFile
    ? `the credentials file ${config.credentialsFile}${credential === 'default' ? ' or KLAVIYO_API_KEY' : ''}`
    : credential === 'default'
      ? 'KLAVIYO_API_KEY (or a credentials file named by KLAVIYO_CREDENTIALS_FILE)'
      : 'a credentials file named by KLAVIYO_CREDENTIALS_FILE';
  throw new SyncFailure(
    'invalid_credentials',
    `No Klaviyo API key is configured for credential "${credential}": add it to ${where} on the workers.`,
  );
}
