import { createHash } from 'node:crypto';
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AudienceChangedError, InvalidAudienceError } from '../../src/audience/errors';
import { checkFingerprint, planAudience, type AudiencePlan } from '../../src/audience/plan';
import { normalizeRow, profileJsonBytes } from '../../src/audience/row';
import { generateAudience } from '../../dev/synthetic';
import type { RowFileSource } from '../../src/shared';
import { collect, tempDir, writeAudience } from './helpers';

const dir = tempDir();

/** Reads every batch by its byte range and checks the batches partition the file's rows exactly. */
async function expectBatchesPartitionRows(source: RowFileSource, plan: AudiencePlan): Promise<void> {
  const all = await collect(source);
  expect(plan.rows).toBe(all.length);
  const seen = [];
  let previousEnd: number | undefined;
  for (const batch of plan.batches) {
    if (previousEnd !== undefined) expect(batch.start).toBe(previousEnd); // contiguous
    previousEnd = batch.end;
    const rows = await collect(source, { ...batch, header: plan.header });
    expect(rows).toHaveLength(batch.rows);
    expect(rows[0]!.row).toBe(batch.firstRow);
    expect(rows.at(-1)!.endOffset).toBe(batch.end);
    seen.push(...rows);
  }
  // The union of all batches is every row, exactly once, with the same content and numbering.
  expect(seen).toEqual(all);
}

describe('planAudience', () => {
  it.each(['csv', 'ndjson'] as const)('%s: batch byte ranges hold exactly their rows; together every row once', async (format) => {
    const out = join(dir, `generated.${format}`);
    const generated = await generateAudience({ rows: 3000, out, invalidShare: 0.05, seed: 11 });
    const source: RowFileSource = { type: format, path: out };
    // Small batches so there are many boundaries, some next to quoted newlines and invalid rows.
    const plan = await planAudience(source, { maxProfiles: 97 });
    expect(plan.batches.length).toBeGreaterThan(25);
    expect(plan.rows).toBe(3000);
    expect(plan.rejectedRows).toBe(generated.invalidRows);
    expect(plan.validRows).toBe(3000 - generated.invalidRows);
    expect(plan.rejectedByReason).toEqual(Object.fromEntries(Object.entries(generated.invalidByReason).filter(([, n]) => n > 0)));
    expect(plan.batches.reduce((n, b) => n + b.rows, 0)).toBe(3000);
    await expectBatchesPartitionRows(source, plan);
  });

  it('the generated CSV really has quoted newlines (the test above covers them)', async () => {
    const rows = await collect({ type: 'csv', path: join(dir, 'generated.csv') });
    expect(rows.filter((r) => String(r.raw.address2).includes('\n')).length).toBeGreaterThan(5);
  });

  it('splits by profile count: each batch has at most maxProfiles valid rows', async () => {
    const lines = ['email'];
    for (let i = 0; i < 25; i++) lines.push(i % 5 === 4 ? `bad${i}` : `p${i}@x.com`);
    const source = writeAudience(dir, 'csv', `${lines.join('\n')}\n`);
    const plan = await planAudience(source, { maxProfiles: 4 });
    // 20 valid rows in batches of 4; each invalid row stays in the batch before the next cut.
    expect(plan.batches.map((b) => [b.firstRow, b.rows])).toEqual([
      [1, 5],
      [6, 5],
      [11, 5],
      [16, 5],
      [21, 5],
    ]);
    await expectBatchesPartitionRows(source, plan);
  });

  it('splits by bytes: serialized profiles of a batch stay within maxBytes', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ email: `person${i}@example.com`, first_name: 'x'.repeat(i * 10) }));
    const source = writeAudience(dir, 'ndjson', rows.map((r) => JSON.stringify(r)).join('\n'));
    const maxBytes = 1200;
    const plan = await planAudience(source, { maxBytes });
    expect(plan.batches.length).toBeGreaterThan(3);
    for (const batch of plan.batches) {
      const profiles = (await collect(source, batch)).map((r) => normalizeRow(r.raw, r.row)).filter((r) => r.ok);
      const bytes = profiles.reduce((n, r) => n + (r.ok ? profileJsonBytes(r.profile) + 1 : 0), 0);
      expect(bytes).toBeLessThanOrEqual(maxBytes);
    }
    // Cutting later would have passed the limit: each batch is as full as it may be.
    for (const [i, batch] of plan.batches.slice(0, -1).entries()) {
      const next = (await collect(source, plan.batches[i + 1]))[0]!;
      const nextBytes = profileJsonBytes({ attributes: { email: String(next.raw.email), first_name: String(next.raw.first_name) } });
      const own = (await collect(source, batch)).reduce((n, r) => n + profileJsonBytes({ attributes: { email: String(r.raw.email), first_name: String(r.raw.first_name) } }) + 1, 0);
      expect(own + nextBytes + 1).toBeGreaterThan(maxBytes);
    }
  });

  it('counts duplicate e-mails among valid rows (normalised), without rejecting them', async () => {
    const source = writeAudience(dir, 'csv', 'email,phone_number\na@x.com,\n A@X.COM ,\nb@x.com,\na@x.com,12345\nb@x.com,\n');
    const plan = await planAudience(source);
    expect(plan).toMatchObject({ rows: 5, validRows: 4, rejectedRows: 1, duplicateRows: 2, uniqueEmails: 2 });
  });

  it('with updateContacts=false only the e-mail decides validity', async () => {
    const source = writeAudience(dir, 'csv', 'email,phone_number\na@x.com,12345\nnope,\n');
    expect(await planAudience(source, { updateContacts: false })).toMatchObject({ validRows: 1, rejectedByReason: { invalid_email: 1 } });
  });

  it('plans a header-only CSV as no batches, and reports progress', async () => {
    const progress: number[] = [];
    const plan = await planAudience(writeAudience(dir, 'csv', 'email,first_name\n'), { onProgress: (n) => progress.push(n) });
    expect(plan).toMatchObject({ rows: 0, validRows: 0, batches: [], header: ['email', 'first_name'] });
    expect(progress).toEqual([0]);
  });

  it.each([
    ['a header-only CSV', 'csv', 'email,first_name\n', /has no data rows \(only a header\); nothing to sync/],
    ['an empty NDJSON file', 'ndjson', '', /has no data rows; nothing to sync/],
    ['a binary file read as NDJSON', 'ndjson', Buffer.from(Array.from({ length: 3000 }, (_, i) => (i * 7919) % 256)), /no valid row: all \d+ rows were rejected, most \(\d+\) as invalid_row \(row 1: line/],
    ['a CSV of bad e-mails and one bad phone', 'csv', 'email,phone_number\nnope,\nalso-nope,\na@x.com,12\n', /all 3 rows were rejected, most \(2\) as invalid_email \(row 1: email "nope" is not/],
  ] as const)('with requireValidRow, fails %s with the commonest reason', async (_name, type, body, message) => {
    await expect(planAudience(writeAudience(dir, type, body), { requireValidRow: true })).rejects.toThrow(message);
  });

  it('raises InvalidAudienceError for an unknown column before any batch exists', async () => {
    await expect(planAudience(writeAudience(dir, 'csv', 'email,phone\na@x.com,1\n'))).rejects.toThrow(InvalidAudienceError);
  });

  it('fingerprints the file: size, mtime and sha256 of the bytes', async () => {
    const source = writeAudience(dir, 'ndjson', '{"email":"a@x.com"}\n');
    const plan = await planAudience(source);
    expect(plan.fingerprint.size).toBe(20);
    expect(plan.fingerprint.mtimeMs).toBeGreaterThan(0);
    expect(plan.fingerprint.sha256).toBe(createHash('sha256').update('{"email":"a@x.com"}\n').digest('hex'));
  });
});

describe('checkFingerprint', () => {
  it('passes for the planned file and throws AudienceChangedError once it changes', async () => {
    const source = writeAudience(dir, 'csv', 'email\na@x.com\n');
    const plan = await planAudience(source);
    await expect(checkFingerprint(source, plan.fingerprint)).resolves.toBeUndefined();

    // Same size, new modification time.
    writeFileSync(source.path, 'email\nb@x.com\n');
    utimesSync(source.path, new Date(), new Date(Date.now() + 5000));
    await expect(checkFingerprint(source, plan.fingerprint)).rejects.toThrow(AudienceChangedError);

    // Different size.
    const again = await planAudience(source);
    writeFileSync(source.path, 'email\nb@x.com\nc@x.com\n');
    await expect(checkFingerprint(source, again.fingerprint)).rejects.toThrow(/changed since it was planned \(size 14 -> 22 bytes/);
  });

  it('throws AudienceChangedError when the file is gone', async () => {
    const source = writeAudience(dir, 'csv', 'email\na@x.com\n');
    const plan = await planAudience(source);
    await expect(checkFingerprint({ ...source, path: `${source.path}.moved` }, plan.fingerprint)).rejects.toThrow(AudienceChangedError);
  });
});
