/** What each PostgreSQL or network failure means for the run, with messages that never carry a secret. */
import { describe, expect, it } from 'vitest';
import { SourceUnreachableError } from '../../src/audience/errors';
import { classifyQueryError, scrubSecrets } from '../../src/audience/postgresErrors';

const url = 'postgres://sync:Tr1cky%40pw@db.internal:5432/crm';
const ctx = { connection: 'warehouse', connectionString: url, timeout: '600 s' };
const pgError = (code: string, message: string, extra: Record<string, string> = {}) => Object.assign(new Error(message), { code, ...extra });

describe('scrubSecrets', () => {
  it('removes the connection string, its decoded password, and any URL credentials or password= setting', () => {
    expect(scrubSecrets(`could not connect with ${url}`, url)).toBe('could not connect with <connection string>');
    expect(scrubSecrets('password "Tr1cky@pw" is wrong', url)).toBe('password "***" is wrong');
    expect(scrubSecrets('see postgresql://other:pw@host/db and password=abc123 host=x')).toBe('see postgresql://***@host/db and password=*** host=x');
  });
});

describe('classifyQueryError', () => {
  it.each([
    [pgError('42601', 'syntax error at or near "form"', { position: '14' }), 'invalid_audience', 'PostgreSQL refused the audience query: syntax error at or near "form" (at character 14)'],
    [pgError('42P01', 'relation "x" does not exist'), 'invalid_audience', /relation "x" does not exist/],
    [pgError('25006', 'cannot execute DELETE in a read-only transaction'), 'invalid_audience', /must only read/],
    [pgError('22012', 'division by zero'), 'invalid_audience', /division by zero/],
    [pgError('28P01', 'password authentication failed for user "sync"'), 'source_unavailable', /connection "warehouse" refused the login/],
    [pgError('3D000', 'database "crm" does not exist'), 'source_unavailable', /refused the login/],
    [pgError('42501', 'permission denied for table customers'), 'source_unavailable', /may not read what the query reads/],
    [pgError('57014', 'canceling statement due to statement timeout'), 'source_unavailable', /longer than AUDIENCE_QUERY_TIMEOUT \(600 s\)/],
    [pgError('ERR_INVALID_URL', 'Invalid URL'), 'source_unavailable', 'the connection string of connection "warehouse" is not a valid postgres:// URL'],
  ])('%s -> %s', (err, kind, message) => {
    const failure = classifyQueryError(err, ctx);
    expect(failure.kind).toBe(kind);
    expect(failure.message).toMatch(message);
  });

  it.each([
    pgError('ECONNREFUSED', 'connect ECONNREFUSED 10.0.0.5:5432'),
    pgError('ENOTFOUND', 'getaddrinfo ENOTFOUND db.internal'),
    pgError('57P01', 'terminating connection due to administrator command'),
    pgError('53300', 'sorry, too many clients already'),
    pgError('08006', 'connection failure'),
    new Error('Connection terminated due to connection timeout'),
    new Error(`unexpected message from ${url}`),
  ])('retries %s, without the password', (err) => {
    const failure = classifyQueryError(err, ctx);
    expect(failure).toBeInstanceOf(SourceUnreachableError);
    expect(failure.kind).toBe('transient');
    expect(failure.message).not.toMatch(/Tr1cky/);
  });
});
