import { expect } from 'vitest';
import { CliError } from '../../src/cli/errors';

/** Runs fn, expects a CliError with exit code 2 (a usage error), and returns its message. */
export function expectUsageError(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}
