/**
 * One streaming pass over the audience: validates and normalises each row, hashes it, compares it with the
 * list's members as the store knows them (a MemberDigest), and hands each row to send (new to the list, or
 * changed since the last sync) to a sink with its batch number. Rows are read once: batches later read
 * their profiles from the run's snapshot, never from the source.
 *
 * A row exactly as last sent (same source-row hash, same settings) is unchanged without being normalised
 * again: a refresh costs a read and a hash for most rows. Otherwise the normalised profile's hash decides.
 *
 * The last row of an e-mail wins, wherever it is; a valid row beats a rejected one. Memory: 9 bytes per row
 * with an e-mail (key and kind), up to 16 per e-mail sent (a 4-byte slot of BatchOfKey, half full at most, as
 * it doubles), plus the digest; the plan handed to the workflow is a few numbers.
 */
import { createHash } from 'node:crypto';
import type { RowFileSource } from '../shared';
import { sanitizeMessage } from '../sanitize';
import { BatchAssigner, DEFAULT_MAX_BYTES, DEFAULT_MAX_PROFILES } from './batches';
import { loadHashes, TaggedKeys } from './emailHash';
import { InvalidAudienceError } from './errors';
import { assertUnchanged, statAudience, type AudienceFingerprint } from './fingerprint';
import type { MemberDigest } from './memberDigest';
import { normalizeRowSized, type RowReject } from './row';
import { readAudienceRowBatches, type SourceRow } from './source';

export type { AudienceFingerprint } from './fingerprint';

/** Bump when normalisation changes what a row becomes: every row is then normalised (and compared) again. */
export const NORMALISATION_VERSION = 1;

export interface AudiencePlan {
  fingerprint: AudienceFingerprint;
  rows: number;
  validRows: number;
  rejectedRows: number;
  rejectedByReason: Record<string, number>;
  /** Valid rows whose e-mail appears in an earlier valid row (the last row of an e-mail wins). */
  duplicateRows: number;
  /** Distinct e-mails among valid rows. */
  uniqueEmails: number;
  /** E-mails to send: new to the list, and members whose attributes changed. */
  toAdd: number;
  toUpdate: number;
  /** Members whose row is as last sent: not sent. */
  unchanged: number;
  /** Members kept on the list although every row of theirs was rejected (valid e-mail, say a bad phone). */
  keptWithRejectedRow: number;
  /** Batches the rows to send were cut into. */
  batches: number;
}

/** A row to send, with what the store keeps of it once Klaviyo took it. */
export interface RowToSend {
  email: string;
  emailKey: bigint;
  /** 1-based source row, for reject reports. */
  row: number;
  batch: number;
  /** New to the list, or a member whose attributes changed. */
  kind: 'new' | 'changed';
  rowHash: bigint;
  attrHash: bigint;
  /** JSON of the profile's attributes, exactly as sent. */
  attributes: string;
}

/** An e-mail's latest row handed to send, by its key and batch. */
export interface SentRef {
  emailKey: bigint;
  batch: number;
}

/** Where a plan's results go (the store, for a run); each call may be awaited. */
export interface PlanSink {
  /** `earlier`: the batch of the row of this e-mail handed to send before, which this row supersedes (the last row wins). */
  send(row: RowToSend, earlier?: number): void | Promise<void>;
  reject(reject: RowReject): void | Promise<void>;
  /** E-mails sent earlier in the file whose last row turned out unchanged: their rows sent are not to be sent. */
  unsend(rows: SentRef[]): void | Promise<void>;
  /** With `seal`: batches below `sealed` are final (their rows all handed to send); see PlanOptions.seal. */
  seal?(sealed: number, waits: [number, number][], done?: boolean): void | Promise<void>;
}

export interface PlanOptions {
  maxProfiles?: number;
  maxBytes?: number;
  updateContacts?: boolean;
  defaultCountry?: string;
  /** The list's members as stored; without it every valid e-mail is new. */
  members?: MemberDigest;
  sink?: PlanSink;
  /** Called with the rows and bytes read so far (and the file's size), every PROGRESS_EVERY rows and at the end. */
  onProgress?: (rows: number, bytes?: { read: number; total: number }) => void;
  /** Throw InvalidAudienceError, naming the commonest reject reason, when no row is valid (a run's plan does). */
  requireValidRow?: boolean;
  /**
   * Seal batches as the pass goes (a first sync into a new list sends them while the plan runs; without
   * members, since a refresh may still unsend an e-mail at the end). The last row of an e-mail wins even
   * when an earlier row of it is in a batch already sealed, perhaps already sent: the later row goes into
   * the open batch (the snapshot keeps only it) and that batch waits for the earlier one to be done, so
   * Klaviyo and the store end with the later row (upsertBatch counts it as an update if the earlier row was sent). Sealing only batches whose e-mails
   * cannot come back would need the whole file read first: no pipelining at all.
   */
  seal?: boolean;
}

const PROGRESS_EVERY = 1_000;

/** Per row with an e-mail: what the plan decided. */
const enum Kind {
  New = 1,
  Changed = 2,
  Unchanged = 3,
  /** Rejected row with a valid e-mail: its member (if any) stays on the list. */
  Kept = 4,
}

export async function planAudience(source: RowFileSource, opts: PlanOptions = {}): Promise<AudiencePlan> {
  const batches = new BatchAssigner({ maxProfiles: opts.maxProfiles ?? DEFAULT_MAX_PROFILES, maxBytes: opts.maxBytes ?? DEFAULT_MAX_BYTES });
  const normalizeOpts = { updateContacts: opts.updateContacts, defaultCountry: opts.defaultCountry };
  // The settings a row's hash depends on: a different phone country or updateContacts is a different row.
  const { hash64, emailKey } = await loadHashes();
  const settingsText = `${NORMALISATION_VERSION}|${opts.updateContacts !== false}|${opts.defaultCountry ?? 'US'}`;
  let settings = hash64(settingsText);
  const members = opts.members;
  const sink = opts.sink;
  const before = await statAudience(source.path);
  const sha256 = createHash('sha256');
  let hashedBytes = 0;
  const entries = new TaggedKeys();
  const rejectedByReason: Record<string, number> = {};
  const firstReject = new Map<string, RowReject>();
  let header: string[] | undefined;
  let rows = 0;
  let rejectedRows = 0;
  if (opts.seal && members) throw new RangeError('a plan against stored members cannot seal batches: a later row may unsend an e-mail');
  const sealing = opts.seal ? new Sealing() : undefined;
  // Which batch holds each e-mail's latest row sent, for the sink (a later row supersedes it) and the seals.
  const sentIn = sink || sealing ? new BatchOfKey(entries) : undefined;
  // E-mails on several rows, found as the pass goes, not by sorting a copy of every key at the end (8 MiB more
  // at a 1M first sync's peak; a refresh's peak was measured no lower without it): a member's by its digest's
  // seen mark, another's by sentIn (its rows that count are all sent; one of only rejected rows changes no total).
  const repeated = sentIn ? new Set<bigint>() : undefined;

  const hooks = {
    onChunk: (chunk: Buffer) => {
      sha256.update(chunk);
      hashedBytes += chunk.length;
    },
    // The same cells under other columns are another row.
    onHeader: (names: string[]) => {
      header = names;
      settings = hash64(`${settingsText}|${JSON.stringify(names)}`);
    },
  };
  for await (const sourceRows of readAudienceRowBatches(source, hooks)) {
    for (const sourceRow of sourceRows) {
      const row = sourceRow.row;
      rows = row;
      if (rows % PROGRESS_EVERY === 0) opts.onProgress?.(rows, { read: hashedBytes, total: before.size });
      // The file's rows, from the bytes the first rows took (read ahead by a chunk at most). Not against stored
      // members: a refresh sends few of its rows, and a table sized for all of them is 8 MiB at 1M rows for a
      // few thousand keys (which touch nearly every page of it).
      if (row === ESTIMATE_AFTER_ROWS && sentIn && !members && hashedBytes > 0) sentIn.reserve(Math.ceil((before.size / hashedBytes) * row));
      const rowHash = hash64(sourceRow.text, settings);
      const quick = members && quickEmail(sourceRow);
      if (quick !== undefined) {
        const key = emailKey(quick);
        const member = members!.find(key);
        if (member >= 0 && members!.rowMatches(member, rowHash)) {
          if (members!.markSeen(key)) repeated?.add(key);
          entries.push(key, Kind.Unchanged);
          continue;
        }
      }
      const result = normalizeRowSized(sourceRow.raw, row, normalizeOpts);
      if (!result.ok) {
        rejectedRows++;
        rejectedByReason[result.reject.reason] = (rejectedByReason[result.reject.reason] ?? 0) + 1;
        if (!firstReject.has(result.reject.reason)) firstReject.set(result.reject.reason, result.reject);
        const rejected = sink?.reject(result.reject);
        if (rejected) await rejected;
        if (hasValidEmail(result.reject)) {
          const key = emailKey(result.reject.email!);
          if (members?.markSeen(key)) repeated?.add(key);
          entries.push(key, Kind.Kept);
        }
        continue;
      }
      const key = emailKey(result.email);
      const member = members ? members.find(key) : -1;
      if (members?.markSeen(key)) repeated?.add(key);
      const attrHash = hash64(result.json);
      if (member >= 0 && members!.attrMatches(member, attrHash)) {
        entries.push(key, Kind.Unchanged);
        continue;
      }
      const kind = member >= 0 ? 'changed' : 'new';
      entries.push(key, kind === 'new' ? Kind.New : Kind.Changed);
      const batch = batches.assign(result.bytes);
      if (sealing?.sealedBefore(batch) && sink?.seal) await sink.seal(batch, sealing.waits);
      const earlier = sentIn ? sentIn.record(entries.length - 1, batch) : -1;
      if (earlier >= 0) {
        sealing?.wait(batch, earlier);
        repeated?.add(key);
      }
      // Awaited only when the sink returned a promise (when it wrote): an await per row costs more than the row's hash.
      const sent = sink?.send({ email: result.email, emailKey: key, row, batch, kind, rowHash, attrHash, attributes: result.json }, earlier >= 0 ? earlier : undefined);
      if (sent) await sent;
    }
  }
  opts.onProgress?.(rows, { read: hashedBytes, total: before.size });

  // The bytes hashed must be the bytes planned: a file rewritten during the pass is not one audience.
  const after = await statAudience(source.path);
  assertUnchanged(source.path, before, after);
  assertUnchanged(source.path, before, { size: hashedBytes, mtimeMs: after.mtimeMs });

  const outcome = resolveEmails(entries, members, repeated);
  if (opts.requireValidRow && outcome.validRows === 0) throw noValidRow(source.path, rows, header, rejectedByReason, firstReject);
  if (outcome.unsend.length > 0) await sink?.unsend(outcome.unsend.map((emailKey) => ({ emailKey, batch: sentIn!.batchOf(emailKey) })));
  if (sealing) await sink?.seal?.(batches.count, sealing.waits, true);
  return {
    fingerprint: { ...before, sha256: sha256.digest('hex') },
    rows,
    validRows: outcome.validRows,
    rejectedRows,
    rejectedByReason,
    duplicateRows: outcome.validRows - outcome.uniqueEmails,
    uniqueEmails: outcome.uniqueEmails,
    toAdd: outcome.toAdd,
    toUpdate: outcome.toUpdate,
    unchanged: outcome.unchanged,
    keptWithRejectedRow: outcome.kept,
    batches: batches.count,
  };
}

/** BatchOfKey.reserve's largest table: 16 MiB, 2M e-mails; beyond, it grows as it fills. */
const RESERVE_MAX_SLOTS = 1 << 22;
/** Rows read before the plan estimates the file's rows from their bytes (BatchOfKey.reserve). */
const ESTIMATE_AFTER_ROWS = 10_000;

const KEY_BITS = new BigInt64Array(1);
const KEY_WORDS = new Uint32Array(KEY_BITS.buffer);

/** Waits between batches while batches are sealed (see PlanOptions.seal). */
class Sealing {
  readonly waits: [number, number][] = [];
  private open = 0;

  /** True when `batch` opened a new batch: every earlier one is sealed. */
  sealedBefore(batch: number): boolean {
    if (batch === this.open) return false;
    this.open = batch;
    return true;
  }

  /** `batch` holds the later row of an e-mail whose earlier row is in `before`: unless that is `batch` itself, it waits for it. */
  wait(batch: number, before: number): void {
    if (before === batch) return;
    const last = this.waits[this.waits.length - 1];
    if (last && last[0] === batch) last[1] = Math.max(last[1], before);
    else this.waits.push([batch, before]);
  }
}

/**
 * The batch of each e-mail's latest row sent. A slot holds that row's index in the plan's entries (which hold
 * its key): 4 bytes, half full at most, 8 MiB at 1M e-mails (a key and a batch in each slot took 24). Batches
 * are assigned in row order, so a row's batch follows from the first entry of each batch.
 */
class BatchOfKey {
  /** entry index + 1; 0 = empty slot. */
  private slots = new Int32Array(1 << 16);
  private size = 0;
  /** batch -> index of its first entry sent. */
  private readonly firstEntry: number[] = [];

  constructor(private readonly entries: TaggedKeys) {}

  /** Records entry `entry`, sent in `batch`, as its e-mail's latest row; returns the batch of its row before, or -1. */
  record(entry: number, batch: number): number {
    while (this.firstEntry.length <= batch) this.firstEntry.push(entry);
    if (this.size * 2 >= this.slots.length) this.grow();
    const slot = this.slot(this.entries.keyAt(entry));
    const before = this.slots[slot] === 0 ? -1 : this.batchOfEntry(this.slots[slot]! - 1);
    if (before < 0) this.size++;
    this.slots[slot] = entry + 1;
    return before;
  }

  /** The batch of the e-mail's latest row, or -1. */
  batchOf(key: bigint): number {
    const held = this.slots[this.slot(key)]!;
    return held === 0 ? -1 : this.batchOfEntry(held - 1);
  }

  /** The batch an entry was sent in: the last batch whose first entry is at or before it. */
  private batchOfEntry(entry: number): number {
    let low = 0;
    let high = this.firstEntry.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if (this.firstEntry[mid]! <= entry) low = mid;
      else high = mid - 1;
    }
    return low;
  }

  private slot(key: bigint): number {
    const mask = this.slots.length - 1;
    // The key's low bits through a typed-array view: BigInt arithmetic would allocate for every row.
    KEY_BITS[0] = key;
    let i = KEY_WORDS[0]! & mask;
    while (this.slots[i] !== 0 && this.entries.keyAt(this.slots[i]! - 1) !== key) i = (i + 1) & mask;
    return i;
  }

  /**
   * Sizes the table for `rows` e-mails at once (up to RESERVE_MAX_SLOTS): grown by doubling, a 1M-row plan held
   * the old table (4 MiB) beside the new one, the run's peak resident memory.
   */
  reserve(rows: number): void {
    let length = this.slots.length;
    while (rows * 2 >= length && length < RESERVE_MAX_SLOTS) length *= 2;
    if (length > this.slots.length) this.rehash(length);
  }

  private grow(): void {
    this.rehash(this.slots.length * 2);
  }

  private rehash(length: number): void {
    const slots = this.slots;
    this.slots = new Int32Array(length);
    for (const held of slots) if (held !== 0) this.slots[this.slot(this.entries.keyAt(held - 1))] = held;
  }
}

/**
 * Counts per e-mail, not per row: for an e-mail on several rows the last valid row decides (a rejected row
 * only when none is valid). An e-mail sent earlier in the file whose last row is unchanged is unsent.
 * `repeated`: the e-mails on several rows, when the pass found them (see plan).
 */
function resolveEmails(entries: TaggedKeys, members: MemberDigest | undefined, repeatedFound: Set<bigint> | undefined) {
  const totals = { validRows: 0, uniqueEmails: 0, toAdd: 0, toUpdate: 0, unchanged: 0, kept: 0, unsend: [] as bigint[] };
  const count = (kind: Kind, key: bigint) => {
    if (kind === Kind.Kept) {
      if (members && members.find(key) >= 0) totals.kept++;
      return;
    }
    totals.uniqueEmails++;
    if (kind === Kind.New) totals.toAdd++;
    else if (kind === Kind.Changed) totals.toUpdate++;
    else totals.unchanged++;
  };
  const repeated = repeatedFound ?? entries.repeatedKeys();
  const groups = new Map<bigint, { last: Kind; sent: boolean }>();
  for (let i = 0; i < entries.length; i++) {
    const kind = entries.tagAt(i) as Kind;
    if (kind !== Kind.Kept) totals.validRows++;
    const key = entries.keyAt(i);
    if (!repeated.has(key)) {
      count(kind, key);
      continue;
    }
    const group = groups.get(key) ?? { last: Kind.Kept, sent: false };
    if (kind !== Kind.Kept) group.last = kind;
    if (kind === Kind.New || kind === Kind.Changed) group.sent = true;
    groups.set(key, group);
  }
  for (const [key, group] of groups) {
    count(group.last, key);
    if (group.last === Kind.Unchanged && group.sent) totals.unsend.push(key);
  }
  return totals;
}

/** The e-mail cell as normalizeRow would key it, for the unchanged-row shortcut (validity was proven when it was sent). */
function quickEmail(row: SourceRow): string | undefined {
  const cell = row.text === '' ? undefined : row.email;
  if (typeof cell !== 'string') return undefined;
  const email = cell.trim().toLowerCase();
  return email === '' ? undefined : email;
}

/** A rejected row whose e-mail itself is fine: its person stays on the list. */
function hasValidEmail(reject: RowReject): boolean {
  return reject.email !== undefined && reject.reason !== 'invalid_email' && reject.reason !== 'missing_email';
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
