import { describe, expect, it } from 'vitest';
import {
  assertJobFits,
  bulkImportBody,
  MAX_JOB_BYTES,
  MAX_PROFILES_PER_JOB,
  serializeProfile,
  splitForBulkImport,
} from '../../src/klaviyo/bulkImport';
import { KlaviyoError } from '../../src/klaviyo/errors';
import type { ProfileInput } from '../../src/klaviyo/types';

const profiles = (n: number, padding = 0): ProfileInput[] =>
  Array.from({ length: n }, (_, i) => ({
    attributes: { email: `user${i}@example.com`, ...(padding && { properties: { note: 'x'.repeat(padding) } }) },
  }));

describe('splitForBulkImport', () => {
  it('splits 25,000 small profiles by count into 10,000 / 10,000 / 5,000, keeping order', () => {
    const input = profiles(25_000);
    const batches = splitForBulkImport(input);
    expect(batches.map((b) => b.length)).toEqual([10_000, 10_000, 5_000]);
    expect(batches.flat()).toEqual(input.map(serializeProfile));
    expect(JSON.parse(bulkImportBody(batches[2]!, 'Y6nRLr').toString()).data.attributes.profiles.data[4999]).toEqual({ type: 'profile', attributes: input[24_999]!.attributes });
    for (const b of batches) expect(bulkImportBody(b, 'Y6nRLr').length).toBeLessThan(MAX_JOB_BYTES);
  });

  it('splits by size when the bytes, not the count, run out', () => {
    const input = profiles(2_000, 5_000); // ~5 KB each: ~10 MB total, far below 10,000 profiles
    const batches = splitForBulkImport(input);
    expect(batches.length).toBeGreaterThanOrEqual(3);
    expect(batches.every((b) => b.length < MAX_PROFILES_PER_JOB)).toBe(true);
    expect(batches.flat()).toEqual(input.map(serializeProfile));
    for (const b of batches) {
      const size = bulkImportBody(b, 'Y6nRLr').length;
      expect(size).toBeLessThan(MAX_JOB_BYTES);
      // Greedy packing: each batch but the last is nearly full.
      if (b !== batches[batches.length - 1]) expect(size).toBeGreaterThan(MAX_JOB_BYTES - 6_000);
    }
  });

  it('measures UTF-8 bytes, not characters', () => {
    const wide: ProfileInput[] = Array.from({ length: 10 }, (_, i) => ({
      attributes: { email: `u${i}@example.com`, first_name: 'é'.repeat(400) },
    }));
    const batches = splitForBulkImport(wide, { maxBytes: 3_000 });
    for (const b of batches) expect(bulkImportBody(b, 'x'.repeat(64)).length).toBeLessThan(3_000);
    expect(batches.length).toBeGreaterThan(3); // 800 bytes each but only 400 characters
    // The body's bytes are the JSON of every profile, multi-byte characters included, and nothing after it.
    const body = JSON.parse(bulkImportBody(batches[0]!, 'L1').toString('utf8'));
    expect(body.data.attributes.profiles.data).toEqual(batches[0]!.map((p) => ({ type: 'profile', attributes: JSON.parse(p.attributes.toString()) })));
    expect(body.data.relationships.lists.data).toEqual([{ type: 'list', id: 'L1' }]);
  });

  it('takes attributes as their UTF-8 bytes (a batch read back from the store) and sizes and writes them as the same text', () => {
    const wide = Array.from({ length: 30 }, (_, i) => ({ email: `u${i}@example.com`, attributes: JSON.stringify({ email: `u${i}@example.com`, first_name: 'é'.repeat(400) }) }));
    const asBytes = wide.map((p) => ({ ...p, attributes: Buffer.from(p.attributes) }));
    const [text, bytes] = [splitForBulkImport(wide, { maxBytes: 3_000 }), splitForBulkImport(asBytes, { maxBytes: 3_000 })];
    expect(bytes.map((b) => b.length)).toEqual(text.map((b) => b.length));
    bytes.forEach((b, i) => expect(bulkImportBody(b, 'L1').equals(bulkImportBody(text[i]!, 'L1'))).toBe(true));
  });

  it('writes the body into a scratch buffer big enough for it, and allocates one otherwise', () => {
    const input = profiles(50);
    const scratch = Buffer.alloc(MAX_JOB_BYTES);
    const body = bulkImportBody(input, 'L1', scratch);
    expect(body.buffer).toBe(scratch.buffer);
    expect(body.equals(bulkImportBody(input, 'L1'))).toBe(true);
    expect(bulkImportBody(input, 'L1', Buffer.alloc(10)).equals(body)).toBe(true);
  });

  it('honours custom limits and returns [] for no profiles', () => {
    expect(splitForBulkImport(profiles(7), { maxProfiles: 3 }).map((b) => b.length)).toEqual([3, 3, 1]);
    expect(splitForBulkImport([])).toEqual([]);
  });

  it('rejects a profile over 100 KB as a validation error naming its index', () => {
    const input = profiles(5);
    input[2] = { attributes: { email: 'big@example.com', properties: { blob: 'x'.repeat(101_000) } } };
    try {
      splitForBulkImport(input);
      expect.unreachable();
    } catch (e) {
      expect(e).toBeInstanceOf(KlaviyoError);
      expect(e).toMatchObject({ kind: 'validation', profileErrors: [{ index: 2 }] });
      expect((e as KlaviyoError).message).toMatch(/index 2/);
    }
  });
});

describe('assertJobFits', () => {
  it('throws invalid_request for an empty, too-long or too-big job', () => {
    const check = (p: ProfileInput[]) => () => assertJobFits(p, bulkImportBody(p));
    expect(check([])).toThrow(/no profiles/);
    expect(check(profiles(10_001))).toThrow(/10001 profiles/);
    expect(check(profiles(1_000, 5_000))).toThrow(/request body \d+ bytes/);
    expect(check(profiles(10_000))).not.toThrow();
  });
});
