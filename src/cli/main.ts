/**
 * Entry point of `klaviyo-audience-sync` (bin/klaviyo-audience-sync.js, `npm run cli`).
 * Every failure ends as one sentence on stderr and an exit code (see errors.ts).
 */
import type { CommanderError } from 'commander';
import { CliContext } from './context';
import { describeCliError } from './errors';
import { createProgram } from './program';

/** Commander's "errors" that are not failures: --help and --version printed what was asked. */
const DONE_CODES = new Set(['commander.helpDisplayed', 'commander.version']);

/** Runs the CLI and returns the exit code (does not call process.exit, so tests can call it in-process). */
export async function runCli(
  argv: string[],
  io: { env?: NodeJS.ProcessEnv; stdout?: NodeJS.WritableStream; stderr?: NodeJS.WritableStream } = {},
): Promise<number> {
  const ctx = new CliContext(io.env ?? process.env, io.stdout ?? process.stdout, io.stderr ?? process.stderr);
  const program = createProgram(ctx);
  try {
    if (argv.length <= 2) {
      program.outputHelp({ error: true });
      return 2;
    }
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    const code = (err as Partial<CommanderError>).code ?? '';
    if (DONE_CODES.has(code)) return 0;
    // A command group without its subcommand (e.g. `schedule`) already printed its help.
    if (code === 'commander.help') return 2;
    const { message, exitCode } = describeCliError(err);
    ctx.stderr.write(`${message}\n`);
    return exitCode;
  } finally {
    await ctx.close();
  }
}
