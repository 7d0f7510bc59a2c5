/**
 * The arithmetic behind `estimate`: how many Klaviyo calls a sync makes per endpoint and the least time
 * they can take at the account's rate limits. Pure (no I/O) so its figures can be tested exactly.
 *
 * Model (stated to the operator in the output):
 * - Klaviyo limits each endpoint separately, with a 1 s burst window and a 60 s steady window; the
 *   sustained rate of an endpoint is min(burst/s, steady/60 s). Tier L is budgeted at 700/min (Klaviyo's
 *   docs page; the spec says 750) as API-FACTS recommends.
 * - The sync's phases run one after another (setup, the drift check's membership read when there is one,
 *   upsert, remove); within a phase the endpoints interleave, so a phase takes as long as its slowest endpoint.
 * - Syncs are incremental: a run sends only new and changed rows (`profiles`), removes members by their
 *   stored profile ids, and reads the list's membership only for the drift check (`membershipRead`).
 * - Klaviyo's own processing time for bulk import jobs is not included: only the rate-limit floor.
 */
import { endpointName, OPERATIONS, TIERS, type Operation, type RateLimitTier } from '../klaviyo/endpoints';

/** API-FACTS §3: budget tier L at the docs' 700/min rather than the spec's 750/min. */
export const L_STEADY_BUDGET = 700;
export const LIST_MEMBER_PAGE_SIZE = 100;
export const REMOVALS_PER_CALL = 1000;
export const IMPORT_ERRORS_PAGE_SIZE = 100;
export const PROFILE_LOOKUPS_PER_CALL = 100;
export const LIST_ADDS_PER_CALL = 1000;

export interface EstimateInput {
  /** Bulk import jobs the plan splits the audience into (≤ 10,000 profiles and < 5 MB each). */
  bulkJobs: number;
  /** Profiles sent: e-mails new to the list and members whose row changed (a first sync: every valid e-mail). */
  profiles: number;
  /** List members before the sync (0 for a new list). */
  listMembersBefore: number;
  /** The run reads the list's membership in full (the drift check: no stored state, asked for, or due). */
  membershipRead: boolean;
  /** Members the reconcile step removes. */
  removals: number;
  removeMissing: boolean;
  /** Whether the list must be created. */
  createList: boolean;
  /** Status reads per bulk import job while Klaviyo processes it (assumption; default 3). */
  pollsPerJob: number;
  /** Profiles Klaviyo itself rejects, read back from import-errors (locally rejected rows are never sent). */
  expectedImportErrors: number;
  /** Size of the SFTP CSV, and the operator's upload speed, for the SFTP alternative. */
  sftpCsvBytes: number;
  uploadMbitPerSecond: number;
}

export interface EndpointCalls {
  endpoint: string;
  purpose: string;
  phase: Phase;
  calls: number;
  /** Limits used (tier L budgeted at 700/min). */
  limit: RateLimitTier;
  /** Least seconds these calls take at the limit. */
  seconds: number;
}

export type Phase = 'setup' | 'read list' | 'upsert' | 'remove';
const PHASES: Phase[] = ['setup', 'read list', 'upsert', 'remove'];

export interface SyncEstimate {
  endpoints: EndpointCalls[];
  totalCalls: number;
  phaseSeconds: Record<Phase, number>;
  /** Least wall time at the rate limits, excluding Klaviyo's job processing time. */
  minimumSeconds: number;
  sftp: SftpEstimate;
}

export interface SftpEstimate {
  uploadSeconds: number;
  /** API calls still needed to put the imported profiles on the list (SFTP import does not set membership). */
  endpoints: EndpointCalls[];
  minimumSeconds: number;
}

/** The limits the estimate budgets for: tier L's steady window at 700/min. */
export function budgetedLimit(limit: RateLimitTier): RateLimitTier {
  return limit.steady === TIERS.L.steady && limit.burst === TIERS.L.burst ? { ...limit, steady: L_STEADY_BUDGET } : limit;
}

/** Least seconds for `calls` calls on one endpoint: bounded by both the burst and the steady window. */
export function secondsAtLimit(calls: number, limit: RateLimitTier): number {
  if (calls <= 0) return 0;
  return Math.max(calls / limit.burst, (calls * 60) / limit.steady);
}

function line(op: Operation, purpose: string, phase: Phase, calls: number): EndpointCalls {
  const limit = budgetedLimit(op.limit);
  return { endpoint: endpointName(op), purpose, phase, calls, limit, seconds: secondsAtLimit(calls, limit) };
}

/** Same endpoint used for two purposes (e.g. GET /api/lists for key check and lookup) shares one bucket. */
function mergeSameEndpoint(lines: EndpointCalls[]): EndpointCalls[] {
  const byKey = new Map<string, EndpointCalls>();
  for (const l of lines) {
    if (l.calls <= 0) continue;
    const key = `${l.phase} ${l.endpoint}`;
    const prev = byKey.get(key);
    if (!prev) byKey.set(key, { ...l });
    else {
      prev.calls += l.calls;
      prev.purpose = `${prev.purpose}; ${l.purpose}`;
      prev.seconds = secondsAtLimit(prev.calls, prev.limit);
    }
  }
  return [...byKey.values()];
}

export function estimateSync(input: EstimateInput): SyncEstimate {
  const endpoints = apiEndpoints(input);
  const phaseSeconds = phaseFloor(endpoints);
  return {
    endpoints,
    totalCalls: endpoints.reduce((n, e) => n + e.calls, 0),
    phaseSeconds,
    minimumSeconds: PHASES.reduce((s, p) => s + phaseSeconds[p], 0),
    sftp: estimateSftp(input),
  };
}

function apiEndpoints(input: EstimateInput): EndpointCalls[] {
  const jobs = Math.max(0, input.bulkJobs);
  // Import errors are read only from jobs that report failures.
  const importErrorPages = jobs === 0 ? 0 : Math.ceil(input.expectedImportErrors / IMPORT_ERRORS_PAGE_SIZE);
  const memberPages = input.membershipRead ? Math.max(1, Math.ceil(input.listMembersBefore / LIST_MEMBER_PAGE_SIZE)) : 0;
  const removalCalls = input.removeMissing ? Math.ceil(input.removals / REMOVALS_PER_CALL) : 0;

  const creating = input.createList ? 1 : 0;
  return mergeSameEndpoint([
    // The same calls the workflow makes (src/activities/lists.ts): the key check reads one list and one
    // profile; the account id keys the stored state (read once per key and worker); the list is found by
    // exact name (one page in the usual case); before creating it the lists and segments are counted
    // against Klaviyo's 1000 cap (one page each assumed).
    line(OPERATIONS.getLists, `key check; find the list by name${creating ? '; count lists before creating' : ''}`, 'setup', 2 + creating),
    line(OPERATIONS.getProfiles, 'key check', 'setup', 1),
    line(OPERATIONS.getAccounts, 'account id (keys the stored state)', 'setup', 1),
    line(OPERATIONS.getSegments, 'count segments before creating the list', 'setup', creating),
    line(OPERATIONS.createList, 'create the list', 'setup', creating),
    line(OPERATIONS.getListProfiles, `list member pages for the drift check (${LIST_MEMBER_PAGE_SIZE} per page)`, 'read list', memberPages),
    line(OPERATIONS.createBulkImportJob, 'bulk import jobs (≤ 10,000 profiles each)', 'upsert', jobs),
    // At most: jobs in flight together share a look (one call for the account's newest jobs).
    line(OPERATIONS.getBulkImportJobs, `job status looks (${input.pollsPerJob} per job at most)`, 'upsert', jobs * input.pollsPerJob),
    line(OPERATIONS.getBulkImportErrors, 'import-error pages (jobs that report failures)', 'upsert', importErrorPages),
    line(OPERATIONS.getList, 'the list is still there after sending', 'upsert', jobs > 0 ? 1 : 0),
    line(OPERATIONS.removeProfilesFromList, `removals by stored profile id (${REMOVALS_PER_CALL} per call)`, 'remove', removalCalls),
  ]);
}

function phaseFloor(endpoints: EndpointCalls[]): Record<Phase, number> {
  const out = { setup: 0, 'read list': 0, upsert: 0, remove: 0 } as Record<Phase, number>;
  for (const e of endpoints) out[e.phase] = Math.max(out[e.phase], e.seconds);
  return out;
}

/**
 * SFTP alternative. Assumptions: the CSV uploads at the given speed; Klaviyo publishes no ingestion rate,
 * so ingestion time is not counted; SFTP import creates/updates profiles but does not add them to a list,
 * so membership still needs the API: look up profile ids by email (GET /api/profiles, 100 emails per
 * call) and add them (POST list relationships, 1000 per call); removals are the same as the API path.
 */
export function estimateSftp(input: EstimateInput): SftpEstimate {
  const uploadSeconds = input.uploadMbitPerSecond > 0 ? (input.sftpCsvBytes * 8) / (input.uploadMbitPerSecond * 1e6) : 0;
  const lookups = Math.ceil(input.profiles / PROFILE_LOOKUPS_PER_CALL);
  const adds = Math.ceil(input.profiles / LIST_ADDS_PER_CALL);
  const api = apiEndpoints({ ...input, bulkJobs: 0 });
  const endpoints = mergeSameEndpoint([
    ...api.filter((e) => e.phase === 'setup'),
    line(OPERATIONS.getProfiles, `profile id lookups by email (${PROFILE_LOOKUPS_PER_CALL} per call)`, 'upsert', lookups),
    line(OPERATIONS.addProfilesToList, `add to list (${LIST_ADDS_PER_CALL} per call)`, 'upsert', adds),
    ...api.filter((e) => e.phase === 'read list' || e.phase === 'remove'),
  ]);
  const phases = phaseFloor(endpoints);
  return {
    uploadSeconds,
    endpoints,
    minimumSeconds: uploadSeconds + PHASES.reduce((s, p) => s + phases[p], 0),
  };
}
