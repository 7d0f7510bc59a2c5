/** Starts the console's HTTP server on a host and port (0: any free port) and says where it listens. */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Client } from '@temporalio/client';
import type { ConsoleSettings } from '../config';
import { MergedRunHistory } from './mergedRunHistory';
import { createConsoleApp } from './server';
import { StateStoreAccess } from './stateStoreAccess';
import { TemporalControl } from './temporalControl';
import { TemporalRunHistory } from './temporalRunHistory';

export interface RunningConsole {
  url: string;
  close(): Promise<void>;
}

export interface StartConsoleOptions {
  host: string;
  port: number;
  client: Client;
  namespace: string;
  taskQueue: string;
  settings: ConsoleSettings;
  logError?: (message: string) => void;
}

export async function startConsole(opts: StartConsoleOptions): Promise<RunningConsole> {
  const temporalRuns = new TemporalRunHistory({ client: opts.client, namespace: opts.namespace, taskQueue: opts.taskQueue, reportDir: opts.settings.reportDir });
  const store = new StateStoreAccess(opts.settings.stateLocation, opts.logError ?? console.error);
  await store.warmUp();
  const app = createConsoleApp({
    runs: new MergedRunHistory(temporalRuns, store),
    control: new TemporalControl(opts.client, opts.taskQueue, temporalRuns),
    namespace: opts.namespace,
    links: opts.settings,
    token: opts.settings.token,
    secureCookie: opts.settings.consoleUrl?.startsWith('https://') ?? false,
    logError: opts.logError,
  });
  const server = await new Promise<ReturnType<typeof serve>>((resolve, reject) => {
    const s = serve({ fetch: app.fetch, hostname: opts.host, port: opts.port }, () => resolve(s));
    s.once('error', reject);
  });
  const { port } = server.address() as AddressInfo;
  const host = opts.host.includes(':') ? `[${opts.host}]` : opts.host;
  return {
    url: `http://${host}:${port}`,
    close: async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await store.close();
    },
  };
}
