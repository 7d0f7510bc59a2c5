/**
 * One streaming pass over the audience: validates every row, counts rejects and duplicate e-mails,
 * hashes the bytes, and cuts the file into batches (byte ranges) sized for Klaviyo's bulk import.
 * Memory: the current row, plus 8 bytes per valid row for duplicate counting. The plan is a few
 * numbers per batch, small enough for workflow history.
 */
import { createHash } from 'node:crypto';
import type { RowFileSource } from '../shared';
import { BatchCutter, DEFAULT_MAX_BYTES, DEFAULT_MAX_PROFILES, type BatchRange } from './batches';
import { countRepeats, emailHash, HashList } from './emailHash';
import { assertUnchanged, statAudience, type AudienceFingerprint } from './fingerprint';
import { sanitizeMessage } from '../sanitize';
import { InvalidAudienceError } from './errors';
import { normalizeRowSized, type RowReject } from './row';
import { readAudienceRows } from './source';

export type { AudienceFingerprint } from './fingerprint';
export { checkFingerprint } from './fingerprint';
export type { BatchRange } from './batches';

export interface AudiencePlan {
  fingerprint: AudienceFingerprint;
  /** CSV only: pass it as the `header` of each batch's range read. */
  header?: string[];
  rows: number;
  validRows: number;
  rejectedRows: number;
  rejectedByReason: Record<string, number>;
  /** Valid rows whose e-mail already appeared in an earlier valid row (later rows overwrite earlier ones). */
  duplicateRows: number;
  /** Distinct e-mails among valid rows. */
  uniqueEmails: number;
  batches: BatchRange[];
  /** For a query or Parquet source: the run's snapshot, which the batches and reconciliation read. */
  snapshot?: RowFileSource;
}

export interface PlanOptions {
  maxProfiles?: number;
  maxBytes?: number;
  updateContacts?: boolean;
  defaultCountry?: string;
  /** Called with the number of rows read so far, every PROGRESS_EVERY rows and at the end. */
  onProgress?: (rows: number) => void;
  /** Throw InvalidAudienceError, naming the commonest reject reason, when no row is valid (a run's plan does). */
  requireValidRow?: boolean;
}

const PROGRESS_EVERY = 5_000;

export async function planAudience(source: RowFileSource, opts: PlanOptions = {}): Promise<AudiencePlan> {
  const limits = { maxProfiles: opts.maxProfiles ?? DEFAULT_MAX_PROFILES, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES };
  if (!(limits.maxProfiles >= 1 && limits.maxBytes >= 1)) throw new RangeError('maxProfiles and maxBytes must be positive');
  const normalizeOpts = { updateContacts: opts.updateContacts, defaultCountry: opts.defaultCountry };
  const before = await statAudience(source.path);
  const sha256 = createHash('sha256');
  let hashedBytes = 0;
  let header: string[] | undefined;
  let cutter: BatchCutter | undefined;
  const cutterFrom = (start: number) => (cutter ??= new BatchCutter(start, limits));
  const emails = new HashList();
  const rejectedByReason: Record<string, number> = {};
  const firstReject = new Map<string, RowReject>();
  let rows = 0;
  let rejectedRows = 0;

  const hooks = {
    onChunk: (chunk: Buffer) => {
      sha256.update(chunk);
      hashedBytes += chunk.length;
    },
    onHeader: (names: string[], endOffset: number) => {
      header = names;
      cutterFrom(endOffset);
    },
  };
  for await (const { row, raw, endOffset } of readAudienceRows(source, undefined, hooks)) {
    const result = normalizeRowSized(raw, row, normalizeOpts);
    if (result.ok) {
      emails.push(emailHash(result.email));
      cutterFrom(0).add(row, endOffset, result.bytes);
    } else {
      rejectedRows++;
      rejectedByReason[result.reject.reason] = (rejectedByReason[result.reject.reason] ?? 0) + 1;
      if (!firstReject.has(result.reject.reason)) firstReject.set(result.reject.reason, result.reject);
      cutterFrom(0).add(row, endOffset);
    }
    rows = row;
    if (rows % PROGRESS_EVERY === 0) opts.onProgress?.(rows);
  }
  opts.onProgress?.(rows);

  // The bytes hashed must be the bytes planned: a file rewritten during the pass is not one audience.
  const after = await statAudience(source.path);
  assertUnchanged(source.path, before, after);
  assertUnchanged(source.path, before, { size: hashedBytes, mtimeMs: after.mtimeMs });

  const validRows = emails.length;
  if (opts.requireValidRow && validRows === 0) throw noValidRow(source.path, rows, header, rejectedByReason, firstReject);
  const duplicateRows = countRepeats(emails.sorted());
  const plan: AudiencePlan = {
    fingerprint: { ...before, sha256: sha256.digest('hex') },
    rows,
    validRows,
    rejectedRows,
    rejectedByReason,
    duplicateRows,
    uniqueEmails: validRows - duplicateRows,
    batches: cutterFrom(0).finish(),
  };
  if (header) plan.header = header;
  return plan;
}

/**
 * An audience without a valid row is never synced: it is a wrong file (a header alone, a binary file, the
 * wrong format), and syncing it would create an empty list or empty an existing one.
 */
function noValidRow(
  path: string,
  rows: number,
  header: string[] | undefined,
  byReason: Record<string, number>,
  firstReject: Map<string, RowReject>,
): InvalidAudienceError {
  if (rows === 0) return new InvalidAudienceError(`audience file ${path} has no data rows${header ? ' (only a header)' : ''}; nothing to sync`);
  const [reason, count] = Object.entries(byReason).sort((a, b) => b[1] - a[1])[0]!;
  const example = firstReject.get(reason)!;
  return new InvalidAudienceError(
    `audience file ${path} has no valid row: all ${rows} rows were rejected, most (${count}) as ${reason} ` +
      `(row ${example.row}: ${sanitizeMessage(example.message, 160)}); is it the right file and format?`,
  );
}
