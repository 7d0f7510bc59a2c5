/**
 * What a run is waiting on right now, read from Temporal rather than the workflow: the workflow hears of
 * an activity only when it ends, but the server knows each pending activity's attempt, its last failure
 * and its latest heartbeat, where activities note what they wait on (activities/heartbeatTicker.ts).
 * Payloads are decoded with the client's own data converter, so this works with payload encryption on.
 */
import type { Client, WorkflowExecutionDescription } from '@temporalio/client';
import { ApplicationFailure, type LoadedDataConverter } from '@temporalio/common';
import { decodeFailure, decodeFirstPayload } from './decode';
import type { HeartbeatNotes } from '../activities/heartbeatTicker';
import type { LiveProgress, MembershipBeat, PlanningBeat, RemovalBeat, UpsertBeat } from '../progress/beats';
import { sanitizeMessage } from '../sanitize';

type PendingActivity = NonNullable<WorkflowExecutionDescription['raw']['pendingActivities']>[number];

/** One line per thing the run waits on, e.g. "Klaviyo unreachable since 10:42 UTC, retrying (attempt 7)". */
export async function pendingWork(client: Client, description: WorkflowExecutionDescription): Promise<string[]> {
  const lines: string[] = [];
  for (const activity of description.raw.pendingActivities ?? []) {
    lines.push(...(await describeActivity(client, activity)));
  }
  return lines;
}

/**
 * What the run's pending activities have done so far, from their latest heartbeats (progress/beats.ts):
 * the part of each phase the workflow cannot know until the activity ends.
 */
export async function liveProgress(client: HasConverter, description: WorkflowExecutionDescription): Promise<LiveProgress> {
  const live: LiveProgress = { batches: [] };
  const converter = client.options.loadedDataConverter;
  for (const activity of description.raw.pendingActivities ?? []) {
    const details = await decodeFirstPayload<object>(converter, activity.heartbeatDetails?.payloads).catch(() => undefined);
    if (!details || typeof details !== 'object') continue;
    switch (activity.activityType?.name) {
      case 'planAudience':
        live.planning = details as PlanningBeat;
        break;
      case 'verifyMembership':
        live.membership = details as MembershipBeat;
        break;
      case 'upsertBatch':
        live.batches.push(details as UpsertBeat);
        break;
      case 'removeDepartures':
        live.removal = details as RemovalBeat;
        break;
    }
  }
  return live;
}

/** A Client, or a handle's WorkflowClient: either decodes payloads as the workers encoded them. */
interface HasConverter {
  options: { loadedDataConverter: LoadedDataConverter };
}

async function describeActivity(client: Client, activity: PendingActivity): Promise<string[]> {
  const converter = client.options.loadedDataConverter;
  const notes = await decodeFirstPayload<HeartbeatNotes>(converter, activity.heartbeatDetails?.payloads).catch(
    () => undefined,
  );
  const lines = notes?.waitingOn ? [sanitizeMessage(notes.waitingOn, 200)] : [];
  const attempt = activity.attempt ?? 1;
  if (attempt <= 1 || !activity.lastFailure) return lines;
  const failure = await decodeFailure(converter, activity.lastFailure).catch(() => undefined);
  const since = clock(notes?.retryingSince ?? timestampIso(activity.scheduledTime));
  const retrying = `retrying (attempt ${attempt}${activity.nextAttemptScheduleTime ? `, next at ${clock(timestampIso(activity.nextAttemptScheduleTime))}` : ''})`;
  const type = failure instanceof ApplicationFailure ? failure.type : undefined;
  const message = sanitizeMessage(failure?.message ?? 'unknown failure', 160);
  if (type === 'transient' && /network error/i.test(message)) lines.push(`Klaviyo unreachable since ${since}, ${retrying}: ${message}`);
  else if (type === 'transient') lines.push(`Klaviyo failing since ${since}, ${retrying}: ${message}`);
  else if (type === 'rate_limited') lines.push(`Klaviyo rate limit since ${since}, ${retrying}`);
  else lines.push(`${activity.activityType?.name ?? 'a step'} failing since ${since}, ${retrying}: ${message}`);
  return lines;
}

function timestampIso(ts: { seconds?: unknown; nanos?: number | null } | null | undefined): string | undefined {
  if (!ts?.seconds) return undefined;
  return new Date(Number(ts.seconds) * 1000 + Math.floor((ts.nanos ?? 0) / 1e6)).toISOString();
}

/** "10:42 UTC" for a time today, the date too otherwise. */
function clock(iso: string | undefined): string {
  if (!iso) return 'a while';
  const sameDay = iso.slice(0, 10) === new Date().toISOString().slice(0, 10);
  return `${sameDay ? '' : `${iso.slice(0, 10)} `}${iso.slice(11, 16)} UTC`;
}
