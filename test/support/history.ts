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

/** Batches whose upsertBatch was scheduled again after an attempt of it had completed (redone work). */
export async function batchesScheduledAfterCompletion(handle: WorkflowHandle): Promise<number[]> {
  const history = await handle.fetchHistory();
  const batchOfEvent = new Map<string, number>();
  const completed = new Set<number>();
  const redone: number[] = [];
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'upsertBatch') {
      const [input] = (scheduled.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)) as [{ batch: number }];
      if (completed.has(input.batch)) redone.push(input.batch);
      batchOfEvent.set(String(event.eventId), input.batch);
    }
    const done = event.activityTaskCompletedEventAttributes;
    const batch = done ? batchOfEvent.get(String(done.scheduledEventId)) : undefined;
    if (batch !== undefined) completed.add(batch);
  }
  return redone;
}
