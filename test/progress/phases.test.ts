/** The phase model: what each phase of a run has done, from the workflow's counts and the running steps' heartbeats. */
import { describe, expect, it } from 'vitest';
import { currentPhase, runPhases } from '../../src/progress/phases';
import { PhaseRates } from '../../src/progress/rate';
import { emptyCounts, type SyncStatus } from '../../src/shared';
import type { LiveProgress } from '../../src/progress/beats';

const status = (step: SyncStatus['step'], counts: Partial<SyncStatus['counts']> = {}, extra: Partial<SyncStatus> = {}): SyncStatus => ({
  state: 'running',
  step,
  dryRun: false,
  counts: { ...emptyCounts(), ...counts },
  startedAt: '2026-08-01T06:00:00.000Z',
  ...extra,
});

const planned = { rowsRead: 80_000, rowsTotal: 80_000, toSend: 79_152, batchesTotal: 8, toRemove: 1_200 };

describe('runPhases', () => {
  it('reads the drift check as members read of the stored list size, with its pages', () => {
    const [membership] = runPhases(status('verifying_membership'), { batches: [], membership: { read: 20_000, pages: 200, listSize: 80_000 } });
    expect(membership).toMatchObject({ name: 'membership', active: true, done: 20_000, total: 80_000, fraction: 0.25, detail: '200 pages' });
    // A list the store does not know: no total, no share.
    expect(runPhases(status('verifying_membership'), { batches: [], membership: { read: 500, pages: 5 } })[0]).toMatchObject({ total: null, fraction: null });
  });

  it("reads planning as rows read, with the file's bytes as its share done", () => {
    const [planning] = runPhases(status('planning'), { batches: [], planning: { rows: 20_000, bytesRead: 1_300_000, bytesTotal: 5_200_000 } });
    expect(planning).toMatchObject({ name: 'planning', active: true, done: 20_000, total: null, fraction: 0.25, detail: '1.3 of 5.2 MB' });
    // Once planned, the counts say it all.
    expect(runPhases(status('upserting', planned))[0]).toMatchObject({ name: 'planning', active: false, done: 80_000, total: 80_000, fraction: 1 });
  });

  it('adds the batches in flight to the finished ones: profiles submitted, and profiles and jobs Klaviyo has processed', () => {
    const live: LiveProgress = {
      batches: [
        { profiles: 10_000, submitted: 10_000, jobsSubmitted: 1, jobsComplete: 0, processed: 4_000 },
        { profiles: 10_000, submitted: 10_000, jobsSubmitted: 1, jobsComplete: 0, processed: 0 },
      ],
    };
    const phases = runPhases(status('upserting', { ...planned, profilesSent: 30_000, batchesDone: 3, importJobs: 3 }), live);
    expect(phases.map((p) => p.name)).toEqual(['planning', 'sending', 'importing']);
    expect(phases[1]).toMatchObject({ active: true, done: 50_000, total: 79_152, detail: 'batches 3 of 8 done' });
    expect(phases[2]).toMatchObject({ active: true, done: 34_000, total: 79_152, detail: '3 of 5 import jobs complete' });
    expect(currentPhase(phases)?.name).toBe('sending');
  });

  it('moves on to the import jobs once every profile is sent, not to "ETA 0 s"', () => {
    const live: LiveProgress = { batches: [{ submitted: 9_152, jobsSubmitted: 1, jobsComplete: 0, processed: 100 }] };
    const phases = runPhases(status('upserting', { ...planned, profilesSent: 70_000, batchesDone: 7, importJobs: 7 }), live);
    expect(phases.find((p) => p.name === 'sending')).toMatchObject({ active: false, done: 79_152 });
    expect(currentPhase(phases)).toMatchObject({ name: 'importing', done: 70_100 });
  });

  it('reads removal as members removed of those to remove, and leaves it out when nobody leaves', () => {
    const sent = { ...planned, profilesSent: 79_152, batchesDone: 8, importJobs: 8 };
    const phases = runPhases(status('reconciling', sent), { batches: [], removal: { removed: 400, gone: 100, lookedUp: 700 } });
    expect(currentPhase(phases)).toMatchObject({ name: 'removing', done: 500, total: 1_200, unit: 'members', verb: 'removed', detail: '700 looked up by e-mail' });
    expect(runPhases(status('done', { ...sent, removed: 1_200 })).at(-1)).toMatchObject({ name: 'removing', active: false, done: 1_200 });
    expect(runPhases(status('reconciling', { ...sent, toRemove: 0 })).map((p) => p.name)).not.toContain('removing');
  });

  it('a dry run has reading phases only', () => {
    const names = runPhases(status('reconciling', planned, { dryRun: true, membershipCheck: { reason: 'requested', listed: 900, strangers: 0, missing: 0 } })).map((p) => p.name);
    expect(names).toEqual(['membership', 'planning']);
  });
});

describe('PhaseRates', () => {
  it('gives each phase its own rate and ETA, counting only the time that phase ran', () => {
    const rates = new PhaseRates();
    const at = (rows: number, bytesRead: number) => runPhases(status('planning'), { batches: [], planning: { rows, bytesRead, bytesTotal: 4_000_000 } });
    rates.sample(0, status('planning'), at(0, 0));
    const [planning] = rates.sample(10_000, status('planning'), at(20_000, 1_000_000));
    // 20,000 rows in 10 s; a quarter of the file in 10 s leaves 30 s.
    expect(planning).toMatchObject({ rate: '2,000', eta: '30 s' });

    const sending = (sent: number) => runPhases(status('upserting', { ...planned, profilesSent: sent }));
    rates.sample(60_000, status('upserting'), sending(0));
    const later = rates.sample(70_000, status('upserting'), sending(10_000));
    expect(later.find((p) => p.name === 'sending')).toMatchObject({ rate: '1,000' });
    expect(later.find((p) => p.name === 'sending')!.eta).toMatch(/^1 min 1\d s$/);
  });

  it('does not count time paused on a workflow action', () => {
    const rates = new PhaseRates();
    const removing = (removed: number, state: SyncStatus['state'] = 'running') => {
      const s = status('reconciling', { ...planned, profilesSent: 79_152 }, { state });
      return [s, runPhases(s, { batches: [], removal: { removed, gone: 0 } })] as const;
    };
    rates.sample(0, ...removing(0));
    rates.sample(10_000, ...removing(200));
    rates.sample(11_000, ...removing(220, 'needs_action'));
    rates.sample(600_000, ...removing(220));
    const phase = rates.sample(609_000, ...removing(400)).find((p) => p.name === 'removing');
    // 400 members in 10 + 1 + 9 = 20 s of removing.
    expect(phase).toMatchObject({ name: 'removing', rate: '20', eta: '40 s' });
  });

  it('never shows a count going back, nor a finished phase running again, when a batch ends between two reads', () => {
    const rates = new PhaseRates();
    const look = (profilesSent: number, batches: LiveProgress['batches']) => {
      const s = status('upserting', { ...planned, profilesSent, batchesDone: profilesSent / 10_000 });
      return rates.sample(0, s, runPhases(s, { batches }));
    };
    // 70,000 sent by finished batches, the last 9,152 in flight: sending is done.
    let phases = look(70_000, [{ submitted: 9_152, jobsSubmitted: 1, jobsComplete: 0, processed: 0 }]);
    expect(phases.find((p) => p.name === 'sending')).toMatchObject({ active: false, done: 79_152 });
    // The next look: the batch finished (no heartbeat) but the query answered before the workflow counted it.
    phases = look(70_000, []);
    expect(phases.find((p) => p.name === 'sending')).toMatchObject({ active: false, done: 79_152, fraction: 1 });
    expect(currentPhase(phases)?.name).toBe('importing');
  });
});
