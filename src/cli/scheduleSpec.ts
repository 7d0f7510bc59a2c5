/**
 * Flags -> Temporal Schedule spec and policies for audience refreshes. Pure, so the rules are testable
 * without a server: exactly one of --cron / --every, a real IANA time zone, durations like "6h".
 */
import type { ScheduleOptions, ScheduleSpec } from '@temporalio/client';
import ms from 'ms';
import { usageError } from './errors';

export interface ScheduleFlags {
  cron?: string;
  every?: string;
  timezone?: string;
  jitter?: string;
}

/** Duration like "6h", "30m", "1d" -> milliseconds; a usage error naming the flag otherwise. */
export function parseDuration(value: string, flag: string): number {
  // The same duration syntax Temporal's SDK accepts ("90s", "6h", "1d"), parsed by the library it uses.
  const millis = ms(value as ms.StringValue) as number | undefined;
  if (millis === undefined || !Number.isFinite(millis)) {
    throw usageError(`${flag} '${value}' is not a duration; use a number with a unit, such as 90s, 30m, 6h or 1d`);
  }
  if (!(millis > 0)) throw usageError(`${flag} must be longer than zero, got '${value}'`);
  return millis;
}

const CRON_MACROS = new Set(['@yearly', '@annually', '@monthly', '@weekly', '@daily', '@midnight', '@hourly']);

/** Catches the common slip (wrong field count) here, with a sentence; the server checks the rest. */
export function assertCron(expr: string): void {
  const trimmed = expr.trim();
  if (CRON_MACROS.has(trimmed) || trimmed.startsWith('@every ')) return;
  const fields = trimmed.split(/\s+/).length;
  if (fields !== 5) {
    throw usageError(
      `--cron '${expr}' has ${fields} field(s); give 5 (minute hour day-of-month month day-of-week), e.g. "0 6 * * *" for 06:00 daily`,
    );
  }
}

export function assertTimeZone(tz: string): void {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
  } catch {
    throw usageError(`--timezone '${tz}' is not an IANA time zone such as Europe/Berlin or America/New_York`);
  }
}

export function buildScheduleSpec(flags: ScheduleFlags): ScheduleSpec {
  if (Boolean(flags.cron) === Boolean(flags.every)) {
    throw usageError('give exactly one of --cron "<expression>" or --every <duration> (e.g. --every 6h)');
  }
  if (flags.timezone) assertTimeZone(flags.timezone);
  const spec: ScheduleSpec = {};
  if (flags.cron) {
    assertCron(flags.cron);
    spec.cronExpressions = [flags.cron.trim()];
  } else {
    spec.intervals = [{ every: parseDuration(flags.every!, '--every') }];
  }
  if (flags.timezone) spec.timezone = flags.timezone;
  if (flags.jitter) spec.jitter = parseDuration(flags.jitter, '--jitter');
  return spec;
}

/**
 * SKIP: while a run is still going (or paused on a workflow action waiting for Resolve), the schedule's
 * next times are skipped instead of piling up runs that would all hit the same problem.
 */
export const SCHEDULE_POLICIES: NonNullable<ScheduleOptions['policies']> = {
  overlap: 'SKIP',
  catchupWindow: '10m',
};

/** One line for `schedule list`. */
export function describeSpec(spec: {
  cronExpressions?: string[];
  intervals?: { every: number | string }[];
  calendars?: unknown[];
  timezone?: string;
  jitter?: number | string;
}): string {
  const parts: string[] = [];
  if (spec.cronExpressions?.length) parts.push(`cron "${spec.cronExpressions.join('", "')}"`);
  for (const i of spec.intervals ?? []) parts.push(`every ${humanMs(Number(i.every))}`);
  if (!parts.length && spec.calendars?.length) parts.push(`${spec.calendars.length} calendar rule(s)`);
  if (spec.timezone) parts.push(`in ${spec.timezone}`);
  if (spec.jitter) parts.push(`jitter ${humanMs(Number(spec.jitter))}`);
  return parts.join(' ') || '(no times)';
}

function humanMs(ms: number): string {
  const units: [number, string][] = [
    [86_400_000, 'd'],
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
  ];
  for (const [size, unit] of units) if (ms >= size && ms % size === 0) return `${ms / size}${unit}`;
  return `${ms}ms`;
}
