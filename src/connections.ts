/**
 * Resolves a database connection name to its connection string at call time, as credentials.ts does for
 * Klaviyo keys: the string (and its password) never enters workflow history, and a changed entry in the
 * connections file is used on the next attempt without restarting the workers.
 */
import type { SourceSettings } from './config';
import { SyncFailure } from './failures';
import { readSecretsFile } from './secretsFile';
import { connectionEnvVar } from './names';

export { connectionEnvVar } from './names';

/** The workers' one way from a connection name to a connection string; the CLI's local estimates use it too. */
export function resolveConnectionString(settings: SourceSettings, name: string): string {
  const file = { path: settings.connectionsFile, label: 'connections file', shape: 'connection name to connection string', kind: 'source_unavailable' } as const;
  const found = readSecretsFile(file)[name] ?? settings.connectionVariables[connectionEnvVar(name)];
  if (found) return found;
  const where = settings.connectionsFile
    ? `the entry "${name}" in the connections file ${settings.connectionsFile}, or ${connectionEnvVar(name)}`
    : `${connectionEnvVar(name)} (or an entry "${name}" in a JSON file named by AUDIENCE_CONNECTIONS_FILE)`;
  throw new SyncFailure('source_unavailable', `No connection string is configured for connection "${name}": add ${where} on the workers.`);
}
