/** Hostile workflow input on the real server: each run fails at once with one clear, non-retried failure, and the worker carries on. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import type { SyncInputRaw } from '../../src/shared';

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness();
});
afterAll(async () => {
  await h?.close();
});

const KEY = `pk_${'3f'.repeat(17)}`;
const audience = { type: 'csv', path: '/nowhere/vip.csv' };
let deep: unknown = 1;
for (let i = 0; i < 1000; i++) deep = { a: deep };

const cases: [string, unknown, string][] = [
  ['a __proto__ key', JSON.parse('{"__proto__":{"polluted":1},"listName":"x","audience":{"type":"csv","path":"/a"}}'), 'invalid_input'],
  ['a 300 KB list name', { listName: 'x'.repeat(300_000), audience }, 'invalid_input'],
  ['a key as the credential', { listName: 'x', audience, credential: KEY }, 'invalid_input'],
  ['a key as a field name, deep JSON as its value', { listName: 'x', audience, [KEY]: deep }, 'invalid_input'],
  ['null', null, 'invalid_input'],
  ['a number', 42, 'invalid_input'],
  ['an array', [audience], 'invalid_input'],
  ['a NUL in the path', { listName: 'x', audience: { type: 'csv', path: '/etc/\u0000passwd' } }, 'invalid_audience'],
  ['control characters in the list name', { listName: '\u202e\u0007x', audience: { type: 'ndjson', path: '\u0001\u0002' } }, 'invalid_input'],
  ['control characters in the path', { listName: '\u202ex', audience: { type: 'ndjson', path: '\u0001\u0002' } }, 'invalid_audience'],
];

it.each(cases)('fails %s at once with one clear failure', async (_name, input, type) => {
  const started = Date.now();
  const handle = await h.start(input as SyncInputRaw);
  const err = await resultOf(handle).catch((e: unknown) => e);
  expect(err).toBeInstanceOf(WorkflowFailedError);
  const cause = (err as WorkflowFailedError).cause;
  const failure = cause instanceof ApplicationFailure ? cause : (cause?.cause as ApplicationFailure);
  expect(failure).toBeInstanceOf(ApplicationFailure);
  expect(failure.type).toBe(type);
  expect(failure.message.length).toBeLessThan(1500);
  expect(failure.message).not.toContain(KEY);
  expect(Date.now() - started).toBeLessThan(15_000);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});

it('the worker then syncs a good audience as usual', async () => {
  const file = writeCsvAudience(h.dir, 'after-hostile.csv', makeCustomers(10, { prefix: 'after' }).rows);
  expect(await resultOf(await h.start({ listName: 'After hostile', audience: { type: 'csv', path: file } }))).toMatchObject({ counts: { rowsValid: 10 } });
});
