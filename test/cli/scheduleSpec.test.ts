import { describe, expect, it } from 'vitest';
import { CliError } from '../../src/cli/errors';
import { buildScheduleSpec, describeSpec, parseDuration, SCHEDULE_POLICIES } from '../../src/cli/scheduleSpec';

function usage(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CliError);
    expect((err as CliError).exitCode).toBe(2);
    return (err as Error).message;
  }
  throw new Error('expected a usage error');
}

describe('schedule spec from flags', () => {
  it('builds an interval with jitter', () => {
    expect(buildScheduleSpec({ every: '6h', jitter: '5m' })).toEqual({ intervals: [{ every: 21_600_000 }], jitter: 300_000 });
  });

  it('builds a cron in a time zone', () => {
    expect(buildScheduleSpec({ cron: '0 6 * * *', timezone: 'Europe/Berlin' })).toEqual({
      cronExpressions: ['0 6 * * *'],
      timezone: 'Europe/Berlin',
    });
    expect(buildScheduleSpec({ cron: '@daily' })).toEqual({ cronExpressions: ['@daily'] });
  });

  it('refuses both or neither of --cron and --every', () => {
    expect(usage(() => buildScheduleSpec({}))).toMatch(/exactly one of --cron/);
    expect(usage(() => buildScheduleSpec({ cron: '0 6 * * *', every: '6h' }))).toMatch(/exactly one of --cron/);
  });

  it('names the bad flag', () => {
    expect(usage(() => buildScheduleSpec({ every: '6x' }))).toMatch(/--every '6x' is not a duration/);
    expect(usage(() => buildScheduleSpec({ every: '6h', jitter: 'soon' }))).toMatch(/--jitter 'soon'/);
    expect(usage(() => buildScheduleSpec({ cron: '0 6 * *' }))).toMatch(/has 4 field/);
    expect(usage(() => buildScheduleSpec({ cron: '0 6 * * *', timezone: 'Mars/Olympus' }))).toMatch(/not an IANA time zone/);
    expect(usage(() => parseDuration('0', '--every'))).toMatch(/longer than zero/);
  });

  it('skips new runs while one is running or paused', () => {
    expect(SCHEDULE_POLICIES.overlap).toBe('SKIP');
  });

  it('describes a spec on one line', () => {
    expect(describeSpec({ intervals: [{ every: 21_600_000 }], jitter: 300_000 })).toBe('every 6h jitter 5m');
    expect(describeSpec({ cronExpressions: ['0 6 * * *'], timezone: 'Europe/Berlin' })).toBe('cron "0 6 * * *" in Europe/Berlin');
  });
});
