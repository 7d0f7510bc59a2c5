/**
 * A JSON file of name -> secret (credentials, connection strings), read on every use so a secret changed
 * while a run is paused is used on Resolve without restarting the workers. Its messages never quote the
 * file's text: it holds the secrets.
 */
import fs from 'node:fs';
import { SyncFailure, type FailureKind } from './failures';

export interface SecretsFile {
  path: string | undefined;
  /** How operators know it, e.g. "credentials file". */
  label: string;
  /** What it maps, e.g. "credential name to API key". */
  shape: string;
  /** The failure a broken file is: the run pauses on its action until the file is fixed. */
  kind: FailureKind;
}

/** The file's string entries; {} when no file is configured or it does not exist (yet). */
export function readSecretsFile(file: SecretsFile): Record<string, string> {
  if (!file.path) return {};
  let text: string;
  try {
    text = fs.readFileSync(file.path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') return {};
    throw new SyncFailure(file.kind, `The ${file.label} ${file.path} cannot be read (${code ?? 'error'}).`);
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Never the parser's message: it quotes the text.
    throw new SyncFailure(file.kind, `The ${file.label} ${file.path} is not valid JSON; it must be an object of ${file.shape}.`);
  }
  if (!parsed || typeof parsed !== 'object' || Array.isArray(parsed)) return {};
  return Object.fromEntries(
    Object.entries(parsed as Record<string, unknown>).filter((e): e is [string, string] => typeof e[1] === 'string'),
  );
}
