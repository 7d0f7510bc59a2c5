import { describe, expect, it } from 'vitest';
import { formatReport, formatStatus } from '../../src/cli/format';
import { emptyCounts, type SyncStatus } from '../../src/shared';

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
      counts: { ...emptyCounts(), apiCalls: { 'GET /api/lists': 2 } },
      wouldAdd: 5,
      wouldUpdate: 3,
      wouldRemove: 1,
      reportLocation: '/tmp/reports/dry-1',
      durationMs: 1500,
      actionsResolved: 0,
    });
    expect(text).toMatch(/^Dry run dry-1 finished in 1\.5 s/);
    expect(text).toContain('would add:     5');
    expect(text).toContain('would update:  3');
    expect(text).toContain('would remove:  1');
    expect(text).toMatch(/2 {2}GET \/api\/lists/);
    expect(text).toContain('reject report: /tmp/reports/dry-1');
  });
});
