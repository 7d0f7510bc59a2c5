/** The workflow input schema: shared by the workflow, the CLI and the activities. */
import { describe, expect, it } from 'vitest';
import { describeInputError, syncInputSchema } from '../src/shared';

function problems(input: unknown): string {
  const r = syncInputSchema.safeParse(input);
  return r.success ? 'ok' : describeInputError(r.error);
}

describe('syncInputSchema', () => {
  it('fills the documented defaults', () => {
    expect(syncInputSchema.parse({ listName: 'VIP', audience: { type: 'csv', path: '/d/a.csv' } })).toEqual({
      listName: 'VIP',
      audience: { type: 'csv', path: '/d/a.csv' },
      credential: 'default',
      updateContacts: true,
      removeMissing: true,
      dryRun: false,
      maxRemovalShare: 0.5,
      continueAsNewAfterEvents: 4000,
      ifListBusy: 'wait',
    });
  });

  it('names every bad field in one message', () => {
    const msg = problems({ audience: { type: 'xlsx' }, removeMising: false, dryRun: 'yes' });
    expect(msg).toContain('audience.type');
    expect(msg).toContain('audience.path');
    expect(msg).toContain('removeMising: unknown field');
    expect(msg).toContain('dryRun');
    expect(msg).toContain('listName: give exactly one of listName or listId');
  });

  it('refuses both a list name and a list id, and an API key in place of a credential name', () => {
    expect(problems({ listName: 'a', listId: 'b', audience: { type: 'csv', path: 'x' } })).toMatch(/exactly one/);
    expect(problems({ listName: 'a', audience: { type: 'csv', path: 'x' }, credential: 'pk_live_123' })).toMatch(
      /credential: .*never the API key/,
    );
  });

  it('takes ifListBusy "wait" or "fail" only', () => {
    const input = { listName: 'a', audience: { type: 'csv', path: 'x' } };
    expect(problems({ ...input, ifListBusy: 'fail' })).toBe('ok');
    expect(problems({ ...input, ifListBusy: 'skip' })).toMatch(/^ifListBusy: /);
  });

  it('says what is wrong with input that is not an object', () => {
    expect(problems(null)).toMatch(/^\(input\): .*expected object/);
    expect(problems({ listName: 'a', audience: { type: 'csv', path: 'x' }, maxRemovalShare: 2 })).toMatch(/^maxRemovalShare:/);
  });
});
