/**
 * Resolves a database connection name to its connection string at call time, as credentials.ts does for
 * Klaviyo keys: the string (and its password) never enters workflow history, and a changed entry in the
 * connections file is used on the next attempt without restarting the workers.
 */
import fs from 'node:fs';
import type { SourceSettings } from './config';
import { SyncFailure } from './failures';
import { connectionEnvVar } from './names';

export { connectionEnvVar } from './names';

/** The workers' one way from a connection name to a connection string; the CLI's local estimates use it too. */
export function resolveConnectionString(settings: SourceSettings, name: string): string {
  const found = readConnectionsFile(settings.connectionsFile)[name] ?? settings.connectionVariables[connectionEnvVar(name)];
  if (found) return found;
  const where = settings.connectionsFile
    ? `the entry "${name}" in the connections file ${settings.connectionsFile}, or ${connectionEnvVar(name)}`
    : `${connectionEnvVar(name)} (or an entry "${name}" in a JSON file named by AUDIENCE_CONNECTIONS_FILE)`;
  throw new SyncFailure('source_unavailable', `No connection string is configured for connection "${name}": add ${where} on the workers.`);
}

function readConnectionsFile(file: string | undefined): Record<string, string> {
  if (!file) return {};
  let text: string;
  try {
    text = fs.readFileSync(file, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return {};
    throw new SyncFailure('source_unavailable', `The connections file ${file} cannot be read (${(err as NodeJS.ErrnoException).code}).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never the parser's message: it quotes the file's text, which holds passwords.
    throw new SyncFailure('source_unavailable', `The connections file ${file} is not valid JSON; it must be an object of connection name to connection string.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
