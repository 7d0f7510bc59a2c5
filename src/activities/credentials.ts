/**
 * Resolves a credential name to an API key at call time, so a key rotated while a run is paused is
 * used as soon as the operator resolves: no worker restart, and the key never enters workflow history.
 */
import fs from 'node:fs';
import { ApplicationFailure } from '@temporalio/activity';
import { FailureType } from '../shared';
import type { ActivityConfig } from './config';

export function resolveApiKey(config: ActivityConfig, credential: string): string {
  const fromFile = readCredentialsFile(config.credentialsFile)[credential];
  if (fromFile) return fromFile;
  if (credential === 'default' && config.defaultApiKey) return config.defaultApiKey;
  const where = config.credentialsFile
    ? `the credentials file ${config.credentialsFile}${credential === 'default' ? ' or KLAVIYO_API_KEY' : ''}`
    : credential === 'default'
      ? 'KLAVIYO_API_KEY (or a credentials file named by KLAVIYO_CREDENTIALS_FILE)'
      : 'a credentials file named by KLAVIYO_CREDENTIALS_FILE';
  throw ApplicationFailure.create({
    type: FailureType.InvalidCredentials,
    message: `No Klaviyo API key is configured for credential "${credential}": add it to ${where} on the workers.`,
    nonRetryable: true,
  });
}

function readCredentialsFile(file: string | undefined): Record<string, string> {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw err;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw ApplicationFailure.create({
      type: FailureType.InvalidCredentials,
      message: `The credentials file ${file} is not valid JSON; it must be an object of credential name to API key.`,
      nonRetryable: true,
    });
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
