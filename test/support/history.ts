/** Reads activity inputs out of a run's history, to prove which work was (not) redone. */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';

/** One upsertBatch attempt scheduled: its batch, and the event ids of its scheduling and completion (if it completed). */
export interface UploadEvents {
  batch: number;
  scheduled: number;
  completed?: number;
}

/** Every upsertBatch the run scheduled, in order. */
export async function uploadEvents(handle: WorkflowHandle): Promise<UploadEvents[]> {
  const history = await handle.fetchHistory();
  const uploads: UploadEvents[] = [];
  const byEvent = new Map<number, UploadEvents>();
  for (const event of history.events ?? []) {
    const scheduled = event.activityTaskScheduledEventAttributes;
    if (scheduled?.activityType?.name === 'upsertBatch') {
      const [input] = (scheduled.input?.payloads ?? []).map((p) => defaultPayloadConverter.fromPayload(p)) as [{ batch: number }];
      const upload = { batch: input.batch, scheduled: Number(event.eventId) };
      uploads.push(upload);
      byEvent.set(upload.scheduled, upload);
    }
    const done = event.activityTaskCompletedEventAttributes;
    const upload = done ? byEvent.get(Number(done.scheduledEventId)) : undefined;
    if (upload) upload.completed = Number(event.eventId);
  }
  return uploads;
}

/** Batch indexes of every upsertBatch activity the run scheduled, in order. */
export async function scheduledBatchIndexes(handle: WorkflowHandle): Promise<number[]> {
  return (await uploadEvents(handle)).map((u) => u.batch);
}

/** Batches whose upsertBatch was scheduled again after an attempt of it had completed (redone work). */
export async function batchesScheduledAfterCompletion(handle: WorkflowHandle): Promise<number[]> {
  const uploads = await uploadEvents(handle);
  return uploads.filter((u) => uploads.some((other) => other.batch === u.batch && other.completed !== undefined && other.completed < u.scheduled)).map((u) => u.batch);
}
