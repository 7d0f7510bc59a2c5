import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { audienceSourceFor, buildSyncInput } from '../../src/cli/syncInput';
import { syncInputSchema } from '../../src/shared';
import { expectUsageError } from './expectUsageError';


describe('sync input from flags', () => {
  it('builds input the workflow schema accepts, with an absolute audience path', () => {
    const input = buildSyncInput({ list: 'Spring VIP', audience: 'data/vip.csv', remove: false, updateContacts: false });
    expect(input).toEqual({
      listName: 'Spring VIP',
      audience: { type: 'csv', path: path.resolve('data/vip.csv') },
      updateContacts: false,
      removeMissing: false,
    });
    expect(syncInputSchema.safeParse(input).success).toBe(true);
  });

  it('leaves defaults to the workflow and sets dryRun only when asked', () => {
    const input = buildSyncInput({ list: 'A', audience: 'x.ndjson', remove: true, updateContacts: true }, { dryRun: true });
    expect(input).toEqual({ listName: 'A', audience: { type: 'ndjson', path: path.resolve('x.ndjson') }, dryRun: true });
  });

  it('infers the format from the extension or --format', () => {
    expect(audienceSourceFor('a.jsonl').type).toBe('ndjson');
    expect(audienceSourceFor('a.txt', 'csv').type).toBe('csv');
    expect(expectUsageError(() => audienceSourceFor('a.txt'))).toMatch(/cannot tell whether 'a.txt' is CSV, NDJSON or Parquet/);
  });

  it('refuses a missing or doubled list, and schema violations, naming the field', () => {
    expect(expectUsageError(() => buildSyncInput({ audience: 'a.csv' }))).toMatch(/--list/);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', listId: 'X', audience: 'a.csv' }))).toMatch(/not both/);
    expect(expectUsageError(() => buildSyncInput({ list: '   ', audience: 'a.csv' }))).toMatch(/^invalid sync input: listName: /);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', audience: 'a.csv', credential: 'pk_abc' }))).toMatch(/credential/);
  });
});

describe('the audience from flags', () => {
  it('takes a Parquet file by extension, and a query with its connection name as they are', () => {
    expect(audienceSourceFor('exports/customers.parquet')).toEqual({ type: 'parquet', path: path.resolve('exports/customers.parquet') });
    const input = buildSyncInput({ list: 'VIP', query: 'select email from customers', connection: 'warehouse' });
    expect(input.audience).toEqual({ type: 'postgres', connection: 'warehouse', query: 'select email from customers' });
  });

  it('wants exactly one source, a connection with a query, and no --format for a query', () => {
    expect(expectUsageError(() => buildSyncInput({ list: 'A' }))).toMatch(/--audience <file> or --query/);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', audience: 'a.csv', query: 'select email from t', connection: 'w' }))).toMatch(/not both/);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', query: 'select email from t' }))).toMatch(/--query needs --connection <name>/);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', audience: 'a.csv', connection: 'w' }))).toMatch(/--connection goes with --query/);
    expect(expectUsageError(() => buildSyncInput({ list: 'A', query: 'select email from t', connection: 'w', format: 'csv' }))).toMatch(/--format is for --audience files/);
  });

  it('refuses a connection string given as --connection without echoing it, and a query that writes', () => {
    const url = 'postgres://sync:hunter2-secret@db:5432/crm';
    const message = expectUsageError(() => buildSyncInput({ list: 'A', query: 'select email from t', connection: url }));
    expect(message).toMatch(/audience\.connection: connection must be a name such as "warehouse", never the connection string itself/);
    expect(message).not.toContain('hunter2-secret');
    expect(expectUsageError(() => buildSyncInput({ list: 'A', query: 'update t set email = null', connection: 'w' }))).toMatch(
      /audience\.query: query must only read: .*not UPDATE/,
    );
  });
});
