/**
 * A query or Parquet source becomes a snapshot the run owns: its rows, read once, as an NDJSON file in the
 * run's snapshot folder. The plan, every batch, every retry, reconciliation and continue-as-new read that
 * file, so one run sees one audience even while the table changes under it. Written under a temporary
 * name and published with a hard link (which never replaces a file), so an attempt that finds the
 * snapshot finished reuses it, and two racing attempts cannot swap it under a plan.
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { SourceSettings } from '../config';
import { resolveConnectionString } from '../connections';
import { isRowFileSource, type AudienceSource, type RowFileSource } from '../shared';
import { extractParquetRows } from './parquetSource';
import { extractQueryRows } from './postgresSource';

export const SNAPSHOT_FILE = 'audience.ndjson';

export interface SnapshotOptions {
  /** The run's own snapshot folder. */
  dir: string;
  sources: SourceSettings;
  onProgress?: (rows: number) => void;
  signal?: AbortSignal;
}

/** The file the plan and batches read: a CSV or NDJSON audience itself, or the run's snapshot of any other source. */
export async function rowFileFor(source: AudienceSource, opts: SnapshotOptions): Promise<RowFileSource> {
  if (isRowFileSource(source)) return source;
  const file = path.join(opts.dir, SNAPSHOT_FILE);
  const snapshot: RowFileSource = { type: 'ndjson', path: file };
  if (await exists(file)) return snapshot;
  await fs.mkdir(opts.dir, { recursive: true });
  const partial = `${file}.${randomUUID()}.partial`;
  try {
    if (source.type === 'postgres') await writeQuerySnapshot(source, partial, opts);
    else await extractParquetRows(source.path, partial);
    await syncFile(partial);
    await publish(partial, file);
  } finally {
    await fs.rm(partial, { force: true });
  }
  return snapshot;
}

/** Removes a run's snapshot folder (when the run has finished reading it). */
export async function removeSnapshot(dir: string): Promise<void> {
  await fs.rm(dir, { recursive: true, force: true });
}

async function writeQuerySnapshot(source: Extract<AudienceSource, { type: 'postgres' }>, file: string, opts: SnapshotOptions): Promise<void> {
  const connectionString = resolveConnectionString(opts.sources, source.connection);
  const out = await fs.open(file, 'wx');
  try {
    await extractQueryRows(source, {
      connectionString,
      queryTimeoutMs: opts.sources.queryTimeoutMs,
      write: (lines) => out.write(lines),
      onProgress: opts.onProgress,
      signal: opts.signal,
    });
  } finally {
    await out.close();
  }
}

/** Flushed to disk before it is published: a published snapshot is always whole. */
async function syncFile(file: string): Promise<void> {
  const handle = await fs.open(file, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function publish(partial: string, file: string): Promise<void> {
  try {
    await fs.link(partial, file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    // Another attempt published first: its snapshot stands (the plan may already be reading it).
    if (code === 'EEXIST') return;
    // File systems without hard links: a rename is atomic too, if it may replace a racing attempt's file.
    if (code === 'EPERM' || code === 'ENOTSUP' || code === 'EOPNOTSUPP') await fs.rename(partial, file);
    else throw err;
  }
}

async function exists(file: string): Promise<boolean> {
  try {
    await fs.access(file);
    return true;
  } catch {
    return false;
  }
}
