/** Connection names -> connection strings, on the workers: a file re-read on every use, then AUDIENCE_CONNECTION_<NAME>. */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { sourceSettingsFromEnv } from '../src/config';
import { connectionEnvVar, resolveConnectionString } from '../src/connections';

describe('resolveConnectionString', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connections-'));
  const file = path.join(dir, 'connections.json');

  it('names the variable after the connection: upper case, other characters as _', () => {
    expect(connectionEnvVar('warehouse')).toBe('AUDIENCE_CONNECTION_WAREHOUSE');
    expect(connectionEnvVar('eu-crm.replica_2')).toBe('AUDIENCE_CONNECTION_EU_CRM_REPLICA_2');
  });

  it('reads the file on every use, before the variables', () => {
    const settings = sourceSettingsFromEnv({
      AUDIENCE_CONNECTIONS_FILE: file,
      AUDIENCE_CONNECTION_WAREHOUSE: 'postgres://env@db/crm',
      AUDIENCE_CONNECTION_EU_CRM: 'postgres://eu@db/crm',
      UNRELATED: 'x',
    });
    expect(settings.connectionVariables).toEqual({ AUDIENCE_CONNECTION_WAREHOUSE: 'postgres://env@db/crm', AUDIENCE_CONNECTION_EU_CRM: 'postgres://eu@db/crm' });
    expect(resolveConnectionString(settings, 'warehouse')).toBe('postgres://env@db/crm');
    expect(resolveConnectionString(settings, 'eu-crm')).toBe('postgres://eu@db/crm');
    fs.writeFileSync(file, JSON.stringify({ warehouse: 'postgres://file@db/crm' }));
    expect(resolveConnectionString(settings, 'warehouse')).toBe('postgres://file@db/crm');
    fs.writeFileSync(file, JSON.stringify({ warehouse: 'postgres://rotated@db/crm' }));
    expect(resolveConnectionString(settings, 'warehouse')).toBe('postgres://rotated@db/crm');
  });

  it('says where to configure an unknown name, and never quotes a broken file (it holds passwords)', () => {
    const settings = sourceSettingsFromEnv({ AUDIENCE_CONNECTIONS_FILE: file });
    fs.writeFileSync(file, '{"warehouse": "postgres://u:hunter22@db/crm",');
    expect(() => resolveConnectionString(settings, 'warehouse')).toThrow(/connections file .* is not valid JSON; it must be an object/);
    expect(() => resolveConnectionString(settings, 'warehouse')).not.toThrow(/hunter22/);
    fs.writeFileSync(file, '{}');
    expect(() => resolveConnectionString(settings, 'crm')).toThrow(
      `No connection string is configured for connection "crm": add the entry "crm" in the connections file ${file}, or AUDIENCE_CONNECTION_CRM on the workers.`,
    );
    expect(() => resolveConnectionString(sourceSettingsFromEnv({}), 'crm')).toThrow(/add AUDIENCE_CONNECTION_CRM \(or an entry "crm" in a JSON file named by AUDIENCE_CONNECTIONS_FILE\)/);
  });

  it('reads AUDIENCE_QUERY_TIMEOUT as a duration (a bare number is seconds) and refuses nonsense', () => {
    expect(sourceSettingsFromEnv({}).queryTimeoutMs).toBe(600_000);
    expect(sourceSettingsFromEnv({ AUDIENCE_QUERY_TIMEOUT: '90' }).queryTimeoutMs).toBe(90_000);
    expect(sourceSettingsFromEnv({ AUDIENCE_QUERY_TIMEOUT: '2h' }).queryTimeoutMs).toBe(7_200_000);
    expect(() => sourceSettingsFromEnv({ AUDIENCE_QUERY_TIMEOUT: 'soon' })).toThrow(/AUDIENCE_QUERY_TIMEOUT must be a duration/);
    expect(sourceSettingsFromEnv({}).snapshotDir).toBe(path.resolve('data/snapshots'));
  });
});
