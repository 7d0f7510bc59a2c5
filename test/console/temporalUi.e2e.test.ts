/**
 * The Temporal UI, used as Temporal intends: a run started by the CLI (the real binary) or a schedule
 * carries a static summary and details; its current details say what it is doing and, while it is paused,
 * the action's title, message, numbered steps and how to send `resolve`; the signal and query are described
 * in the workflow's definition; every activity in its history has a summary that reads as a step.
 * (The UI reads all of these with the `__temporal_workflow_metadata` query and the history, as done here.)
 */
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { scheduleIdForList } from '../../src/cli/naming';
import { RESOLVE_SIGNAL, STATUS_QUERY } from '../../src/shared';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { runCliProcess } from '../cli/cliProcess';

type WorkflowMetadata = temporal.api.sdk.v1.IWorkflowMetadata;

let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness({ batchMaxProfiles: 100 });
});
afterAll(async () => h?.close());

const metadataOf = (workflowId: string) => h.client.workflow.getHandle(workflowId).query<WorkflowMetadata>('__temporal_workflow_metadata');

describe('what the Temporal UI shows of a run', () => {
  it('a CLI run: summary, details, current details while paused and after, described signal and query, activity summaries', async () => {
    const list = `UI VIP ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'ui-vip.csv', makeCustomers(250, { prefix: 'ui' }).rows);
    await h.emulator.admin.revokeKey(h.apiKey);
    const workflowId = `ui-${randomUUID().slice(0, 8)}`;
    const started = await runCliProcess(['sync', '--list', list, '--audience', audience, '--workflow-id', workflowId], h.env);
    expect(started.code, started.stderr).toBe(0);
    const handle = h.client.workflow.getHandle(workflowId);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action');

    const description = await handle.describe();
    expect(await description.staticSummary()).toBe(`Sync "${list}" from ui-vip.csv`);
    const details = await description.staticDetails();
    expect(details).toContain(`**Audience:** \`${audience}\` (CSV)`);
    expect(details).toContain('**Started by:** the CLI (sync)');

    const paused = await metadataOf(workflowId);
    const current = paused.currentDetails ?? '';
    expect(current).toMatch(/^## Needs action: Klaviyo rejected the API key\n/);
    expect(current).toContain('1. In Klaviyo, open Settings > API keys');
    expect(current).toMatch(/\n4\. Send Resolve/);
    expect(current).toContain('send the `resolve` signal');
    const definition = paused.definition!;
    expect(definition.type).toBe('audienceSync');
    expect(definition.signalDefinitions?.find((d) => d.name === RESOLVE_SIGNAL)?.description).toMatch(/^Resume a run paused on a workflow action/);
    expect(definition.queryDefinitions?.find((d) => d.name === STATUS_QUERY)?.description).toMatch(/^The run now: state, step/);

    await h.rotateKey();
    await handle.signal(RESOLVE_SIGNAL);
    await resultOf(handle);
    expect((await metadataOf(workflowId)).currentDetails).toMatch(new RegExp(`^\\*\\*Completed:\\*\\* list "${list}": 250 profiles sent, 0 removed, 0 rows rejected\\.$`));

    const summaries: string[] = [];
    for (const event of (await handle.fetchHistory()).events ?? []) {
      if (event.activityTaskScheduledEventAttributes) {
        const summary = event.userMetadata?.summary;
        summaries.push(summary ? defaultPayloadConverter.fromPayload<string>(summary) : `(none: ${event.activityTaskScheduledEventAttributes.activityType?.name})`);
      }
    }
    expect(summaries).toEqual(
      expect.arrayContaining([
        'Check the Klaviyo API key',
        'Alert: the run needs action',
        'Claim the list (one run writes to a list at a time)',
        'Find the Klaviyo list',
        'Read the audience and compare it with the stored members',
        'Create the Klaviyo list',
        'Send batch 1 (new and changed profiles) to Klaviyo',
        'Send batch 3 (new and changed profiles) to Klaviyo',
        'Check the list is still there after sending',
        'Write the report',
      ]),
    );
    // A first sync into the list it created reads no membership and has no one to remove.
    expect(summaries).not.toContain('Remove list members who are not in the audience');
    expect(summaries.filter((s) => s.startsWith('Read the whole list'))).toEqual([]);
    expect(summaries.filter((s) => s.startsWith('(none'))).toEqual([]);
  });

  it('a scheduled run carries the schedule’s summary and details', async () => {
    const list = `UI Scheduled ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'ui-scheduled.ndjson', []);
    const created = await runCliProcess(['schedule', 'create', '--list', list, '--audience', audience, '--every', '1d', '--paused'], h.env);
    expect(created.code, created.stderr).toBe(0);
    const scheduleId = scheduleIdForList(list);
    try {
      const { action } = await h.client.schedule.getHandle(scheduleId).describe();
      expect(action.type).toBe('startWorkflow');
      if (action.type !== 'startWorkflow') return;
      expect(action.staticSummary).toBe(`Sync "${list}" from ui-scheduled.ndjson`);
      expect(action.staticDetails).toContain(`**Started by:** schedule ${scheduleId}`);
    } finally {
      await runCliProcess(['schedule', 'delete', '--id', scheduleId], h.env);
    }
  });
});
