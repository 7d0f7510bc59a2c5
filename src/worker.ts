/**
 * The worker process (`npm run worker`). Configuration comes from the environment:
 * TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_TASK_QUEUE (+ TLS / API key settings), KLAVIYO_BASE_URL,
 * KLAVIYO_API_KEY or KLAVIYO_CREDENTIALS_FILE, AUDIENCE_REPORT_DIR. See README.md.
 */
import { temporalSettingsFromEnv, connectConnection, connectWorkerConnection } from './temporal/connection';
import { ensureSearchAttributes, searchAttributeCommands } from './temporal/searchAttributes';
import { createAudienceSyncWorker } from './temporal/createWorker';

async function main(): Promise<void> {
  const settings = temporalSettingsFromEnv();
  const connection = await connectWorkerConnection(settings);
  if (process.env.AUDIENCE_SYNC_REGISTER_SEARCH_ATTRIBUTES !== 'false') {
    const operator = await connectConnection(settings);
    try {
      await ensureSearchAttributes(operator, settings.namespace);
    } catch (err) {
      console.warn(
        `Could not register the search attributes (${(err as Error).message}); ask an operator to run: ` +
          searchAttributeCommands(settings.namespace).join(' && '),
      );
    } finally {
      await operator.close();
    }
  }
  const worker = await createAudienceSyncWorker({ connection, namespace: settings.namespace, taskQueue: settings.taskQueue });
  console.log(`audienceSync worker polling task queue "${settings.taskQueue}" on ${settings.address} (namespace ${settings.namespace})`);
  await worker.run();
  await connection.close();
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
