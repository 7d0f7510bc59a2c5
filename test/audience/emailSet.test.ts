import { describe, expect, it } from 'vitest';
import { AudienceEmailSet } from '../../src/audience/emailSet';
import { emailHash } from '../../src/audience/emailHash';
import { tempDir, writeAudience } from './helpers';

const dir = tempDir();

describe('AudienceEmailSet', () => {
  it('holds every normalised source e-mail, valid rows or not', async () => {
    const source = writeAudience(dir, 'csv', 'email,phone_number\n A@X.com ,\nb@x.com,12345\nnot-an-email,\n,\nb@x.com,\nextra,cells,here\n');
    const set = await AudienceEmailSet.fromSource(source);
    expect(set.size).toBe(3); // a@x.com, b@x.com, not-an-email (distinct)
    expect(set.has('a@x.com')).toBe(true);
    expect(set.has('  A@X.COM')).toBe(true);
    // Its row is rejected (bad phone), yet the person is in the audience and must not be removed.
    expect(set.has('b@x.com')).toBe(true);
    expect(set.has('c@x.com')).toBe(false);
    expect(set.has('')).toBe(false);
  });

  it('works on NDJSON and on an empty audience', async () => {
    const set = await AudienceEmailSet.fromSource(writeAudience(dir, 'ndjson', '{"email":"z@x.com"}\nnot json\n'));
    expect([set.size, set.has('z@x.com'), set.has('y@x.com')]).toEqual([1, true, false]);
    const empty = await AudienceEmailSet.fromSource(writeAudience(dir, 'csv', 'email\n'));
    expect([empty.size, empty.has('z@x.com')]).toEqual([0, false]);
  });

  it('answers membership for thousands of e-mails (binary search over sorted hashes)', async () => {
    const emails = Array.from({ length: 5000 }, (_, i) => `person${i}@example.com`);
    const set = await AudienceEmailSet.fromSource(writeAudience(dir, 'csv', `email\n${emails.join('\n')}\n`));
    expect(set.size).toBe(5000);
    expect(emails.every((e) => set.has(e))).toBe(true);
    expect(Array.from({ length: 5000 }, (_, i) => `person${i}@example.org`).some((e) => set.has(e))).toBe(false);
  });

  it('hashes to 64 bits, stable across runs', () => {
    expect(emailHash('a@x.com')).toBe(emailHash('a@x.com'));
    expect(emailHash('a@x.com')).not.toBe(emailHash('b@x.com'));
    expect(emailHash('a@x.com') < 2n ** 64n).toBe(true);
  });
});
