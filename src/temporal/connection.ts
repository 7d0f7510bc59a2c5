/**
 * Connection settings for Temporal, read from the environment by the worker and the CLI alike,
 * so an operator sets them once. Covers a local dev server, a TLS cluster (mTLS) and Temporal Cloud
 * (API key or mTLS).
 */
import fs from 'node:fs';
import { Connection, Client } from '@temporalio/client';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import { DEFAULT_TASK_QUEUE } from '../names';

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: { clientCertPath?: string; clientKeyPath?: string; serverRootCaPath?: string; serverName?: string };
}

export function temporalSettingsFromEnv(env: NodeJS.ProcessEnv = process.env): TemporalSettings {
  const tlsWanted =
    env.TEMPORAL_TLS === 'true' || Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_API_KEY);
  return {
    address: env.TEMPORAL_ADDRESS || 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tls: tlsWanted
      ? {
          clientCertPath: env.TEMPORAL_TLS_CERT || undefined,
          clientKeyPath: env.TEMPORAL_TLS_KEY || undefined,
          serverRootCaPath: env.TEMPORAL_TLS_CA || undefined,
          serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
        }
      : undefined,
  };
}

function connectionOptions(s: TemporalSettings): NativeConnectionOptions {
  const tls = s.tls
    ? {
        serverNameOverride: s.tls.serverName,
        serverRootCACertificate: s.tls.serverRootCaPath ? fs.readFileSync(s.tls.serverRootCaPath) : undefined,
        clientCertPair:
          s.tls.clientCertPath && s.tls.clientKeyPath
            ? { crt: fs.readFileSync(s.tls.clientCertPath), key: fs.readFileSync(s.tls.clientKeyPath) }
            : undefined,
      }
    : undefined;
  if (s.tls && Boolean(s.tls.clientCertPath) !== Boolean(s.tls.clientKeyPath)) {
    throw new Error('TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY must be set together');
  }
  return { address: s.address, tls, apiKey: s.apiKey };
}

export async function connectConnection(s: TemporalSettings): Promise<Connection> {
  return Connection.connect(connectionOptions(s));
}

export async function connectClient(s: TemporalSettings): Promise<Client> {
  return new Client({ connection: await connectConnection(s), namespace: s.namespace });
}

export async function connectWorkerConnection(s: TemporalSettings): Promise<NativeConnection> {
  // Loaded here, not at the top: the CLI imports this module and must not pay for the worker's native core.
  const worker = require('@temporalio/worker') as typeof import('@temporalio/worker');
  return worker.NativeConnection.connect(connectionOptions(s));
}
