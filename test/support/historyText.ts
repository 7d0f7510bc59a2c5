/**
 * A run's history as the server stores it, made searchable: `temporal workflow show -o json` prints
 * payload data base64-encoded, so a plain grep of it proves nothing. Every base64 string in it is decoded
 * and appended, so a search finds anything a payload, failure or memo holds in clear.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { requireTemporalCli } from '../../dev/temporalDevServer';

const run = promisify(execFile);

export interface StoredHistory {
  /** The JSON as printed, then the decoded text of every base64 string in it. */
  text: string;
  /** Every payload ({metadata, data}) in the history, outside search attributes, with its encoding and data decoded. */
  payloads: { encoding: string; path: string; data: string }[];
  json: unknown;
}

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

export async function storedHistory(address: string, namespace: string, workflowId: string, what: 'workflow' | 'schedule' = 'workflow'): Promise<StoredHistory> {
  const args =
    what === 'workflow'
      ? ['workflow', 'show', '--workflow-id', workflowId, '-o', 'json']
      : ['schedule', 'describe', '--schedule-id', workflowId, '-o', 'json'];
  const { stdout } = await run(requireTemporalCli(), [...args, '--address', address, '--namespace', namespace], { maxBuffer: 64 * 1024 * 1024 });
  const json: unknown = JSON.parse(stdout);
  const decoded: string[] = [];
  const payloads: StoredHistory['payloads'] = [];
  const walk = (value: unknown, path: string): void => {
    if (typeof value === 'string') {
      if (value.length >= 4 && value.length % 4 === 0 && BASE64.test(value)) decoded.push(Buffer.from(value, 'base64').toString('latin1'));
      return;
    }
    if (Array.isArray(value)) return value.forEach((v, i) => walk(v, `${path}[${i}]`));
    if (typeof value !== 'object' || value === null) return;
    const o = value as Record<string, unknown>;
    if ('data' in o && typeof o.metadata === 'object' && o.metadata !== null && !/searchAttributes|indexedFields/i.test(path)) {
      const encoding = (o.metadata as Record<string, unknown>).encoding;
      const data = typeof o.data === 'string' ? Buffer.from(o.data, 'base64').toString('latin1') : '';
      payloads.push({ encoding: typeof encoding === 'string' ? Buffer.from(encoding, 'base64').toString() : '', path, data });
    }
    for (const [k, v] of Object.entries(o)) walk(v, `${path}.${k}`);
  };
  walk(json, '');
  return { text: `${stdout}\n${decoded.join('\n')}`, payloads, json };
}
