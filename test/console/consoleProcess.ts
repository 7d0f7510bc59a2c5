/** `klaviyo-audience-sync console --port 0` as an operator starts it: the real binary, in its own process. */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';

export interface ConsoleProcess {
  url: string;
  child: ChildProcess;
  /** What it wrote to stderr so far (its notes and error log). */
  stderr(): string;
  stop(): Promise<void>;
}

const bin = path.resolve(__dirname, '../../bin/klaviyo-audience-sync.js');

export function startConsoleProcess(env: Record<string, string>, args: string[] = []): Promise<ConsoleProcess> {
  const child = spawn(process.execPath, [bin, 'console', '--port', '0', ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the console did not start in 60 s; stderr: ${stderr}`));
    }, 60_000);
    child.on('exit', (code) => reject(new Error(`the console exited with ${code}; stderr: ${stderr}`)));
    child.stdout!.on('data', (d: Buffer) => {
      stdout += d.toString();
      const url = /Console listening on (\S+)/.exec(stdout)?.[1];
      if (!url) return;
      clearTimeout(timer);
      resolve({
        url,
        child,
        stderr: () => stderr,
        stop: () =>
          new Promise<void>((done) => {
            if (child.exitCode !== null) return done();
            child.removeAllListeners('exit');
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    });
  });
}
