import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIENCE_FIELDS } from '../../src/audience/fields';
import { normalizeRow } from '../../src/audience/row';
import { generateAudience, syntheticEmail, syntheticPhone } from '../../dev/synthetic';
import { normalizePhone } from '../../src/audience/validate';
import { collect, tempDir } from '../audience/helpers';

const dir = tempDir();

describe('generateAudience', () => {
  it('is deterministic for a seed and differs across seeds', async () => {
    const a = await generateAudience({ rows: 300, out: join(dir, 'a.csv'), invalidShare: 0.1, seed: 5 });
    const b = await generateAudience({ rows: 300, out: join(dir, 'b.csv'), invalidShare: 0.1, seed: 5 });
    await generateAudience({ rows: 300, out: join(dir, 'c.csv'), invalidShare: 0.1, seed: 6 });
    expect(readFileSync(a.path, 'utf8')).toBe(readFileSync(b.path, 'utf8'));
    expect(readFileSync(a.path, 'utf8')).not.toBe(readFileSync(join(dir, 'c.csv'), 'utf8'));
    expect(a.invalidRows).toBeGreaterThan(10);
  });

  it('writes all 20 fields; rows it calls valid normalise, the others fail for the reason it gives', async () => {
    const out = join(dir, 'mixed.ndjson');
    const generated = await generateAudience({ rows: 2000, out, invalidShare: 0.1, seed: 9 });
    expect(generated.format).toBe('ndjson');
    const rows = await collect({ type: 'ndjson', path: out });
    expect(rows).toHaveLength(2000);
    const seenFields = new Set(rows.flatMap((r) => Object.keys(r.raw)));
    expect([...seenFields].sort()).toEqual([...AUDIENCE_FIELDS].sort());
    const reasons: Record<string, number> = {};
    for (const r of rows) {
      const result = normalizeRow(r.raw, r.row);
      if (!result.ok) reasons[result.reject.reason] = (reasons[result.reject.reason] ?? 0) + 1;
    }
    expect(reasons).toEqual(generated.invalidByReason);
  });

  it("keeps each person's e-mail stable across seeds, so seeds model changed attributes", async () => {
    const first = await collect({ type: 'csv', path: (await generateAudience({ rows: 50, out: join(dir, 's1.csv'), seed: 1 })).path });
    const second = await collect({ type: 'csv', path: (await generateAudience({ rows: 50, out: join(dir, 's2.csv'), seed: 2, firstIndex: 10 })).path });
    const norm = (e: unknown) => String(e).trim().toLowerCase();
    expect(norm(first[10]!.raw.email)).toBe(norm(second[0]!.raw.email));
    expect(norm(second[0]!.raw.email)).toBe(syntheticEmail(10));
  });

  it('gives every person a valid phone of their own (Klaviyo matches profiles by phone too)', () => {
    const spellings = [0, 0.3, 0.6, 0.9];
    const phones = new Set<string>();
    // Every area/exchange combination once, plus consecutive people inside one exchange.
    const people = [...Array.from({ length: 18 * 640 }, (_, k) => k * 10_000 + ((k * 37) % 10_000)), ...Array.from({ length: 500 }, (_, i) => i)];
    for (const [n, i] of people.entries()) phones.add(normalizePhone(syntheticPhone(i, () => spellings[n % 4]!), 'US'));
    expect(phones.size).toBe(new Set(people).size);
  });
});
