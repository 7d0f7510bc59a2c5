/**
 * Whole-audience errors. Per-row problems are never thrown: they become RowRejects (see row.ts).
 */
import { SyncFailure } from '../failures';
import { sanitizeMessage } from '../sanitize';

/** The audience as a whole cannot be used: unreadable file, unknown column, broken file structure. */
export class InvalidAudienceError extends SyncFailure {
  constructor(message: string) {
    super('invalid_audience', message);
    this.name = 'InvalidAudienceError';
  }
}

/** The audience file changed after it was planned; byte ranges of the plan no longer hold. */
export class AudienceChangedError extends SyncFailure {
  constructor(message: string) {
    super('audience_changed', message);
    this.name = 'AudienceChangedError';
  }
}

const READ_ERROR_CODES = new Set(['ENOENT', 'EACCES', 'EISDIR', 'EPERM', 'ENOTDIR']);

/** Maps a failure while reading the file to InvalidAudienceError when it is the file's fault; other errors pass. */
export function toAudienceError(path: string, err: unknown): unknown {
  if (err instanceof InvalidAudienceError) return err;
  const code = (err as { code?: unknown } | null)?.code;
  if (typeof code === 'string' && READ_ERROR_CODES.has(code)) {
    return new InvalidAudienceError(`cannot read audience file ${path}: ${code}`);
  }
  if (typeof code === 'string' && (code.startsWith('CSV_') || code.startsWith('INVALID_'))) {
    return new InvalidAudienceError(`audience file ${path} is not valid CSV: ${sanitizeMessage((err as Error).message, 200)}`);
  }
  return err;
}

/**
 * A database the audience query reads cannot be reached right now (refused, reset, timed out). Temporal
 * retries it; the plan activity turns it into `source_unavailable` (a workflow action) once the configured
 * attempts are used up.
 */
export class SourceUnreachableError extends SyncFailure {
  constructor(message: string) {
    super('transient', message);
    this.name = 'SourceUnreachableError';
  }

  /** The same problem, after `attempts` tries: the run pauses for an operator. */
  giveUp(attempts: number): SyncFailure {
    return new SyncFailure('source_unavailable', `${this.message.replace(/[.\s]+$/, '')} (tried ${attempts} times)`);
  }
}
