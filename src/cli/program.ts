/** The command tree. Commander is set to throw instead of exiting, so main() owns the exit codes. */
import { Command } from 'commander';
import { consoleCommand } from './commands/console';
import { estimateCommand } from './commands/estimate';
import { exportSftpCommand } from './commands/exportSftp';
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

/** Every subcommand (and theirs) throws CommanderError rather than exiting, and prints no error itself. */
function quiet(cmd: Command): void {
  cmd.exitOverride().configureOutput({ outputError: () => undefined });
  for (const sub of cmd.commands) quiet(sub);
}

export function createProgram(ctx: CliContext): Command {
  const program = new Command('klaviyo-audience-sync')
    .description('Make a Klaviyo list exactly match an audience file, durably, with Temporal.')
    .configureOutput({
      writeOut: (s) => ctx.stdout.write(s),
      writeErr: (s) => ctx.stderr.write(s),
    })
    .showSuggestionAfterError(false)
    .addHelpText(
      'after',
      `${examples([
        'klaviyo-audience-sync sync --list "Spring VIP" --audience data/spring-vip.csv --wait',
        'klaviyo-audience-sync status audience-sync-spring-vip-20260801T060000Z',
        'klaviyo-audience-sync estimate --audience data/spring-vip.csv --list "Spring VIP"',
      ])}${CONNECTION_HELP}`,
    );
  for (const cmd of [
    syncCommand(ctx),
    statusCommand(ctx),
    resolveCommand(ctx),
    pausedCommand(ctx),
    estimateCommand(ctx),
    dryRunCommand(ctx),
    scheduleCommand(ctx),
    exportSftpCommand(ctx),
    consoleCommand(ctx),
  ]) {
    program.addCommand(cmd);
  }
  quiet(program);
  return program;
}
