/**
 * The CLI's own reads of an audience (`estimate`, `export-sftp`), from any source a worker reads: a CSV or
 * NDJSON file as it is, a Parquet file or a query through a snapshot in a temporary folder, removed after.
 * A query's connection name is resolved here as the workers resolve it, from this environment.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { rowFileFor } from '../audience/snapshot';
import { sourceSettingsFromEnv } from '../config';
import { isRowFileSource, type AudienceSource, type RowFileSource } from '../shared';
import { usageError } from './errors';

export async function withLocalRows<T>(source: AudienceSource, env: NodeJS.ProcessEnv, use: (rows: RowFileSource) => Promise<T>): Promise<T> {
  if (source.type !== 'postgres' && !fs.existsSync(source.path)) throw usageError(`audience file '${source.path}' does not exist`);
  if (isRowFileSource(source)) return use(source);
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-snapshot-'));
  try {
    return await use(await rowFileFor(source, { dir, sources: sourceSettingsFromEnv(env) }));
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}
