/**
 * Bulk profile import request bodies and their limits: ≤ 10,000 profiles, a request body under 5 MB, and
 * ≤ 100 KB per profile (spec description of POST /api/profile-bulk-import-jobs). Sizes are measured on the
 * exact JSON we send, envelope included, in UTF-8 bytes.
 */
import { KlaviyoError } from './errors';
import type { ProfileInput } from './types';

export const BULK_IMPORT_ENDPOINT = 'POST /api/profile-bulk-import-jobs';
export const MAX_PROFILES_PER_JOB = 10_000;
/** "5 MB": decimal megabytes, the stricter reading; a body must be strictly smaller. */
export const MAX_JOB_BYTES = 5_000_000;
export const MAX_PROFILE_BYTES = 100_000;
/** Room reserved in split batches for the list relationship (list ids are ~6 chars; this is generous). */
const LIST_ID_ALLOWANCE = 64;

export interface BulkImportLimits {
  maxProfiles?: number;
  maxBytes?: number;
}

/**
 * A profile as it goes into a request: its attributes serialized once (the sync keeps them serialized from
 * the plan on, so a batch of 10,000 is never 10,000 objects), and its e-mail, to map Klaviyo's errors to rows.
 */
export interface SerializedProfile {
  email: string | null;
  /** JSON of the profile's attributes, as text or as its UTF-8 bytes (a batch read back from the store). */
  attributes: string | Buffer;
}

export function serializeProfile(p: ProfileInput | SerializedProfile): SerializedProfile {
  return typeof p.attributes === 'string' || Buffer.isBuffer(p.attributes)
    ? (p as SerializedProfile)
    : { email: (p as ProfileInput).attributes.email ?? null, attributes: JSON.stringify(p.attributes) };
}

const RESOURCE_START = '{"type":"profile","attributes":';

/**
 * The request body as UTF-8 bytes, the attributes going in as serialized. Written straight into one buffer:
 * as text it was a 5 MB string, which the HTTP client then copied into bytes, for every job. Into `scratch`
 * when it is big enough (a buffer the caller reuses job after job; the body is then a view of it).
 */
export function bulkImportBody(profiles: (ProfileInput | SerializedProfile)[], listId?: string, scratch?: Buffer): Buffer {
  const attributes = profiles.map((p) => serializeProfile(p).attributes);
  const lists = listId !== undefined ? `,"relationships":{"lists":{"data":[{"type":"list","id":${JSON.stringify(listId)}}]}}` : '';
  const head = '{"data":{"type":"profile-bulk-import-job","attributes":{"profiles":{"data":[';
  const tail = `]}}${lists}}}`;
  // Each profile: RESOURCE_START, its attributes, '}', and a ',' between profiles.
  let size = Buffer.byteLength(head) + Buffer.byteLength(tail) + Math.max(0, attributes.length - 1);
  for (const a of attributes) size += RESOURCE_START.length + Buffer.byteLength(a) + 1;
  const body = scratch && scratch.length >= size ? scratch.subarray(0, size) : Buffer.allocUnsafe(size);
  let at = body.write(head);
  attributes.forEach((a, i) => {
    if (i > 0) at = body.writeUInt8(0x2c, at);
    at += body.write(RESOURCE_START, at);
    at += typeof a === 'string' ? body.write(a, at) : a.copy(body, at);
    at = body.writeUInt8(0x7d, at);
  });
  body.write(tail, at);
  return body;
}

/**
 * Splits profiles into consecutive batches that each fit one job (order kept). Throws a 'validation'
 * KlaviyoError naming every profile over 100 KB, since no batch can carry it.
 */
export function splitForBulkImport(input: (ProfileInput | SerializedProfile)[], limits: BulkImportLimits = {}): SerializedProfile[][] {
  const profiles = input.map(serializeProfile);
  const maxProfiles = limits.maxProfiles ?? MAX_PROFILES_PER_JOB;
  const maxBytes = limits.maxBytes ?? MAX_JOB_BYTES;
  const envelope = bulkImportBody([], 'x'.repeat(LIST_ID_ALLOWANCE)).length;
  const sizes = profiles.map((p) => RESOURCE_START.length + 1 + Buffer.byteLength(p.attributes));
  const perProfileMax = Math.min(MAX_PROFILE_BYTES, maxBytes - envelope - 1);
  const oversized = sizes.flatMap((size, index) =>
    size > perProfileMax
      ? [{ index, message: `profile is ${size} bytes serialized; at most ${perProfileMax} bytes fit in one bulk import` }]
      : [],
  );
  if (oversized.length > 0) {
    throw new KlaviyoError({
      kind: 'validation',
      endpoint: BULK_IMPORT_ENDPOINT,
      profileErrors: oversized,
      message: `${oversized.length} profile(s) too large for a bulk import (index ${oversized.slice(0, 10).map((o) => o.index).join(', ')}); trim their custom properties`,
    });
  }
  const batches: SerializedProfile[][] = [];
  let current: SerializedProfile[] = [];
  let bytes = envelope;
  profiles.forEach((p, i) => {
    const size = sizes[i]!;
    // +1: the comma between array items.
    if (current.length > 0 && (current.length >= maxProfiles || bytes + 1 + size >= maxBytes)) {
      batches.push(current);
      current = [];
      bytes = envelope;
    }
    bytes += size + (current.length > 0 ? 1 : 0);
    current.push(p);
  });
  if (current.length > 0) batches.push(current);
  return batches;
}

/** Rejects a job body that breaks Klaviyo's limits before it is sent (callers should have split it). */
export function assertJobFits(profiles: unknown[], body: Buffer): void {
  const bodyBytes = profiles.length > 0 && profiles.length <= MAX_PROFILES_PER_JOB ? body.length : 0;
  const problem =
    profiles.length === 0
      ? 'no profiles given'
      : profiles.length > MAX_PROFILES_PER_JOB
        ? `${profiles.length} profiles (max ${MAX_PROFILES_PER_JOB})`
        : bodyBytes >= MAX_JOB_BYTES
          ? `request body ${bodyBytes} bytes (must be under ${MAX_JOB_BYTES})`
          : undefined;
  if (problem) {
    throw new KlaviyoError({
      kind: 'invalid_request',
      endpoint: BULK_IMPORT_ENDPOINT,
      message: `${BULK_IMPORT_ENDPOINT}: one job cannot take ${problem}; split the profiles with splitForBulkImport`,
    });
  }
}
