/**
 * The command tree. Commander is set to throw instead of exiting, so main() owns the exit codes.
 * Command modules import only commander and light helpers at the top; what an action needs (the Temporal
 * client, the audience readers) loads when it runs, so `--help` and `--version` start at once.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Command, type Option } from 'commander';
import { cancelCommand } from './commands/cancel';
import { codecServerCommand } from './commands/codecServer';
import { consoleCommand } from './commands/console';
import { estimateCommand } from './commands/estimate';
import { exportSftpCommand } from './commands/exportSftp';
import { runsCommand } from './commands/history';
import { pausedCommand, resolveCommand, statusCommand } from './commands/runs';
import { scheduleCommand } from './commands/schedule';
import { dryRunCommand, syncCommand } from './commands/sync';
import type { CliContext } from './context';
import { examples } from './options';

const CONNECTION_HELP = `
Connection (same environment variables as the worker):
  TEMPORAL_ADDRESS (default localhost:7233), TEMPORAL_NAMESPACE (default default),
  TEMPORAL_TASK_QUEUE (default klaviyo-audience-sync), TEMPORAL_API_KEY, TEMPORAL_TLS_CERT,
  TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME.
Exit codes: 0 done; 1 the run or the connection failed; 2 bad flags, bad input or unknown id.`;

/**
 * Flags operators reach for that this CLI spells differently. Commander suggests flags by spelling
 * (`--audiance` -> `--audience`); these it cannot guess.
 */
const FLAG_SYNONYMS: Record<string, string> = {
  '--file': '--audience',
  '--input': '--audience',
  '--csv': '--audience',
  '--path': '--audience',
  '--list-name': '--list',
  '--name': '--list',
};

/** The version operators quote in a bug report: package.json's, two folders up from src/cli and lib/cli alike. */
function packageVersion(): string {
  const pkg = JSON.parse(fs.readFileSync(path.join(__dirname, '..', '..', 'package.json'), 'utf8')) as { version: string };
  return pkg.version;
}

/** Commander's unknown-option handler; not in its typings, but stable across versions 7-14. */
type UnknownOptionHandler = { unknownOption(flag: string): never };

/**
 * Every command (and subcommand) throws CommanderError rather than exiting, prints no error itself
 * (main prints one sentence), and suggests the flag meant for a known synonym. Required options are
 * checked just before the action (see requireOptions), after commander has looked for unknown ones.
 */
function configure(cmd: Command, required: Set<Option>): void {
  cmd.exitOverride().configureOutput({ outputError: () => undefined });
  for (const option of cmd.options.filter((o) => o.mandatory)) {
    option.mandatory = false;
    required.add(option);
  }
  const handler = cmd as unknown as UnknownOptionHandler;
  const bySpelling = handler.unknownOption.bind(cmd);
  handler.unknownOption = (flag: string) => {
    const meant = FLAG_SYNONYMS[flag.split('=')[0]!];
    if (meant && cmd.options.some((o) => o.long === meant)) {
      return cmd.error(`error: unknown option '${flag}'\n(Did you mean ${meant}?)`, { code: 'commander.unknownOption' });
    }
    return bySpelling(flag);
  };
  for (const sub of cmd.commands) configure(sub, required);
}

/**
 * Commander checks required options before unknown ones, so `sync --file a.csv` would be told that
 * --audience is missing rather than that --file is not a flag. Checked here, the real slip is named first.
 */
function requireOptions(cmd: Command, required: Set<Option>): void {
  for (const option of cmd.options) {
    if (required.has(option) && cmd.getOptionValue(option.attributeName()) === undefined) {
      cmd.error(`error: required option '${option.flags}' not specified`, { code: 'commander.missingMandatoryOptionValue' });
    }
  }
}

export function createProgram(ctx: CliContext): Command {
  const program = new Command('klaviyo-audience-sync')
    .description('Make a Klaviyo list exactly match an audience file, durably, with Temporal.')
    .version(packageVersion(), '-V, --version', 'print the version')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showSuggestionAfterError(true)
    .addHelpText(
      'after',
      `${examples([
        'klaviyo-audience-sync sync --list "Spring VIP" --audience data/spring-vip.csv --wait',
        'klaviyo-audience-sync status audience-sync-spring-vip-2026-08-01T06:00:00Z',
        'klaviyo-audience-sync runs --list "Spring VIP"',
        'klaviyo-audience-sync estimate --audience data/spring-vip.csv --list "Spring VIP"',
      ])}${CONNECTION_HELP}`,
    );
  for (const cmd of [
    syncCommand(ctx),
    statusCommand(ctx),
    runsCommand(ctx),
    cancelCommand(ctx),
    resolveCommand(ctx),
    pausedCommand(ctx),
    estimateCommand(ctx),
    dryRunCommand(ctx),
    scheduleCommand(ctx),
    exportSftpCommand(ctx),
    codecServerCommand(ctx),
    consoleCommand(ctx),
  ]) {
    program.addCommand(cmd);
  }
  const required = new Set<Option>();
  configure(program, required);
  program.hook('preAction', (_, actionCommand) => requireOptions(actionCommand, required));
  return program;
}
