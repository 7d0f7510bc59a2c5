/** Flag definitions shared by `sync`, `dry-run`, `estimate` and `schedule`, so they read the same everywhere. */
import { Command, InvalidArgumentError, Option } from 'commander';
import { AUDIENCE_FILE_FORMATS } from '../names';
import type { SyncFlags } from './syncInput';

export function parseShare(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0 || n > 1) throw new InvalidArgumentError('give a share between 0 and 1, e.g. 0.5');
  return n;
}

export function parseCount(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('give a whole number of 0 or more');
  return n;
}

export function parsePositive(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('give a number greater than 0');
  return n;
}

/** The audience: --audience <file>, or --query with --connection (which of them is required is checked by audienceSourceFrom). */
export function addAudienceOptions(cmd: Command): Command {
  return cmd
    .option('-a, --audience <file>', 'audience file (.csv, .ndjson/.jsonl or .parquet), one row per customer keyed by email')
    .addOption(new Option('--format <format>', 'audience format when the extension does not say').choices([...AUDIENCE_FILE_FORMATS]))
    .option('--query <sql>', 'instead of --audience: a PostgreSQL SELECT whose columns are audience fields (email, first_name, ...)')
    .option('--connection <name>', "with --query: the name under which the workers find the database's connection string");
}

export function addSyncOptions(cmd: Command): Command {
  return addAudienceOptions(cmd)
    .option('-l, --list <name>', 'Klaviyo list name (found by exact name, created if absent)')
    .option('--list-id <id>', 'Klaviyo list id, instead of --list')
    .option('--credential <name>', 'name of the Klaviyo credential the worker uses (default "default" = KLAVIYO_API_KEY)')
    .option('--no-remove', 'keep list members who are not in the audience (default: remove them)')
    .option('--no-update-contacts', 'only set list membership; leave profile attributes untouched')
    .option('--max-removal-share <share>', 'pause instead of removing more than this share of the list (default 0.5)', parseShare)
    .option('--no-local-check', 'do not read the audience on this machine first (the worker reads it from another filesystem)');
}

/** The commander option bag of addSyncOptions, as the input builder wants it. */
export type SyncCommandFlags = SyncFlags;

export function examples(lines: string[]): string {
  return `\nExamples:\n${lines.map((l) => `  $ ${l}`).join('\n')}\n`;
}
