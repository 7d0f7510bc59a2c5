/**
 * What every command gets: output streams, the environment, and a Temporal client connected lazily
 * (so `estimate` and `export-sftp` work without a server) with the worker's own settings. The Temporal
 * modules load on first use, so commands that do not talk to Temporal start fast.
 */
import type { Client } from '@temporalio/client';
import { temporalSettingsFromEnv, type TemporalSettings } from '../config';

type ConnectionModule = typeof import('../temporal/connection');
const connectionModule = (): ConnectionModule => require('../temporal/connection') as ConnectionModule;

export class CliContext {
  private settingsRead?: TemporalSettings;
  private clientPromise?: Promise<Client>;

  constructor(
    readonly env: NodeJS.ProcessEnv,
    readonly stdout: NodeJS.WritableStream,
    readonly stderr: NodeJS.WritableStream,
  ) {}

  /** Read when a command first needs them, so a bad setting (say TEMPORAL_CODEC_KEY) fails as that command's one-sentence error. */
  get settings(): TemporalSettings {
    this.settingsRead ??= temporalSettingsFromEnv(this.env);
    return this.settingsRead;
  }

  /** With payload encryption on, list names stay out of ids and search attributes, which are never encrypted. */
  get hidesListNames(): boolean {
    return Boolean(this.settings.codec?.keyId);
  }

  print(text: string): void {
    this.stdout.write(`${text}\n`);
  }

  /** Progress and notes go to stderr, so stdout carries only results a script may parse. */
  note(text: string): void {
    this.stderr.write(`${text}\n`);
  }

  client(): Promise<Client> {
    this.clientPromise ??= Promise.resolve().then(() => connectionModule().connectClient(this.settings));
    return this.clientPromise;
  }

  async close(): Promise<void> {
    if (!this.clientPromise) return;
    const client = await this.clientPromise.catch(() => undefined);
    await client?.connection.close();
  }
}
