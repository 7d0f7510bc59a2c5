import { describe, expect, it } from 'vitest';
import { buildScheduleSpec, describeSpec, parseDuration, SCHEDULE_POLICIES } from '../../src/cli/scheduleSpec';
import { expectUsageError } from './expectUsageError';


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
    expect(expectUsageError(() => buildScheduleSpec({}))).toMatch(/exactly one of --cron/);
    expect(expectUsageError(() => buildScheduleSpec({ cron: '0 6 * * *', every: '6h' }))).toMatch(/exactly one of --cron/);
  });

  it('names the bad flag', () => {
    expect(expectUsageError(() => buildScheduleSpec({ every: '6x' }))).toMatch(/--every '6x' is not a duration/);
    expect(expectUsageError(() => buildScheduleSpec({ every: '6h', jitter: 'soon' }))).toMatch(/--jitter 'soon'/);
    expect(expectUsageError(() => buildScheduleSpec({ cron: '0 6 * *' }))).toMatch(/has 4 field/);
    expect(expectUsageError(() => buildScheduleSpec({ cron: '0 6 * * *', timezone: 'Mars/Olympus' }))).toMatch(/not an IANA time zone/);
    expect(expectUsageError(() => parseDuration('0', '--every'))).toMatch(/longer than zero/);
  });

  it('skips new runs while one is running or paused', () => {
    expect(SCHEDULE_POLICIES.overlap).toBe('SKIP');
  });

  it('describes a spec on one line', () => {
    expect(describeSpec({ intervals: [{ every: 21_600_000 }], jitter: 300_000 })).toBe('every 6h jitter 5m');
    expect(describeSpec({ cronExpressions: ['0 6 * * *'], timezone: 'Europe/Berlin' })).toBe('cron "0 6 * * *" in Europe/Berlin');
  });
});
