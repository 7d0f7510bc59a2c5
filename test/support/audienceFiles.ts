/** Writes audience files for tests, with known valid and invalid rows. */
import fs from 'node:fs';
import path from 'node:path';
import { stringify } from 'csv-stringify/sync';

export type AudienceRow = Record<string, string | number | undefined>;

export function writeCsvAudience(dir: string, name: string, rows: AudienceRow[], columns?: string[]): string {
  const file = path.join(dir, name);
  const header = columns ?? [...new Set(rows.flatMap((r) => Object.keys(r)))];
  if (header.length === 0) header.push('email');
  fs.writeFileSync(file, stringify(rows, { header: true, columns: header }));
  return file;
}

/**
 * `count` customers, every `invalidEvery`-th row broken alternately by its email or its phone.
 * Returns the rows and the lower-cased emails of the valid ones.
 */
export function makeCustomers(count: number, opts: { invalidEvery?: number; prefix?: string; offset?: number } = {}) {
  const rows: AudienceRow[] = [];
  const valid: string[] = [];
  const prefix = opts.prefix ?? 'customer';
  // Klaviyo matches profiles by phone as well as email: every customer needs a phone of their own.
  const exchange = 200 + ([...prefix].reduce((a, c) => a * 31 + c.charCodeAt(0), 7) % 700);
  for (let i = 0; i < count; i++) {
    const n = i + (opts.offset ?? 0);
    const email = `${prefix}.${n}@example.com`;
    const row: AudienceRow = {
      email: i % 3 === 0 ? `  ${email.toUpperCase()} ` : email,
      first_name: `First${n}`,
      last_name: `Last${n}`,
      phone_number: `+1415${exchange}${String(n % 10_000).padStart(4, '0')}`,
      city: 'Boston',
      country: 'US',
      timezone: 'America/New_York',
    };
    const every = opts.invalidEvery ?? 0;
    const broken = every > 0 && i % every === every - 1;
    if (broken && Math.floor(i / every) % 2 === 0) row.email = `not-an-email-${n}`;
    else if (broken) row.phone_number = '12';
    else valid.push(email);
    rows.push(row);
  }
  return { rows, valid };
}
