/**
 * The worker process (`npm run worker`): wiring only. Settings come from the environment through
 * src/config.ts (TEMPORAL_*, KLAVIYO_*, AUDIENCE_*; see README.md).
 */
import { workerConfigFromEnv } from './config';
import { connectConnection, connectWorkerConnection } from './temporal/connection';
import { ensureSearchAttributes, searchAttributeCommands } from './temporal/searchAttributes';
import { createAudienceSyncWorker } from './temporal/createWorker';
import { openStateStore } from './store/open';

async function main(): Promise<void> {
  const config = workerConfigFromEnv();
  const { temporal } = config;
  const connection = await connectWorkerConnection(temporal);
  if (config.registerSearchAttributes) {
    const operator = await connectConnection(temporal);
    try {
      await ensureSearchAttributes(operator, temporal.namespace);
    } catch (err) {
      console.warn(
        `Could not register the search attributes (${(err as Error).message}); ask an operator to run: ` +
          searchAttributeCommands(temporal.namespace).join(' && '),
      );
    } finally {
      await operator.close();
    }
  }
  // Opened (and migrated) before polling: a worker that cannot reach its store takes no work.
  const store = await openStateStore(config.activities.state.location);
  const worker = await createAudienceSyncWorker({
    connection,
    namespace: temporal.namespace,
    taskQueue: temporal.taskQueue,
    activities: config.activities,
    store,
    workflowBundlePath: config.workflowBundlePath,
    codec: temporal.codec,
  });
  console.log(
    `audienceSync worker polling task queue "${temporal.taskQueue}" on ${temporal.address} (namespace ${temporal.namespace}); ` +
      `sync state: ${store.engine} at ${store.location}` +
      (temporal.codec?.keyId ? `; payloads encrypted with key id "${temporal.codec.keyId}"` : ''),
  );
  await worker.run();
  await connection.close();
  await store.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
