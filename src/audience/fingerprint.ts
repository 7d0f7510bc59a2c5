/**
 * Which bytes a plan read: size + mtime, checked before and after the pass (a file rewritten while it is
 * read is not one audience), and the sha256 of the bytes, for the report and for audits.
 */
import { stat } from 'node:fs/promises';
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
