/**
 * Runs the CLI the way an operator does: `node bin/klaviyo-audience-sync.js ...` in its own process. The
 * launcher runs lib/ when it is up to date with src/ (after `npm ci` or `npm run build`), else the sources.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';

export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

const bin = path.resolve(__dirname, '../../bin/klaviyo-audience-sync.js');

export function runCliProcess(args: string[], env: Record<string, string> = {}, timeoutMs = 90_000): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`CLI ${args.join(' ')} did not finish in ${timeoutMs} ms; stderr: ${stderr}`));
    }, timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** One sentence: a single line, not starting lower-case, ending with a full stop. */
export const ONE_SENTENCE = /^[^a-z\s][^\n]*[.]\n$/;
