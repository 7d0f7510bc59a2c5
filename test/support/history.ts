/** Reads activity inputs out of a run's history, to prove which work was (not) redone. */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/** Batch indexes of every upsertBatch activity the run scheduled, in order. */
export async function scheduledBatchIndexes(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  const indexes: number[] = [];
  for (const event of history.events ?? []) {
    const attrs = event.activityTaskScheduledEventAttributes;
    if (attrs?.activityType?.name !== 'upsertBatch') continue;
    const [input] = (attrs.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)) as [{ batch: number }];
    indexes.push(input.batch);
  }
  return indexes;
}
