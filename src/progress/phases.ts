/**
 * The phases of a run and how far each has got: reading the list's members (the drift check), reading the
 * audience (planning), sending profiles, Klaviyo's import jobs, removing members. One model for `status`,
 * `--wait` and the console: the workflow's counts say what finished activities did, the pending
 * activities' heartbeats (beats.ts) what the ones still running have done so far. Counts only.
 *
 * Free of I/O and Node built-ins, like the rest of what the workflow bundle may import.
 */
import type { SyncStatus, SyncStep } from '../shared';
import { NO_LIVE_PROGRESS, type LiveProgress, type UpsertBeat } from './beats';

export type PhaseName = 'membership' | 'planning' | 'sending' | 'importing' | 'removing';

export interface Phase {
  name: PhaseName;
  /** What the phase does, for a person: "reading the audience". */
  label: string;
  /** Running now (false: finished). */
  active: boolean;
  done: number;
  /** Null while unknown (the rows of a file being read: its bytes give `fraction`). */
  total: number | null;
  /** What `done` counts, and what happened to them: "rows" "read". */
  unit: string;
  verb: string;
  /** Share done (0..1), null when nothing tells. */
  fraction: number | null;
  /** More, in a few words: "3.1 of 5.2 MB", "12 pages", "3 of 8 import jobs complete". */
  detail?: string;
}

const STEP_ORDER: SyncStep[] = [
  'validating_credential',
  'locking_list',
  'ensuring_list',
  'verifying_membership',
  'planning',
  'upserting',
  'reconciling',
  'reporting',
  'done',
];

/** At or past `step` (a list created after planning is `ensuring_list` again, before `upserting`). */
function reached(status: SyncStatus, step: SyncStep): boolean {
  return STEP_ORDER.indexOf(status.step) >= STEP_ORDER.indexOf(step);
}

const count = (n: number) => n.toLocaleString('en-US');

function megabytes(bytes: number): string {
  const mb = bytes / 1_000_000;
  return mb >= 10 ? mb.toFixed(0) : mb.toFixed(1);
}

function phase(name: PhaseName, active: boolean, done: number, total: number | null, extra: Partial<Phase> = {}): Phase {
  const [label, unit, verb] = LABELS[name];
  const fraction = total === null ? null : total > 0 ? Math.min(1, done / total) : 1;
  return { name, label, active, done: total === null ? done : Math.min(done, total), total, unit, verb, fraction, ...extra };
}

const LABELS: Record<PhaseName, [label: string, unit: string, verb: string]> = {
  membership: ["reading the list's members (drift check)", 'members', 'read'],
  planning: ['reading the audience', 'rows', 'read'],
  sending: ['sending profiles', 'profiles', 'sent'],
  importing: ["Klaviyo's import jobs", 'profiles', 'processed'],
  removing: ['removing members not in the audience', 'members', 'removed'],
};

function membershipPhase(status: SyncStatus, live: LiveProgress): Phase | undefined {
  const m = live.membership;
  if (status.step === 'verifying_membership' && m) {
    return phase('membership', true, m.read, m.listSize ?? null, { detail: `${count(m.pages ?? 0)} pages` });
  }
  const check = status.membershipCheck;
  return check ? phase('membership', false, check.listed, check.listed) : undefined;
}

function planningPhase(status: SyncStatus, live: LiveProgress): Phase | undefined {
  const c = status.counts;
  if (status.step === 'planning') {
    const p = live.planning ?? { rows: 0 };
    const bytes = p.bytesTotal ? { fraction: Math.min(1, (p.bytesRead ?? 0) / p.bytesTotal), detail: `${megabytes(p.bytesRead ?? 0)} of ${megabytes(p.bytesTotal)} MB` } : {};
    return phase('planning', true, p.rows, null, bytes);
  }
  return c.rowsRead > 0 ? phase('planning', false, c.rowsRead, c.rowsRead) : undefined;
}

function sum(batches: UpsertBeat[], key: keyof UpsertBeat): number {
  return batches.reduce((n, b) => n + (b[key] ?? 0), 0);
}

/** Sending and Klaviyo's processing overlap: each batch submits its jobs, then waits for them. */
function upsertPhases(status: SyncStatus, live: LiveProgress): Phase[] {
  const c = status.counts;
  if (status.dryRun || c.toSend === 0 || !reached(status, 'upserting')) return [];
  const upserting = status.step === 'upserting';
  const batches = upserting ? live.batches : [];
  // Finished batches are in the workflow's counts; batches in flight in their heartbeats.
  const sent = c.profilesSent + sum(batches, 'submitted');
  const processed = c.profilesSent + sum(batches, 'processed');
  const jobsSubmitted = c.importJobs + sum(batches, 'jobsSubmitted');
  const jobsComplete = c.importJobs + sum(batches, 'jobsComplete');
  return [
    phase('sending', upserting && sent < c.toSend, sent, c.toSend, { detail: `batches ${count(c.batchesDone)} of ${count(c.batchesTotal)} done` }),
    phase('importing', upserting && processed < c.toSend, processed, c.toSend, {
      detail: `${count(jobsComplete)} of ${count(jobsSubmitted)} import jobs complete`,
    }),
  ];
}

function removingPhase(status: SyncStatus, live: LiveProgress): Phase | undefined {
  const c = status.counts;
  if (status.dryRun || c.toRemove === 0 || !reached(status, 'reconciling')) return undefined;
  const active = status.step === 'reconciling';
  const r = active ? live.removal : undefined;
  // Members sent since the last membership read are looked up by e-mail first: that moves before the removals do.
  const detail = r?.lookedUp ? { detail: `${count(r.lookedUp)} looked up by e-mail` } : {};
  return phase('removing', active, r ? r.removed + r.gone : c.removed, c.toRemove, detail);
}

/** The run's phases that have started, in the order they run. */
export function runPhases(status: SyncStatus, live: LiveProgress = NO_LIVE_PROGRESS): Phase[] {
  return [membershipPhase(status, live), planningPhase(status, live), ...upsertPhases(status, live), removingPhase(status, live)].filter(
    (p): p is Phase => p !== undefined,
  );
}

/** The phase a single progress bar follows: the first still running. */
export function currentPhase(phases: Phase[]): Phase | undefined {
  return phases.find((p) => p.active);
}
