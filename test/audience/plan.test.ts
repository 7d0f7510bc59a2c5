import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { InvalidAudienceError } from '../../src/audience/errors';
import { planAudience, type PlanOptions, type RowToSend } from '../../src/audience/plan';
import { MemberDigest } from '../../src/audience/memberDigest';
import { loadHashes } from '../../src/audience/emailHash';
import type { RowReject } from '../../src/audience/row';
import { generateAudience } from '../../dev/synthetic';
import type { RowFileSource } from '../../src/shared';
import { tempDir, writeAudience } from './helpers';

const dir = tempDir();
let emailKey: (email: string) => bigint;
beforeAll(async () => {
  ({ emailKey } = await loadHashes());
});

/** Plans `email,first_name` lines sealing batches of `maxProfiles`: the totals and the waits of the last seal. */
async function planSealing(lines: string[], maxProfiles: number) {
  const source = writeAudience(dir, 'csv', `email,first_name\n${lines.join('\n')}\n`);
  let waits: [number, number][] = [];
  const result = await planAudience(source, {
    maxProfiles,
    seal: true,
    sink: { send: () => undefined, reject: () => undefined, unsend: () => undefined, seal: (_, w) => void (waits = w.map((x) => [...x] as [number, number])) },
  });
  return { result, waits };
}

/** Plans into memory: the rows to send, the rejects and the e-mails taken back. */
async function plan(source: RowFileSource, opts: PlanOptions = {}) {
  const sent: RowToSend[] = [];
  const rejects: RowReject[] = [];
  const unsent: bigint[] = [];
  const result = await planAudience(source, {
    ...opts,
    sink: { send: (r) => void sent.push(r), reject: (r) => void rejects.push(r), unsend: (rows) => void unsent.push(...rows.map((r) => r.emailKey)) },
  });
  return { result, sent, rejects, unsent };
}

/** A digest of members as the rows of `first` would have left them (every row sent and stored). */
function digestOf(rows: RowToSend[], extra: { email: string }[] = []): MemberDigest {
  const members = [
    ...rows.map((r) => ({ email: r.email, emailKey: r.emailKey, profileId: null, rowHash: r.rowHash, attrHash: r.attrHash })),
    ...extra.map((m) => ({ email: m.email, emailKey: emailKey(m.email), profileId: null, rowHash: null, attrHash: null })),
  ].sort((a, b) => (a.emailKey < b.emailKey ? -1 : a.emailKey > b.emailKey ? 1 : 0));
  const digest = new MemberDigest(4);
  digest.add(members);
  return digest;
}

describe('planAudience', () => {
  it.each(['csv', 'ndjson'] as const)('%s: every valid row is sent once, in batches of at most maxProfiles; every invalid row is rejected', async (format) => {
    const out = join(dir, `generated.${format}`);
    const generated = await generateAudience({ rows: 3000, out, invalidShare: 0.05, seed: 11 });
    const { result, sent, rejects } = await plan({ type: format, path: out }, { maxProfiles: 97 });
    expect(result).toMatchObject({ rows: 3000, rejectedRows: generated.invalidRows, validRows: 3000 - generated.invalidRows, unchanged: 0 });
    expect(result.toAdd).toBe(result.uniqueEmails);
    expect(result.rejectedByReason).toEqual(Object.fromEntries(Object.entries(generated.invalidByReason).filter(([, n]) => n > 0)));
    expect(rejects).toHaveLength(generated.invalidRows);
    expect(new Set(sent.map((r) => r.email)).size).toBe(sent.length);
    const perBatch = new Map<number, number>();
    for (const r of sent) perBatch.set(r.batch, (perBatch.get(r.batch) ?? 0) + 1);
    expect(result.batches).toBe(perBatch.size);
    expect(Math.max(...perBatch.values())).toBeLessThanOrEqual(97);
    expect(sent.every((r) => r.kind === 'new' && JSON.parse(r.attributes).email === r.email)).toBe(true);
  });

  it('splits by bytes: serialized profiles of a batch stay within maxBytes, and each batch is as full as it may be', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => ({ email: `person${i}@example.com`, first_name: 'x'.repeat(i * 10) }));
    const maxBytes = 1200;
    const { sent, result } = await plan(writeAudience(dir, 'ndjson', rows.map((r) => JSON.stringify(r)).join('\n')), { maxBytes });
    const size = (r: RowToSend) => Buffer.byteLength(JSON.stringify({ type: 'profile', attributes: JSON.parse(r.attributes) })) + 1;
    const bytes = new Map<number, number>();
    for (const r of sent) bytes.set(r.batch, (bytes.get(r.batch) ?? 0) + size(r));
    expect(result.batches).toBeGreaterThan(3);
    for (const b of bytes.values()) expect(b).toBeLessThanOrEqual(maxBytes);
    for (let b = 0; b < result.batches - 1; b++) {
      const next = sent.find((r) => r.batch === b + 1)!;
      expect(bytes.get(b)! + size(next)).toBeGreaterThan(maxBytes);
    }
  });

  it('counts an e-mail on several rows once: the last valid row is the one sent', async () => {
    const source = writeAudience(dir, 'csv', 'email,first_name,phone_number\na@x.com,One,\n A@X.COM ,Two,\nb@x.com,,\na@x.com,Bad,12345\nb@x.com,B2,\n');
    const { result, sent } = await plan(source, { maxProfiles: 1 });
    expect(result).toMatchObject({ rows: 5, validRows: 4, rejectedRows: 1, duplicateRows: 2, uniqueEmails: 2, toAdd: 2 });
    // The store keeps the last row of an e-mail; here the sink sees all, the last ones carry the final names.
    const last = new Map(sent.map((r) => [r.email, JSON.parse(r.attributes).first_name]));
    expect(Object.fromEntries(last)).toEqual({ 'a@x.com': 'Two', 'b@x.com': 'B2' });
  });

  it('counts repeats the same whether it finds them as it sends (a sink) or by sorting every key at the end (none)', async () => {
    // 3,000 rows of 1,000 people: repeats in and across batches, some rows rejected with a valid e-mail (a bad phone), some with a bad e-mail.
    const lines = Array.from({ length: 3000 }, (_, i) => {
      const person = (i * 7919) % 1000;
      const email = i % 97 === 0 ? 'not-an-email' : `p${person}@x.com`;
      const phone = i % 13 === 0 ? '12345' : '';
      return `${email},N${i},${phone}`;
    });
    const source = writeAudience(dir, 'csv', `email,first_name,phone_number\n${lines.join('\n')}\n`);
    const { result: withSink } = await plan(source, { maxProfiles: 100 });
    const withoutSink = await planAudience(source, { maxProfiles: 100 });
    expect(withSink.duplicateRows).toBeGreaterThan(1000);
    expect(withSink).toEqual(withoutSink);
  });

  it('against stored members, counts repeats the same whether it finds them as it sends (a sink) or by sorting every key at the end (none)', async () => {
    // 1,000 members from a first file; the refresh repeats them in every order: unchanged then changed, changed
    // then unchanged (taken back), a rejected row with a valid e-mail between, new e-mails on several rows.
    const firstLines = Array.from({ length: 1000 }, (_, i) => `p${i}@x.com,N${i},`);
    const first = await plan(writeAudience(dir, 'csv', `email,first_name,phone_number\n${firstLines.join('\n')}\n`));
    const lines = Array.from({ length: 3000 }, (_, i) => {
      const person = (i * 7919) % 1300;
      const email = i % 97 === 0 ? 'not-an-email' : `p${person}@x.com`;
      const phone = i % 13 === 0 ? '12345' : '';
      const name = i % 3 === 0 ? `N${person}` : `M${i}`;
      return `${email},${name},${phone}`;
    });
    const source = writeAudience(dir, 'csv', `email,first_name,phone_number\n${lines.join('\n')}\n`);
    const withSink = await plan(source, { maxProfiles: 100, members: digestOf(first.sent) });
    const withoutSink = await planAudience(source, { maxProfiles: 100, members: digestOf(first.sent) });
    expect(withSink.result.duplicateRows).toBeGreaterThan(1000);
    expect(withSink.result.unchanged).toBeGreaterThan(0);
    expect(withSink.unsent.length).toBeGreaterThan(0);
    expect(withSink.result).toEqual(withoutSink);
  });

  it('seals batches as it goes, rows handed over before each seal; a batch with the later row of an e-mail in a sealed batch waits for that one', async () => {
    // Batches of 2: [a, b] [c, a'] [d, c'] [e] — a' supersedes batch 0, c' batch 1; nothing else repeats across batches.
    const source = writeAudience(dir, 'csv', 'email,first_name\na@x.com,A1\nb@x.com,B\nc@x.com,C1\na@x.com,A2\nd@x.com,D\nc@x.com,C2\ne@x.com,E\n');
    const sent: RowToSend[] = [];
    const seals: { sealed: number; waits: [number, number][]; rowsBefore: number; done?: boolean }[] = [];
    const result = await planAudience(source, {
      maxProfiles: 2,
      seal: true,
      sink: {
        send: (r) => void sent.push(r),
        reject: () => undefined,
        unsend: () => undefined,
        seal: (sealed, waits, done) =>
          void seals.push({ sealed, waits: waits.map((w) => [...w] as [number, number]), rowsBefore: sent.length, ...(done && { done }) }),
      },
    });
    expect(result).toMatchObject({ batches: 4, uniqueEmails: 5, toAdd: 5, duplicateRows: 2 });
    expect(seals).toEqual([
      { sealed: 1, waits: [], rowsBefore: 2 },
      { sealed: 2, waits: [[1, 0]], rowsBefore: 4 },
      { sealed: 3, waits: [[1, 0], [2, 1]], rowsBefore: 6 },
      { sealed: 4, waits: [[1, 0], [2, 1]], rowsBefore: 7, done: true },
    ]);
    expect(sent.map((r) => `${r.email}:${r.batch}:${r.kind}`)).toEqual([
      'a@x.com:0:new', 'b@x.com:0:new', 'c@x.com:1:new', 'a@x.com:1:new', 'd@x.com:2:new', 'c@x.com:2:new', 'e@x.com:3:new',
    ]);
  });

  it('knows the batch of each e-mail sent across 40,000 rows (its table grows), so a repeat waits for the batch of the row it supersedes', async () => {
    // Batches of 1,000; rows 30,000-39,999 repeat the e-mails of rows 0-9,999, so batch 30 + k supersedes batch k.
    const lines = Array.from({ length: 40_000 }, (_, i) => `u${i % 30_000}@x.com,N${i}`);
    const { result, waits } = await planSealing(lines, 1000);
    expect(result).toMatchObject({ batches: 40, uniqueEmails: 30_000, duplicateRows: 10_000 });
    expect(waits).toEqual(Array.from({ length: 10 }, (_, k) => [30 + k, k]));
  });

  it('still finds the batch of each e-mail sent when its table, sized from the first rows, must grow later', async () => {
    // The first 10,000 rows are long (the estimate of the file's rows falls short), the next 60,000 short;
    // rows 60,000-69,999 repeat the e-mails of rows 10,000-19,999: batch 60 + k supersedes batch 10 + k.
    const long = 'x'.repeat(400);
    const lines = Array.from({ length: 70_000 }, (_, i) => (i < 10_000 ? `l${i}@x.com,${long}` : `u${i < 60_000 ? i : i - 50_000}@x.com,N${i}`));
    const { result, waits } = await planSealing(lines, 1000);
    expect(result).toMatchObject({ batches: 70, uniqueEmails: 60_000, duplicateRows: 10_000 });
    expect(waits).toEqual(Array.from({ length: 10 }, (_, k) => [60 + k, 10 + k]));
  });

  it('refuses to seal batches against stored members (a later row may take an e-mail back)', async () => {
    const source = writeAudience(dir, 'csv', 'email\na@x.com\n');
    await expect(planAudience(source, { seal: true, members: digestOf([]) })).rejects.toThrow(/cannot seal/);
  });

  it('against stored members: unchanged rows are not sent, changed and new ones are, leavers are the members never seen', async () => {
    const v1 = writeAudience(dir, 'csv', 'email,first_name\na@x.com,Ann\nb@x.com,Bob\nc@x.com,Cy\nd@x.com,Di\n');
    const first = await plan(v1);
    const members = digestOf(first.sent, [{ email: 'stranger@x.com' }]);
    // b changed, c reformatted (same profile), d has a bad phone (kept), a gone, e new.
    const v2 = writeAudience(dir, 'csv', 'email,first_name,phone_number\nb@x.com,Robert,\n C@X.COM ,Cy,\nd@x.com,Di,12\ne@x.com,Eve,\n');
    const { result, sent } = await plan(v2, { members });
    expect(result).toMatchObject({ toAdd: 1, toUpdate: 1, unchanged: 1, keptWithRejectedRow: 1, rejectedRows: 1 });
    expect(sent.map((r) => [r.email, r.kind])).toEqual([
      ['b@x.com', 'changed'],
      ['e@x.com', 'new'],
    ]);
    expect(['a@x.com', 'b@x.com', 'c@x.com', 'd@x.com', 'stranger@x.com'].filter((e) => !members.wasSeen(emailKey(e)))).toEqual(['a@x.com', 'stranger@x.com']);
  });

  it('a row exactly as last sent is unchanged without normalising it again; other settings make it a new row', async () => {
    const source = writeAudience(dir, 'csv', 'email,phone_number\na@x.com,4155552671\n');
    const first = await plan(source);
    expect((await plan(source, { members: digestOf(first.sent) })).result.unchanged).toBe(1);
    // Read in another country, the same cell is another phone number: sent again.
    const other = await plan(source, { members: digestOf(first.sent), defaultCountry: 'CA' });
    expect(other.result.unchanged + other.result.toUpdate).toBe(1);
    expect((await plan(source, { members: digestOf(first.sent), updateContacts: false })).result.toUpdate).toBe(1);
  });

  it('takes back an e-mail sent earlier in the file whose last row is unchanged', async () => {
    const v1 = writeAudience(dir, 'csv', 'email,first_name\na@x.com,Ann\n');
    const first = await plan(v1);
    const v2 = writeAudience(dir, 'csv', 'email,first_name\na@x.com,Other\na@x.com,Ann\n');
    const { result, unsent } = await plan(v2, { members: digestOf(first.sent) });
    expect(result).toMatchObject({ unchanged: 1, toUpdate: 0, duplicateRows: 1 });
    expect(unsent).toEqual([emailKey('a@x.com')]);
  });

  it('with updateContacts=false only the e-mail decides validity', async () => {
    const source = writeAudience(dir, 'csv', 'email,phone_number\na@x.com,12345\nnope,\n');
    expect((await plan(source, { updateContacts: false })).result).toMatchObject({ validRows: 1, rejectedByReason: { invalid_email: 1 } });
  });

  it('plans a header-only CSV as no batches, and reports progress', async () => {
    const progress: number[] = [];
    const { result } = await plan(writeAudience(dir, 'csv', 'email,first_name\n'), { onProgress: (n) => progress.push(n) });
    expect(result).toMatchObject({ rows: 0, validRows: 0, batches: 0 });
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

  it('raises InvalidAudienceError for an unknown column', async () => {
    await expect(planAudience(writeAudience(dir, 'csv', 'email,phone\na@x.com,1\n'))).rejects.toThrow(InvalidAudienceError);
  });

  it('fingerprints the file: size, mtime and sha256 of the bytes', async () => {
    const source = writeAudience(dir, 'ndjson', '{"email":"a@x.com"}\n');
    const { result } = await plan(source);
    expect(result.fingerprint.size).toBe(20);
    expect(result.fingerprint.mtimeMs).toBeGreaterThan(0);
    expect(result.fingerprint.sha256).toBe(createHash('sha256').update('{"email":"a@x.com"}\n').digest('hex'));
  });
});
