/**
 * Connections to Temporal from the settings in src/config.ts, for the worker and the CLI alike: a local
 * dev server, a TLS cluster (mTLS) and Temporal Cloud (API key or mTLS).
 */
import fs from 'node:fs';
import { Connection, Client } from '@temporalio/client';
import type { NativeConnection, NativeConnectionOptions } from '@temporalio/worker';
import type { TemporalSettings } from '../config';
import { dataConverterFor } from './codec';

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

/** A client with the worker's data converter: it encrypts what it sends and decrypts what it reads when TEMPORAL_CODEC_KEY is set. */
export async function connectClient(s: TemporalSettings): Promise<Client> {
  return new Client({ connection: await connectConnection(s), namespace: s.namespace, dataConverter: dataConverterFor(s.codec) });
}

export async function connectWorkerConnection(s: TemporalSettings): Promise<NativeConnection> {
  // Loaded here, not at the top: the CLI imports this module and must not pay for the worker's native core.
  const worker = require('@temporalio/worker') as typeof import('@temporalio/worker');
  return worker.NativeConnection.connect(connectionOptions(s));
}
