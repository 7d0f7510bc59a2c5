/**
 * Synthetic audiences for tests and benchmarks: realistic values in all 20 fields, deterministic for a
 * seed, streamed to disk (1M rows in constant memory). Row i's e-mail and phone depend only on i (and the
 * e-mail domain), so two files with different seeds (or index windows) describe the same people with changed
 * attributes, added people or removed people. A share of rows is made invalid on purpose, one defect
 * each (bad e-mail, phone that cannot become E.164, unknown time zone), and counted by reason.
 */
import { createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { stringify } from 'csv-stringify';
import { AUDIENCE_FIELDS } from '../src/audience/fields';
import type { RejectReason } from '../src/audience/rowModel';

export interface SyntheticAudienceOptions {
  rows: number;
  out: string;
  /** Default: from the file extension (.ndjson/.jsonl -> ndjson, else csv). */
  format?: 'csv' | 'ndjson';
  /** Share of rows made invalid (0..1); default 0. */
  invalidShare?: number;
  seed?: number;
  /** Index of the first row's person (default 0): windows of people for add/remove scenarios. */
  firstIndex?: number;
  emailDomain?: string;
}

export type SyntheticReason = Extract<RejectReason, 'invalid_email' | 'invalid_phone' | 'invalid_timezone'>;

export interface SyntheticAudience {
  path: string;
  format: 'csv' | 'ndjson';
  rows: number;
  invalidRows: number;
  invalidByReason: Record<SyntheticReason, number>;
}

export type SyntheticRow = Record<string, string | number | Record<string, unknown>>;

/** mulberry32: a tiny, fast, well-distributed PRNG; Math.random cannot be seeded. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const FIRST = ['Ana', 'Ben', 'Chloé', 'Dmitri', 'Emma', 'Farah', 'Giulia', 'Hiro', 'Isabel', 'Jamal', 'Kai', 'Lena', 'Mateo', 'Nia', 'Owen', 'Priya', 'Quinn', 'Rosa', 'Sven', 'Tariq', 'Uma', 'Víctor', 'Wen', 'Yara', 'Zoë'];
const LAST = ['Anderson', 'Brown', 'Chen', "D'Souza", 'Eriksen', 'Fischer', 'García', 'Hughes', 'Ito', 'Johnson', 'Kowalski', 'López', 'Müller', 'Nguyen', "O'Brien", 'Patel', 'Rossi', 'Smith', 'Tanaka', 'Williams'];
const ORGS = ['Acme Corp', 'Globex, Inc.', 'Initech', 'Umbrella Co', 'Wayne "WE" Enterprises', 'Stark Industries', 'Hooli', 'Soylent, LLC'];
const TITLES = ['Engineer', 'Designer', 'Account Manager', 'CEO', 'Nurse', 'Teacher', 'Analyst', 'Chef'];
const STREETS = ['Main St', 'Oak Ave', 'Maple Dr', 'Market St', 'High Street', 'King St W', 'George St'];
const TIERS = ['bronze', 'silver', 'gold', 'platinum'];

interface City {
  city: string;
  region: string;
  zip: string;
  country: string;
  lat: number;
  long: number;
  timezone: string;
}

/**
 * NANP area codes for synthetic phones (415 is left to the test harness's own customers). Klaviyo
 * matches profiles by phone as well as e-mail, so each person gets a phone of their own, from i alone.
 */
const AREA_CODES = ['212', '646', '718', '628', '312', '773', '617', '857', '303', '720', '416', '647', '206', '512', '404', '305', '702', '213'];
/** Exchanges 2-9 / 0-9 / 2-9: never an N11 service code. */
const EXCHANGES_PER_AREA = 8 * 10 * 8;
const LINES_PER_EXCHANGE = 10_000;

/** The person's phone for index i, unique for i below 18 * 640 * 10,000 (115M), in one of several spellings. */
export function syntheticPhone(i: number, r: () => number): string {
  const line = String(i % LINES_PER_EXCHANGE).padStart(4, '0');
  const k = Math.floor(i / LINES_PER_EXCHANGE);
  const e = k % EXCHANGES_PER_AREA;
  const exchange = `${2 + Math.floor(e / 80)}${Math.floor(e / 8) % 10}${2 + (e % 8)}`;
  const area = AREA_CODES[Math.floor(k / EXCHANGES_PER_AREA) % AREA_CODES.length]!;
  const formats = [`(${area}) ${exchange}-${line}`, `${area}-${exchange}-${line}`, `+1 ${area} ${exchange} ${line}`, `${area}${exchange}${line}`];
  return formats[Math.floor(r() * formats.length)]!;
}

const CITIES: City[] = [
  { city: 'New York', region: 'NY', zip: '10001', country: 'United States', lat: 40.712776, long: -74.005974, timezone: 'America/New_York' },
  { city: 'San Francisco', region: 'CA', zip: '94103', country: 'United States', lat: 37.774929, long: -122.419418, timezone: 'America/Los_Angeles' },
  { city: 'Chicago', region: 'IL', zip: '60601', country: 'United States', lat: 41.878113, long: -87.629799, timezone: 'America/Chicago' },
  { city: 'Boston', region: 'MA', zip: '02108', country: 'United States', lat: 42.360081, long: -71.058884, timezone: 'America/New_York' },
  { city: 'Denver', region: 'CO', zip: '80202', country: 'United States', lat: 39.739235, long: -104.99025, timezone: 'America/Denver' },
  { city: 'Toronto', region: 'ON', zip: 'M5H 2N2', country: 'Canada', lat: 43.653225, long: -79.383186, timezone: 'America/Toronto' },
  { city: 'London', region: 'England', zip: 'EC1A 1BB', country: 'United Kingdom', lat: 51.507351, long: -0.127758, timezone: 'Europe/London' },
  { city: 'Sydney', region: 'NSW', zip: '2000', country: 'Australia', lat: -33.86882, long: 151.20929, timezone: 'Australia/Sydney' },
];

const BAD: Record<SyntheticReason, string[]> = {
  invalid_email: ['jane.doe@', 'jane doe@example.com', 'jane..doe@example.com', 'not-an-email', '@example.com'],
  invalid_phone: ['12345', '555-01', '+1 000 000 0000', '(999) 000-00'],
  invalid_timezone: ['Mars/Phobos', 'America/Atlantis', 'GMT+25'],
};
const BAD_REASONS = Object.keys(BAD) as SyntheticReason[];

const pick = <T>(r: () => number, items: readonly T[]): T => items[Math.floor(r() * items.length)]!;
const jitter = (r: () => number, v: number) => Number((v + (r() - 0.5) * 0.2).toFixed(6));

/** The person's e-mail for index i: depends only on i and the domain. */
export function syntheticEmail(i: number, domain = 'example.com'): string {
  return `${FIRST[i % FIRST.length]!.normalize('NFD').replace(/[^\x20-\x7e]/g, '')}.${LAST[(i * 7) % LAST.length]!.replace(/[^A-Za-z]/g, '')}.${i}@${domain}`.toLowerCase();
}

/** Rows with the reason each is invalid (undefined: valid). Deterministic for (seed, firstIndex). */
export function* syntheticRows(opts: Omit<SyntheticAudienceOptions, 'out' | 'format'>): Generator<SyntheticItem> {
  const r = prng(opts.seed ?? 1);
  const first = opts.firstIndex ?? 0;
  for (let n = 0; n < opts.rows; n++) {
    const i = first + n;
    const c = pick(r, CITIES);
    const email = syntheticEmail(i, opts.emailDomain);
    const row: SyntheticRow = {
      // A few e-mails in upper case with padding: valid after normalisation.
      email: r() < 0.05 ? `  ${email.toUpperCase()} ` : email,
      first_name: FIRST[i % FIRST.length]!,
      last_name: LAST[(i * 7) % LAST.length]!,
      phone_number: r() < 0.8 ? syntheticPhone(i, r) : '',
      external_id: `cust-${String(i).padStart(8, '0')}`,
      organization: r() < 0.9 ? pick(r, ORGS) : '',
      title: pick(r, TITLES),
      image: `https://images.example.com/avatars/${i}.jpg`,
      ip: r() < 0.9 ? `${11 + Math.floor(r() * 200)}.${Math.floor(r() * 256)}.${Math.floor(r() * 256)}.${1 + Math.floor(r() * 254)}` : `2001:db8::${Math.floor(r() * 65535).toString(16)}`,
      last_event_date: new Date(Date.UTC(2024, 0, 1) + Math.floor(r() * 730 * 86_400_000)).toISOString(),
      address1: `${100 + Math.floor(r() * 9900)} ${pick(r, STREETS)}`,
      // ~1% multi-line: exercises quoted newlines in CSV.
      address2: r() < 0.3 ? (r() < 0.033 ? `Building ${pick(r, ['A', 'B', 'C'])}\nFloor ${1 + Math.floor(r() * 9)}` : `Apt ${1 + Math.floor(r() * 40)}${pick(r, ['A', 'B', 'C'])}`) : '',
      city: c.city,
      region: c.region,
      zip: c.zip,
      country: c.country,
      latitude: jitter(r, c.lat),
      longitude: jitter(r, c.long),
      timezone: c.timezone,
      properties: { tier: pick(r, TIERS), points: Math.floor(r() * 10_000), tags: ['synthetic', `cohort-${i % 12}`] },
    };
    let invalid: SyntheticReason | undefined;
    if (r() < (opts.invalidShare ?? 0)) {
      invalid = pick(r, BAD_REASONS);
      const bad = pick(r, BAD[invalid]);
      if (invalid === 'invalid_email') row.email = bad;
      else if (invalid === 'invalid_phone') row.phone_number = bad;
      else row.timezone = bad;
    }
    yield invalid ? { row, invalid } : { row };
  }
}

function formatOf(opts: SyntheticAudienceOptions): 'csv' | 'ndjson' {
  return opts.format ?? (/\.(ndjson|jsonl)$/i.test(opts.out) ? 'ndjson' : 'csv');
}

/** Writes the audience to opts.out (streaming, with back-pressure) and says what it holds. */
export async function generateAudience(opts: SyntheticAudienceOptions): Promise<SyntheticAudience> {
  checkOptions(opts);
  return writeAudience(opts, syntheticRows(opts));
}

export interface ChurnCounts {
  /** People of the first audience whose attributes changed, people new to it, people gone from it. */
  changed: number;
  joined: number;
  gone: number;
}

export interface ChurnedAudience extends SyntheticAudience, ChurnCounts {}

export type SyntheticItem = { row: SyntheticRow; invalid?: SyntheticReason };

/**
 * The rows of `syntheticRows(opts)` a day later: a share `churn` of them changed, joined or gone (a third
 * each). The first people are gone, people after the last one joined, and every k-th of the others has a
 * new title; everyone else's row is byte for byte the same.
 */
export function churnedRows(opts: Omit<SyntheticAudienceOptions, 'out' | 'format'> & { churn: number }): {
  rows: number;
  counts: ChurnCounts;
  items: Generator<SyntheticItem>;
} {
  const third = Math.round((opts.rows * opts.churn) / 3);
  const every = third > 0 ? Math.max(1, Math.floor((opts.rows - third) / third)) : Infinity;
  const counts = { changed: third > 0 ? Math.min(third, Math.ceil((opts.rows - third) / every)) : 0, joined: third, gone: third };
  function* items(): Generator<SyntheticItem> {
    let n = 0;
    let changed = 0;
    for (const item of syntheticRows(opts)) {
      if (n++ < counts.gone) continue;
      if ((n - counts.gone - 1) % every === 0 && changed < counts.changed) {
        item.row.title = `${String(item.row.title)} (promoted)`;
        changed++;
      }
      yield item;
    }
    yield* syntheticRows({ ...opts, rows: counts.joined, firstIndex: (opts.firstIndex ?? 0) + opts.rows, seed: (opts.seed ?? 1) + 1 });
  }
  return { rows: opts.rows - counts.gone + counts.joined, counts, items: items() };
}

/** The audience `generateAudience(opts)` wrote, a day later (see churnedRows). */
export async function generateChurnedAudience(opts: SyntheticAudienceOptions & { churn: number }): Promise<ChurnedAudience> {
  checkOptions(opts);
  const churned = churnedRows(opts);
  const written = await writeAudience({ ...opts, rows: churned.rows }, churned.items);
  return { ...written, ...churned.counts };
}

function checkOptions(opts: SyntheticAudienceOptions): void {
  if (!(Number.isInteger(opts.rows) && opts.rows >= 0)) throw new RangeError('rows must be a non-negative integer');
  const share = opts.invalidShare ?? 0;
  if (!(share >= 0 && share <= 1)) throw new RangeError('invalidShare must be between 0 and 1');
}

async function writeAudience(opts: SyntheticAudienceOptions, source: Iterable<SyntheticItem>): Promise<SyntheticAudience> {
  const format = formatOf(opts);
  const result: SyntheticAudience = {
    path: opts.out,
    format,
    rows: opts.rows,
    invalidRows: 0,
    invalidByReason: { invalid_email: 0, invalid_phone: 0, invalid_timezone: 0 },
  };
  function* rows(): Generator<SyntheticRow> {
    for (const { row, invalid } of source) {
      if (invalid) {
        result.invalidRows++;
        result.invalidByReason[invalid]++;
      }
      yield row;
    }
  }
  const out = createWriteStream(opts.out);
  if (format === 'csv') {
    const csvRows = (function* () {
      for (const row of rows()) yield { ...row, properties: JSON.stringify(row.properties) };
    })();
    await pipeline(Readable.from(csvRows), stringify({ header: true, columns: [...AUDIENCE_FIELDS] }), out);
  } else {
    await pipeline(Readable.from(ndjsonChunks(rows())), out);
  }
  return result;
}

/** Lines grouped into ~64 KB strings: one stream chunk per line would be needlessly slow. */
function* ndjsonChunks(rows: Iterable<SyntheticRow>): Generator<string> {
  let chunk = '';
  for (const row of rows) {
    chunk += `${JSON.stringify(row, (_key, value: unknown) => (value === "" ? undefined : value))}\n`;
    if (chunk.length >= 65_536) {
      yield chunk;
      chunk = '';
    }
  }
  if (chunk) yield chunk;
}
