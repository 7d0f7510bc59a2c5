import { describe, expect, it } from 'vitest';
import { formatDuration, formatReport, formatStatus } from '../../src/cli/format';
import { emptyCounts, type SyncStatus } from '../../src/shared';
import { runPhases } from '../../src/progress/phases';

describe('status as a person reads it', () => {
  it('shows the step, counts, and for a paused run the action with numbered steps and how to resume', () => {
    const status: SyncStatus = {
      state: 'needs_action',
      step: 'ensuring_list',
      listName: 'Spring VIP',
      dryRun: false,
      counts: { ...emptyCounts(), rowsRead: 10, rowsValid: 8, rowsRejected: 2, rejectedByReason: { invalid_email: 2 } },
      action: {
        code: 'max_lists_exceeded',
      title: 'The Klaviyo account holds the maximum of 1000 lists and segments',
        message: 'The account has 1000 lists and segments.',
        steps: ['Check the number of lists and segments in Klaviyo.', 'Remove unused ones.', 'Resolve.'],
        since: '2026-08-01T06:00:00.000Z',
      },
      startedAt: '2026-08-01T05:59:00.000Z',
    };
    const text = formatStatus('run-1', status);
    expect(text).toContain('state: needs_action');
    expect(text).toContain('step:  finding or creating the list');
    expect(text).toContain('rejected:      2 (invalid_email: 2)');
    expect(text).toContain('PAUSED: max_lists_exceeded');
    expect(text).toContain('  1. Check the number of lists and segments in Klaviyo.');
    expect(text).toContain('  3. Resolve.');
    expect(text).toContain('klaviyo-audience-sync resolve run-1');
  });

  it('prints would-add/update/remove for a dry run and the reject report path', () => {
    const text = formatReport('dry-1', {
      listId: 'L1',
      listName: 'Spring VIP',
      listCreated: false,
      dryRun: true,
      counts: { ...emptyCounts(), unchanged: 90, listSize: 97, apiCalls: { 'GET /api/lists': 2 } },
      wouldAdd: 5,
      wouldUpdate: 3,
      wouldRemove: 1,
      runKey: 'dry-1/r1',
      reportLocation: '/tmp/reports/dry-1',
      startedAt: '2026-08-01T05:59:00.000Z',
      durationMs: 1500,
      actionsResolved: 0,
    });
    expect(text).toMatch(/^Dry run dry-1 finished in 1\.5 s/);
    expect(text).toContain('would add:     5');
    expect(text).toContain('would update:  3');
    expect(text).toContain('would remove:  1');
    expect(text).toContain('unchanged:     90');
    expect(text).toContain('list size:     97 (after a real run)');
    expect(text).toMatch(/2 {2}GET \/api\/lists/);
    expect(text).toContain('reject report: /tmp/reports/dry-1');
    // Nothing was written: no "added: 0" next to "would add: 5".
    expect(text).not.toMatch(/^ {2}(added|updated|removed|sent):/m);
  });

  it('shows a real run\'s unchanged, sent and removed rows, the members kept with a rejected row, the drift check, and where the rejects are', () => {
    const text = formatReport('sync-1', {
      listId: 'L1',
      listCreated: false,
      dryRun: false,
      counts: { ...emptyCounts(), unchanged: 980, toSend: 20, profilesSent: 20, batchesDone: 1, batchesTotal: 1, added: 12, updated: 8, removed: 4, keptWithRejectedRow: 2, listSize: 1010 },
      membershipCheck: { reason: 'cadence', listed: 1002, strangers: 1, missing: 3 },
      runKey: 'sync-1/r1',
      startedAt: '2026-08-01T05:59:00.000Z',
      durationMs: 1500,
      actionsResolved: 0,
    });
    expect(text).toContain('unchanged:     980');
    expect(text).toContain('sent:          20/20 (batches 1/1)');
    expect(text).toContain('removed:       4');
    expect(text).toContain('kept:          2 members stay on the list although their rows were rejected');
    expect(text).toContain('list size:     1010');
    expect(text).toContain('drift check:   read 1002 members (due (AUDIENCE_VERIFY_EVERY)): 1 not known to the sync state, 3 removed by hand');
    expect(text).toContain('reject report: klaviyo-audience-sync report sync-1 --rejects rejects.csv');
  });

  it("does not repeat the resume command when the action's own steps give it", () => {
    const status: SyncStatus = {
      state: 'needs_action',
      step: 'validating_credential',
      dryRun: false,
      counts: emptyCounts(),
      action: {
        code: 'invalid_credentials',
      title: 'Klaviyo rejected the API key',
        message: 'Klaviyo did not accept the API key.',
        steps: ['Rotate the key.', 'Send Resolve (or `npx klaviyo-audience-sync resolve run-2`).'],
        since: '2026-08-01T06:00:00.000Z',
      },
      startedAt: '2026-08-01T05:59:00.000Z',
    };
    const text = formatStatus('run-2', status);
    expect(text.split('klaviyo-audience-sync resolve run-2')).toHaveLength(2);
  });
});

describe('formatDuration', () => {
  it('reads like a person writes it', () => {
    expect(formatDuration(12.2)).toBe('13 s');
    expect(formatDuration(200)).toBe('3 min 20 s');
    expect(formatDuration(3720)).toBe('1 h 02 min');
  });

  it('keeps a decimal below 10 s, so short phases add up to their total', () => {
    expect(formatDuration(0.171)).toBe('0.2 s');
    expect(formatDuration(1.2)).toBe('1.2 s');
    expect(formatDuration(8)).toBe('8 s');
    expect(formatDuration(0)).toBe('0 s');
  });
});

describe('status with phase progress', () => {
  it('lists each phase started, the finished ones done and the running one with its counter', () => {
    const status: SyncStatus = {
      state: 'running',
      step: 'reconciling',
      listName: 'Spring VIP',
      dryRun: false,
      counts: { ...emptyCounts(), rowsRead: 80_000, rowsTotal: 80_000, toSend: 2_000, profilesSent: 2_000, batchesDone: 1, batchesTotal: 1, importJobs: 1, toRemove: 1_200 },
      startedAt: '2026-08-01T05:59:00.000Z',
    };
    const text = formatStatus('run-3', status, [], runPhases(status, { batches: [], removal: { removed: 300, gone: 0 } }));
    expect(text).toContain(
      [
        '  progress:',
        '    reading the audience 80,000/80,000 rows read (100%) | done',
        '    sending profiles 2,000/2,000 profiles sent (100%) · batches 1 of 1 done | done',
        "    Klaviyo's import jobs 2,000/2,000 profiles processed (100%) · 1 of 1 import jobs complete | done",
        '    removing members not in the audience 300/1,200 members removed (25%)',
      ].join('\n'),
    );
  });
});
