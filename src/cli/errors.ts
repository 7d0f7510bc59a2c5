/**
 * How the CLI fails: one sentence on stderr and an exit code a script can act on.
 * 2 = the operator asked for something that cannot be done as asked (bad flag, bad input, unknown id);
 * 1 = the request was fine but the run (or the connection) failed.
 *
 * Errors are told apart by name, not instanceof, so this module loads neither commander's nor Temporal's
 * code: `--help` and `estimate` never pay for the Temporal client.
 */
import { redactSecrets } from '../sanitize';

export const EXIT_USAGE = 2;
export const EXIT_FAILED = 1;

export class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: typeof EXIT_USAGE | typeof EXIT_FAILED,
  ) {
    super(message);
    this.name = 'CliError';
  }
}

export const usageError = (message: string): CliError => new CliError(message, EXIT_USAGE);
export const runFailed = (message: string): CliError => new CliError(message, EXIT_FAILED);

/** Makes any message one line ending in a full stop, starting with a capital letter (and nothing key-shaped in it). */
export function asSentence(message: string): string {
  const oneLine = redactSecrets(message).replace(/\s*\n\s*/g, ' ').replace(/^error:\s*/i, '').trim();
  const capital = oneLine.charAt(0).toUpperCase() + oneLine.slice(1);
  return /[.!?]$/.test(capital) ? capital : `${capital}.`;
}

/** Errors from the audience module that mean "the file given is not usable" (a usage problem). */
const BAD_INPUT_ERROR_NAMES = new Set(['InvalidAudienceError', 'AudienceChangedError']);

interface NamedError {
  name?: string;
  message?: string;
  code?: string | number;
  exitCode?: number;
  workflowId?: string;
  scheduleId?: string;
  cause?: { message?: string };
}

/** Commander's "... argument '2' is invalid. give a share ..." and "(Did you mean --audience?)" as one sentence. */
function commanderSentence(message: string): string {
  const text = message
    .replace(/^error:\s*/i, '')
    .replace(/ is invalid\.\s+(\S)/, (_, c: string) => ` is invalid: ${c.toLowerCase()}`)
    .replace(/\s*\n\(Did you mean (.+)\?\)/, '; did you mean $1?');
  return asSentence(`${text} (run with --help for usage)`);
}

export function describeCliError(err: unknown): { message: string; exitCode: number } {
  if (err instanceof CliError) return { message: asSentence(err.message), exitCode: err.exitCode };
  const e = err as NamedError | undefined;
  switch (e?.name) {
    case 'CommanderError':
    case 'InvalidArgumentError':
      return { message: commanderSentence(e.message ?? ''), exitCode: EXIT_USAGE };
    case 'WorkflowNotFoundError':
      return { message: asSentence(`No audience sync run has the workflow id '${e.workflowId}'`), exitCode: EXIT_USAGE };
    case 'ScheduleNotFoundError':
      return { message: asSentence(`No schedule has the id '${e.scheduleId}' (see \`schedule list\`)`), exitCode: EXIT_USAGE };
    case 'WorkflowFailedError':
      return { message: asSentence(`The run failed: ${e.cause?.message ?? e.message}`), exitCode: EXIT_FAILED };
  }
  if (e?.name && BAD_INPUT_ERROR_NAMES.has(e.name)) return { message: asSentence(e.message ?? e.name), exitCode: EXIT_USAGE };
  if (e?.code === 'ENOENT' || e?.code === 'EACCES') return { message: asSentence(e.message ?? String(err)), exitCode: EXIT_USAGE };
  // gRPC UNAVAILABLE (14): the server is not where the settings say.
  if (e?.code === 14 || /UNAVAILABLE|ECONNREFUSED|Failed to connect/i.test(e?.message ?? '')) {
    return {
      message: asSentence(
        `Cannot reach the Temporal server (${e?.message?.split('\n')[0] ?? 'connection failed'}); check TEMPORAL_ADDRESS`,
      ),
      exitCode: EXIT_FAILED,
    };
  }
  return { message: asSentence(e?.message ?? String(err)), exitCode: EXIT_FAILED };
}
