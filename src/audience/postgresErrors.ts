/**
 * What a failure while reading an audience query means, and a message that is safe to record: no
 * connection string or password, whatever the driver put in its error. The failure table
 * (src/failures.ts) decides what each kind does to the run.
 */
import { SyncFailure } from '../failures';
import { InvalidAudienceError, SourceUnreachableError } from './errors';

/** Network-level errors from Node: the database may be back in a moment. */
const NETWORK_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'ETIMEDOUT', 'EHOSTUNREACH', 'ENETUNREACH', 'ENOTFOUND', 'EAI_AGAIN', 'EPIPE']);
const NETWORK_MESSAGE = /Connection terminated|connection timeout|timeout expired|Client has encountered a connection error/i;

/** Removes connection strings, their passwords and `password=` settings from a message. */
export function scrubSecrets(message: string, connectionString?: string): string {
  let text = message;
  if (connectionString) {
    text = text.split(connectionString).join('<connection string>');
    const password = passwordOf(connectionString);
    if (password) text = text.split(password).join('***');
  }
  return text
    .replace(/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/@]*@/gi, '$1***@')
    .replace(/\b(password\s*=\s*)(?:'[^']*'|\S+)/gi, '$1***');
}

function passwordOf(connectionString: string): string | undefined {
  try {
    const password = decodeURIComponent(new URL(connectionString).password);
    // Too short to replace without mangling the message; the URL pattern still hides it in place.
    return password.length >= 4 ? password : undefined;
  } catch {
    return undefined;
  }
}

interface PgErrorLike {
  code?: unknown;
  message?: unknown;
  position?: unknown;
  hint?: unknown;
}

/**
 * A classified failure for an error raised while connecting to the database or running the query.
 * SQLSTATE classes: 08 connection, 53 resources, 57P0x shutdown, 40 serialization -> retried; 28 (login),
 * 3D000 (no such database), 42501 (no rights), 57014 (statement timeout) -> the run pauses for an operator;
 * 25006 (a write in the read-only transaction) and the query's own errors -> the audience is invalid.
 */
export function classifyQueryError(err: unknown, ctx: { connection: string; connectionString?: string; timeout: string }): SyncFailure {
  if (err instanceof SyncFailure) return err;
  const e = (err ?? {}) as PgErrorLike;
  const code = typeof e.code === 'string' ? e.code : '';
  const raw = typeof e.message === 'string' ? e.message : String(err);
  const message = scrubSecrets(raw, ctx.connectionString).replace(/[.\s]+$/, '');
  const where = `connection "${ctx.connection}"`;
  if (code === 'ERR_INVALID_URL') {
    // Never the URL itself: it holds the password.
    return new SyncFailure('source_unavailable', `the connection string of ${where} is not a valid postgres:// URL`);
  }
  if (NETWORK_CODES.has(code) || (!/^[0-9A-Z]{5}$/.test(code) && NETWORK_MESSAGE.test(raw))) {
    return new SourceUnreachableError(`cannot reach the database of ${where}: ${message}`);
  }
  if (!/^[0-9A-Z]{5}$/.test(code)) {
    // Not from PostgreSQL: a driver or protocol fault. Retried, with a message that is safe to keep.
    return new SourceUnreachableError(`reading the database of ${where} failed: ${message}`);
  }
  const sqlClass = code.slice(0, 2);
  if (sqlClass === '08' || sqlClass === '53' || sqlClass === '40' || sqlClass === '58' || sqlClass === 'XX' || /^57P0[1-4]$/.test(code)) {
    return new SourceUnreachableError(`the database of ${where} is not available: ${message} (SQLSTATE ${code})`);
  }
  if (sqlClass === '28' || code === '3D000') {
    return new SyncFailure('source_unavailable', `the database of ${where} refused the login: ${message}`);
  }
  if (code === '42501') {
    return new SyncFailure('source_unavailable', `the user of ${where} may not read what the query reads: ${message}`);
  }
  if (code === '57014') {
    return new SyncFailure('source_unavailable', `the audience query ran longer than AUDIENCE_QUERY_TIMEOUT (${ctx.timeout}) and was cancelled`);
  }
  if (code === '25006') {
    return new InvalidAudienceError(`the audience query must only read; PostgreSQL refused it in a read-only transaction: ${message}`);
  }
  const position = typeof e.position === 'string' && e.position ? ` (at character ${e.position})` : '';
  const hint = typeof e.hint === 'string' && e.hint ? `; hint: ${scrubSecrets(e.hint, ctx.connectionString)}` : '';
  return new InvalidAudienceError(`PostgreSQL refused the audience query: ${message}${position}${hint}`);
}
