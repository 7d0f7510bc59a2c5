/**
 * What the plan's byte ranges depend on. size + mtime are checked before every batch (cheap); the
 * sha256, computed while planning, records exactly which bytes were planned (for the report and for
 * audits), and is too costly to recompute per batch.
 */
import { stat } from 'node:fs/promises';
import type { RowFileSource } from '../shared';
import { AudienceChangedError, InvalidAudienceError, toAudienceError } from './errors';

export interface AudienceFingerprint {
  size: number;
  mtimeMs: number;
  sha256: string;
}

export async function statAudience(path: string): Promise<{ size: number; mtimeMs: number }> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    throw toAudienceError(path, err);
  }
  if (!info.isFile()) throw new InvalidAudienceError(`audience path ${path} is not a file`);
  return { size: info.size, mtimeMs: info.mtimeMs };
}

export function assertUnchanged(path: string, fp: { size: number; mtimeMs: number }, now: { size: number; mtimeMs: number }): void {
  if (now.size !== fp.size || now.mtimeMs !== fp.mtimeMs) {
    throw new AudienceChangedError(
      `audience file ${path} changed since it was planned (size ${fp.size} -> ${now.size} bytes, ` +
        `modified ${new Date(fp.mtimeMs).toISOString()} -> ${new Date(now.mtimeMs).toISOString()}); ` +
        'start a new run for the new file',
    );
  }
}

/** Throws AudienceChangedError if the file's size or modification time differ from the plan's. */
export async function checkFingerprint(source: RowFileSource, fp: AudienceFingerprint): Promise<void> {
  let now;
  try {
    now = await statAudience(source.path);
  } catch (err) {
    throw new AudienceChangedError(`audience file ${source.path} is no longer readable: ${(err as Error).message}`);
  }
  assertUnchanged(source.path, fp, now);
}
