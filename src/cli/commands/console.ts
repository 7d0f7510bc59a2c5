/** `console`: the operators' web console (Needs action with Resolve, Runs, Lists, Schedules) until Ctrl-C. */
import { Command, InvalidArgumentError } from 'commander';
import { consoleSettingsFromEnv } from '../../config';
import type { CliContext } from '../context';
import { untilStopped } from '../untilStopped';
import { usageError } from '../errors';
import { examples } from '../options';

interface ConsoleFlags {
  port: number;
  host: string;
}

function parsePort(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('give a port from 0 to 65535 (0: any free port)');
  return n;
}

async function runConsole(ctx: CliContext, flags: ConsoleFlags): Promise<void> {
  let settings;
  try {
    settings = consoleSettingsFromEnv(ctx.env);
  } catch (err) {
    throw usageError((err as Error).message);
  }
  // The server and its dependencies load only for this command (require, as the other commands' lazy loads).
  const { bindRefusal } = require('../../console/access') as typeof import('../../console/access');
  const refusal = bindRefusal(flags.host, settings.token);
  if (refusal) throw usageError(refusal);
  const { startConsole } = require('../../console/start') as typeof import('../../console/start');
  const client = await ctx.client();
  const running = await startConsole({
    host: flags.host,
    port: flags.port,
    client,
    namespace: ctx.settings.namespace,
    taskQueue: ctx.settings.taskQueue,
    settings,
    logError: (message: string) => ctx.note(message),
  });
  ctx.print(`Console listening on ${running.url}`);
  ctx.note(
    `Runs of task queue '${ctx.settings.taskQueue}' in namespace '${ctx.settings.namespace}'` +
      `${settings.token ? '; sign in with CONSOLE_TOKEN' : '; open to this machine only'}. Ctrl-C stops it.`,
  );
  await untilStopped();
  await running.close();
}

export function consoleCommand(ctx: CliContext): Command {
  return new Command('console')
    .description('serve the operators’ web console: runs needing action (with Resolve), runs, lists, schedules')
    .option('--port <port>', 'port to listen on (0: any free port)', parsePort, 8090)
    .option('--host <host>', 'address to listen on; anything but loopback needs CONSOLE_TOKEN', '127.0.0.1')
    .addHelpText(
      'after',
      `${examples([
        'klaviyo-audience-sync console',
        'CONSOLE_TOKEN=$(openssl rand -hex 32) klaviyo-audience-sync console --host 0.0.0.0 --port 8090',
      ])}
Environment: CONSOLE_TOKEN (required off loopback), TEMPORAL_UI_URL (links runs to the Temporal UI),
CONSOLE_URL (the console's address as operators reach it), AUDIENCE_STATE_URL (the workers' sync-state store:
reports, reject rows, list members), AUDIENCE_REPORT_DIR (reject report files, while the store is unavailable).`,
    )
    .action((flags: ConsoleFlags) => runConsole(ctx, flags));
}
