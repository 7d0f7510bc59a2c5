/**
 * Audience paths come from workflow input, which anyone who can start a run controls: a worker reads only
 * files inside its configured roots (AUDIENCE_ROOTS), judged after resolving `..` and symbolic links, so a
 * run cannot make it read its credentials file, /etc, or another tenant's exports.
 */
import { realpath } from 'node:fs/promises';
import path from 'node:path';
import type { AudienceSource } from '../shared';

type FileSource = Exclude<AudienceSource, { type: 'postgres' }>;
import { InvalidAudienceError, toAudienceError } from './errors';

function inside(file: string, root: string): boolean {
  const rel = path.relative(root, file);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

async function realRoots(roots: readonly string[]): Promise<string[]> {
  const real = await Promise.all(roots.map((r) => realpath(r).catch(() => path.resolve(r))));
  return [...new Set([...roots.map((r) => path.resolve(r)), ...real])];
}

function outside(source: FileSource, roots: readonly string[], how: string): InvalidAudienceError {
  return new InvalidAudienceError(
    `audience file ${source.path} ${how} the folders workers read audiences from (AUDIENCE_ROOTS=${roots.join(':')}); ` +
      'move the file into one of them, or add its folder to AUDIENCE_ROOTS on the workers',
  );
}

/** A file source with its path resolved (symbolic links included) and checked to lie inside one of `roots`; a query passes. */
export async function confineAudience(source: AudienceSource, roots: readonly string[], alsoAllowed: readonly string[] = []): Promise<AudienceSource> {
  if (source.type === 'postgres') return source;
  if (source.path.includes('\0')) throw new InvalidAudienceError('audience path contains a NUL character');
  // `alsoAllowed` (the run snapshots' folder) is the workers' own, so the operator-facing message names only AUDIENCE_ROOTS.
  const allowed = await realRoots([...roots, ...alsoAllowed]);
  const given = path.resolve(source.path);
  // Checked before touching the file, so a path outside the roots does not even reveal whether it exists.
  if (!allowed.some((root) => inside(given, root))) throw outside(source, roots, 'is outside');
  let real: string;
  try {
    real = await realpath(given);
  } catch (err) {
    throw toAudienceError(source.path, err);
  }
  if (!allowed.some((root) => inside(real, root))) throw outside(source, roots, 'resolves, through a symbolic link, outside');
  return { ...source, path: real };
}
