/** The markdown the Temporal UI shows as a run's current details, and the alert's text, for each state. */
import { describe, expect, it } from 'vitest';
import { alertText } from '../../src/activities/alerts';
import { alertSettingsFromEnv, consoleSettingsFromEnv } from '../../src/config';
import { runSummary } from '../../src/runDescription';
import { emptyCounts, type SyncStatus } from '../../src/shared';
import { currentDetails, escapeMarkdown } from '../../src/workflows/currentDetails';

const base: SyncStatus = { state: 'running', step: 'upserting', dryRun: false, listName: 'Spring *VIP*', counts: emptyCounts(), startedAt: '2026-08-01T06:00:00Z' };

describe('current details', () => {
  it('say what a running sync is doing, with its batches, without letting the list name format anything', () => {
    const details = currentDetails({ ...base, counts: { ...emptyCounts(), batchesTotal: 12, batchesDone: 3, profilesImported: 30_000, rowsRejected: 7 } }, 'wf');
    expect(details).toBe('**Syncing list "Spring \\*VIP\\*":** sending profiles.\n\nBatches 3 of 12 · 30,000 profiles sent · 7 rows rejected so far.');
  });

  it('while paused: the action, its message, numbered steps and how to send resolve', () => {
    const details = currentDetails(
      {
        ...base,
        state: 'needs_action',
        step: 'validating_credential',
        action: { code: 'invalid_credentials', title: 'Klaviyo rejected the API key', message: 'HTTP 401', steps: ['Open Settings.', 'Rotate the key.'], since: '2026-08-01T06:00:03Z' },
      },
      'audience-sync-spring-vip',
    );
    expect(details.split('\n\n')).toEqual([
      '## Needs action: Klaviyo rejected the API key',
      'Paused since 2026-08-01T06:00:03Z at step "checking the Klaviyo key" of the sync of list "Spring \\*VIP\\*" (action `invalid_credentials`).',
      'HTTP 401',
      '1. Open Settings.\n2. Rotate the key.',
      '**To continue:** once the cause is fixed, send the `resolve` signal (Signal → `resolve`, no input), or run `npx klaviyo-audience-sync resolve audience-sync-spring-vip`. The run repeats the step that stopped.',
    ]);
  });

  it('waiting for the list, completed and failed', () => {
    expect(currentDetails({ ...base, state: 'waiting_for_list', waitingFor: 'other-run' }, 'wf')).toContain('run `other-run` is syncing it');
    expect(currentDetails({ ...base, state: 'completed', counts: { ...emptyCounts(), profilesImported: 5, removed: 2, rowsRejected: 1 } }, 'wf')).toBe(
      '**Completed:** list "Spring \\*VIP\\*": 5 profiles sent, 2 removed, 1 row rejected.',
    );
    expect(currentDetails({ ...base, state: 'failed', error: 'List "x" is busy' }, 'wf')).toBe('**Failed:** List "x" is busy');
    expect(escapeMarkdown('[a](b)')).toBe('\\[a\\]\\(b\\)');
  });

  it('a start’s summary names the list and the audience file', () => {
    expect(runSummary({ listName: 'Spring VIP', audience: { type: 'csv', path: '/data/spring-vip.csv' } })).toBe('Sync "Spring VIP" from spring-vip.csv');
    expect(runSummary({ listId: 'Y6nRLr', audience: { type: 'ndjson', path: 'C:\\exports\\vip.ndjson' }, dryRun: true })).toBe(
      'Dry run: sync list Y6nRLr from vip.ndjson (writes nothing)',
    );
  });
});

describe('alert text', () => {
  const input = { key: 'k', workflowId: 'wf-1', runId: 'r-1', list: 'Spring VIP' };

  it('a pause: list, action, first step, and the console link (else the Temporal UI, else the workflow id)', () => {
    const action = { code: 'invalid_credentials', title: 'Klaviyo rejected the API key', firstStep: 'Open Settings > API keys.' };
    expect(alertText({ ...input, kind: 'needs_action', action }, { consoleUrl: 'https://console.example' }, 'default')).toBe(
      ':warning: Audience sync for list "Spring VIP" needs action: Klaviyo rejected the API key (invalid_credentials).\n' +
        'First step: Open Settings > API keys.\nThe run waits until it is resolved. Open: https://console.example/runs/wf-1',
    );
    expect(alertText({ ...input, kind: 'needs_action', action }, { temporalUiUrl: 'http://ui:8080' }, 'ns')).toContain(
      'Open: http://ui:8080/namespaces/ns/workflows/wf-1/r-1/history',
    );
    expect(alertText({ ...input, kind: 'needs_action', action }, {}, 'ns')).toContain('Workflow id: wf-1');
  });

  it('a failure: the error on one line', () => {
    expect(alertText({ ...input, kind: 'failed', error: 'Cannot read\n  the file' }, {}, 'ns')).toBe(
      ':x: Audience sync for list "Spring VIP" failed: Cannot read the file\nWorkflow id: wf-1',
    );
  });
});

describe('alert and console settings', () => {
  it('take http(s) URLs only, and never echo a webhook URL (its path is a secret)', () => {
    expect(alertSettingsFromEnv({ ALERT_WEBHOOK_URL: 'https://hooks.slack.com/services/T/B/x', CONSOLE_URL: 'https://c.example/' })).toEqual({
      webhookUrl: 'https://hooks.slack.com/services/T/B/x',
      consoleUrl: 'https://c.example',
      temporalUiUrl: undefined,
    });
    expect(() => alertSettingsFromEnv({ ALERT_WEBHOOK_URL: 'hooks.slack.com/services/secret' })).toThrow(/^ALERT_WEBHOOK_URL must be an http:\/\/ or https:\/\/ URL$/);
    expect(() => consoleSettingsFromEnv({ CONSOLE_TOKEN: 'short' })).toThrow('CONSOLE_TOKEN must be at least 16 characters');
  });
});
