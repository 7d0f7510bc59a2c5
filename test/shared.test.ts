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
      verifyMembership: false,
    });
  });

  it('names every bad field in one message', () => {
    const msg = problems({ audience: { type: 'xlsx' }, removeMising: false, dryRun: 'yes' });
    expect(msg).toContain('audience.type: type must be csv, ndjson, parquet or postgres');
    expect(problems({ listName: 'a', audience: { type: 'csv' } })).toMatch(/^audience\.path: /);
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

describe('audience sources', () => {
  const input = (audience: unknown) => ({ listName: 'VIP', audience });

  it('takes a Parquet file and a PostgreSQL query by connection name', () => {
    expect(problems(input({ type: 'parquet', path: '/d/customers.parquet' }))).toBe('ok');
    const query = 'select email, first_name from customers -- VIPs\n;';
    expect(syncInputSchema.parse(input({ type: 'postgres', connection: 'warehouse', query })).audience).toEqual({
      type: 'postgres',
      connection: 'warehouse',
      query: 'select email, first_name from customers -- VIPs\n;',
    });
  });

  it('refuses a connection string in place of a connection name, without repeating it', () => {
    const msg = problems(input({ type: 'postgres', connection: 'postgres://u:s3cret-pw@db:5432/crm', query: 'select email from t' }));
    expect(msg).toMatch(/^audience\.connection: connection must be a name such as "warehouse", never the connection string itself$/);
    expect(msg).not.toContain('s3cret-pw');
  });

  it('refuses statements that write, several statements, and missing fields, naming audience.query or the field', () => {
    const pg = (query: string) => problems(input({ type: 'postgres', connection: 'w', query }));
    expect(pg('delete from customers')).toBe('audience.query: query must only read: it must start with SELECT, WITH, VALUES or TABLE, not DELETE');
    expect(pg('select email from customers; drop table customers')).toMatch(/^audience\.query: query must be a single statement/);
    expect(pg('with gone as (delete from customers returning email) select email from gone')).toMatch(/^audience\.query: .*contains DELETE/);
    expect(pg('  ')).toMatch(/^audience\.query: query must not be empty/);
    expect(problems(input({ type: 'postgres', query: 'select 1' }))).toMatch(/^audience\.connection: /);
    expect(problems(input({ type: 'postgres', connection: 'w', query: 'select email from t', path: '/x' }))).toBe('audience.path: unknown field');
  });
});
