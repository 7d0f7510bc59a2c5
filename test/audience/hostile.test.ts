/**
 * Hostile input, property-based (fast-check): the row normaliser, the CSV and NDJSON readers and the
 * workflow input schema, fed huge cells, control characters, invalid UTF-8, BOM and CRLF, prototype-
 * pollution keys, deep JSON and binary files. Every case ends in a row reject with a reason or one clear,
 * non-retryable failure; nothing throws anything else, hangs, or touches Object.prototype.
 */
import { openStateStore } from '../../src/store/open';
import type { SyncStateStore } from '../../src/store/types';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { MockActivityEnvironment } from '@temporalio/testing';
import { ApplicationFailure } from '@temporalio/common';
import { createActivities } from '../../src/activities';
import { InvalidAudienceError } from '../../src/audience/errors';
import { AUDIENCE_FIELDS, MAX_PROFILE_BYTES, normalizeRow, profileJsonBytes, type RejectReason } from '../../src/audience/row';
import { planAudience } from '../../src/audience/plan';
import { describeInputError, syncInputSchema } from '../../src/shared';
import { collect, tempDir, writeAudience } from './helpers';
import { testActivityConfig } from '../support/activityConfig';

const dir = tempDir();
const KEY = `pk_${'3f'.repeat(17)}`;
const REASONS: RejectReason[] = [
  'missing_email',
  'invalid_email',
  'invalid_phone',
  'invalid_timezone',
  'invalid_coordinates',
  'invalid_date',
  'invalid_url',
  'invalid_ip',
  'invalid_properties',
  'invalid_row',
];

afterEach(() => {
  // Whatever a case did, no object gained properties from its prototype.
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(Object.keys(Object.prototype)).toEqual([]);
});

const nasty = fc.constantFrom(
  '\u0000',
  '\u202e',
  '\ufeff',
  '\ud800',
  '\r\n',
  '"',
  '""',
  ',',
  '\\',
  KEY,
  'postgres://u:hunter2@db/x',
  '__proto__',
  '{"__proto__":{"polluted":1}}',
  `{"constructor":{"prototype":{"polluted":1}}}`,
);
const hostileText = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 80 }),
  fc.array(fc.oneof(nasty, fc.string({ maxLength: 8 })), { maxLength: 12 }).map((parts) => parts.join('')),
  fc.emailAddress(),
  fc.integer({ min: 0, max: 400_000 }).map((n) => 'x'.repeat(n)),
);
const deep = fc.integer({ min: 1, max: 20_000 }).map((d) => JSON.parse(`${'['.repeat(d)}1${']'.repeat(d)}`) as unknown);
const deepObject = fc.integer({ min: 1, max: 5_000 }).map((d) => {
  let v: unknown = 1;
  for (let i = 0; i < d; i++) v = { a: v };
  return v;
});
const cellValue = fc.oneof(hostileText, hostileText, fc.double(), fc.boolean(), fc.constant(null), fc.jsonValue({ maxDepth: 4 }), deep, deepObject);
const column = fc.oneof(
  fc.constantFrom(...AUDIENCE_FIELDS),
  fc.constantFrom('properties.tier', 'properties.__proto__', 'properties.constructor', 'properties.prototype'),
);
const rawRow = fc.record({
  email: fc.oneof(fc.emailAddress(), hostileText),
  rest: fc.dictionary(column, cellValue, { maxKeys: 8 }),
  properties: fc.oneof(
    fc.constant(undefined),
    cellValue,
    fc.constant(JSON.parse('{"__proto__":{"polluted":1}}') as unknown),
    fc.constant('{"__proto__":{"polluted":1}}'),
  ),
});

/** Every key of a JSON value, at any depth. */
function keysOf(value: unknown): string[] {
  const keys: string[] = [];
  JSON.parse(JSON.stringify(value), (key: string, inner: unknown) => {
    if (key !== '') keys.push(key);
    return inner;
  });
  return keys;
}

describe('normalizeRow on hostile rows', () => {
  it('gives a valid profile or a reject with a known reason and a short printable message; it never throws', () => {
    fc.assert(
      fc.property(rawRow, ({ email, rest, properties }) => {
        const raw: Record<string, unknown> = { ...rest, email };
        if (properties !== undefined) raw.properties = properties;
        const result = normalizeRow(raw, 7);
        if (result.ok) {
          expect(profileJsonBytes(result.profile)).toBeLessThanOrEqual(MAX_PROFILE_BYTES);
          // As keys, at any depth (a value may well read "__proto__").
          expect(keysOf(result.profile.attributes.properties ?? {})).not.toEqual(expect.arrayContaining([expect.stringMatching(/^(__proto__|constructor|prototype)$/)]));
        } else {
          expect(REASONS).toContain(result.reject.reason);
          expect(result.reject.row).toBe(7);
          expect(result.reject.message.length).toBeLessThan(400);
          expect(result.reject.message).not.toMatch(/[\u0000-\u0008\u000e-\u001f\u202e]/);
          expect(result.reject.message).not.toContain(KEY);
        }
      }),
      { numRuns: 400 },
    );
  });

  it('rejects prototype keys and deep nesting in properties as invalid_properties', () => {
    for (const properties of [JSON.parse('{"__proto__":{"polluted":1}}'), '{"constructor":{"prototype":{"polluted":1}}}', JSON.parse(`${'['.repeat(5000)}${']'.repeat(5000)}`)]) {
      const result = normalizeRow({ email: 'a@example.com', properties }, 1);
      expect(result).toMatchObject({ ok: false, reject: { reason: 'invalid_properties' } });
    }
    expect(normalizeRow({ email: 'a@example.com', 'properties.__proto__': { polluted: 1 } }, 1)).toMatchObject({
      ok: false,
      reject: { reason: 'invalid_properties', message: 'property name "__proto__" is not allowed' },
    });
  });
});

/** Bytes that look like an audience file, nearly: a header, then cells made of hostile pieces, any line break, BOM or not. */
const fileBody = (type: 'csv' | 'ndjson') =>
  fc.oneof(
    fc.uint8Array({ maxLength: 3000 }).map((b) => Buffer.from(b)),
    fc
      .record({
        bom: fc.boolean(),
        eol: fc.constantFrom('\n', '\r\n', '\r'),
        header: fc.constantFrom('email,first_name,properties', 'email', 'first_name', '"email","phone_number"', `email,${KEY}`),
        rows: fc.array(fc.array(fc.oneof(hostileText.filter((t) => t.length < 5000), fc.emailAddress()), { maxLength: 4 }), { maxLength: 25 }),
        noise: fc.array(fc.tuple(fc.nat(), fc.integer({ min: 0x80, max: 0xff })), { maxLength: 5 }),
      })
      .map(({ bom, eol, header, rows, noise }) => {
        const lines =
          type === 'csv'
            ? [header, ...rows.map((cells) => cells.map((c, i) => (i % 2 ? `"${c.replace(/"/g, '""')}"` : c)).join(','))]
            : rows.map((cells, i) => (i % 3 === 2 ? cells.join(' ') : JSON.stringify({ email: cells[0] ?? '', first_name: cells[1] ?? null })));
        const bytes = Buffer.from(`${bom ? '\ufeff' : ''}${lines.join(eol)}${eol}`);
        // Invalid UTF-8: stray continuation or lead bytes dropped in anywhere.
        for (const [at, byte] of noise) if (bytes.length) bytes[at % bytes.length] = byte;
        return bytes;
      }),
  );

describe('the readers on hostile files', () => {
  it.each(['csv', 'ndjson'] as const)(
    '%s: a file is refused with one clear InvalidAudienceError, or every row is read, and the plan’s batches re-read exactly those rows',
    async (type) => {
      await fc.assert(
        fc.asyncProperty(fileBody(type), async (body) => {
          const source = writeAudience(dir, type, body);
          let plan;
          const sent: number[] = [];
          try {
            plan = await planAudience(source, { maxProfiles: 3, sink: { send: (r) => void sent.push(r.row), reject: () => undefined, unsend: () => undefined } });
          } catch (err) {
            expect(err).toBeInstanceOf(InvalidAudienceError);
            expect((err as Error).message.length).toBeLessThan(1200);
            expect((err as Error).message).not.toContain(KEY);
            return;
          }
          const all = await collect(source);
          expect(all).toHaveLength(plan.rows);
          // Every row sent is a row of the file, once.
          expect(new Set(sent).size).toBe(sent.length);
          expect(sent.every((row) => row >= 1 && row <= plan.rows)).toBe(true);
          for (const { raw, row } of all) normalizeRow(raw, row);
          fs.rmSync(source.path);
        }),
        { numRuns: 150 },
      );
    },
  );
});

describe('the plan activity on what is not a readable file', () => {
  const config = testActivityConfig(dir);
  let store: SyncStateStore;
  beforeAll(async () => {
    store = await openStateStore(config.state.location);
  });
  afterAll(() => store.close());
  const plan = (type: 'csv' | 'ndjson', file: string) =>
    new MockActivityEnvironment().run(createActivities(config, store).planAudience, {
      audience: { type, path: file },
      updateContacts: true,
      runKey: 'w/r',
      workflowId: 'w',
      startedAt: new Date().toISOString(),
      account: 'A1',
      listId: null,
      listName: 'Hostile',
      dryRun: true,
      membershipRead: false,
    });

  it.each([
    ['a directory', () => fs.mkdirSync(path.join(dir, 'a-folder.csv'), { recursive: true }) ?? path.join(dir, 'a-folder.csv'), /is not a file/],
    [
      'a FIFO (which would block a reader forever)',
      () => {
        const fifo = path.join(dir, 'pipe.csv');
        execFileSync('mkfifo', [fifo]);
        return fifo;
      },
      /is not a file/,
    ],
    ['a binary file', () => writeAudience(dir, 'csv', Buffer.from(Array.from({ length: 4096 }, (_, i) => (i * 131) % 256))).path, /./],
    ['a path with a NUL byte', () => path.join(dir, 'a\0b.csv'), /NUL/],
  ])('fails %s at once as invalid_audience, never retried', async (_name, make, message) => {
    const file = make();
    const started = Date.now();
    const err = await plan('csv', file).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect(err).toMatchObject({ type: 'invalid_audience', nonRetryable: true });
    expect((err as Error).message).toMatch(message);
    expect(Date.now() - started).toBeLessThan(5000);
  });
});

describe('the workflow input schema on hostile input', () => {
  const input = fc.oneof(
    fc.anything({ maxDepth: 4, withNullPrototype: true, withObjectString: true }),
    fc.record(
      {
        listName: fc.oneof(hostileText, fc.anything()),
        audience: fc.oneof(fc.record({ type: fc.constantFrom('csv', 'ndjson', 'xml'), path: hostileText }), fc.anything()),
        credential: fc.oneof(fc.constant(KEY), hostileText),
        maxRemovalShare: fc.oneof(fc.double(), fc.string()),
        continueAsNewAfterEvents: fc.oneof(fc.integer(), fc.double()),
      },
      { requiredKeys: [] },
    ),
    fc.dictionary(fc.oneof(fc.constantFrom('__proto__', 'constructor', 'prototype', KEY), fc.string({ unit: 'binary' })), fc.anything(), { maxKeys: 40 }),
    fc.constantFrom('{"__proto__":{"polluted":1},"listName":"x","audience":{"type":"csv","path":"/a"}}', `{"listName":"x","audience":{"type":"csv","path":"/a"},"${KEY}":1}`).map((j) => JSON.parse(j) as unknown),
  );

  it('parses or explains in a short sentence naming fields, never throwing and never quoting a key', () => {
    fc.assert(
      fc.property(input, (value) => {
        const parsed = syncInputSchema.safeParse(value);
        if (parsed.success) return;
        const message = describeInputError(parsed.error);
        expect(message.length).toBeLessThan(1500);
        expect(message).not.toContain(KEY);
      }),
      { numRuns: 1000 },
    );
  });
});
