import { describe, expect, it } from 'vitest';
import {
  budgetedLimit,
  estimateSync,
  secondsAtLimit,
  type EstimateInput,
} from '../../src/cli/estimateArithmetic';
import { TIERS } from '../../src/klaviyo/endpoints';

const base: EstimateInput = {
  bulkJobs: 10,
  profiles: 100_000,
  listMembersBefore: 0,
  removals: 0,
  removeMissing: true,
  createList: true,
  pollsPerJob: 3,
  expectedImportErrors: 0,
  sftpCsvBytes: 12_500_000,
  uploadMbitPerSecond: 10,
};

const calls = (e: { endpoints: { endpoint: string; calls: number }[] }, endpoint: string) =>
  e.endpoints.find((x) => x.endpoint === endpoint)?.calls ?? 0;

describe('rate-limit arithmetic', () => {
  it('budgets tier L at 700/min and leaves other tiers as the spec says', () => {
    expect(budgetedLimit(TIERS.L)).toEqual({ burst: 75, steady: 700 });
    expect(budgetedLimit(TIERS.M)).toEqual(TIERS.M);
  });

  it('takes the slower of the burst and the steady window', () => {
    // M: 10/s burst, 150/min steady -> steady binds: 150 calls need 60 s.
    expect(secondsAtLimit(150, TIERS.M)).toBe(60);
    // A tier whose burst binds: 10 calls at 1/s with 6000/min steady -> 10 s.
    expect(secondsAtLimit(10, { burst: 1, steady: 6000 })).toBe(10);
    expect(secondsAtLimit(0, TIERS.M)).toBe(0);
  });
});

describe('estimateSync', () => {
  it('counts calls per endpoint for a new list of 100,000 profiles in 10 jobs', () => {
    const e = estimateSync(base);
    expect(calls(e, 'POST /api/profile-bulk-import-jobs')).toBe(10);
    expect(calls(e, 'GET /api/profile-bulk-import-jobs/{job_id}')).toBe(30);
    expect(calls(e, 'GET /api/profile-bulk-import-jobs/{id}/import-errors')).toBe(10);
    expect(calls(e, 'GET /api/lists/{id}/profiles')).toBe(1000); // 100,000 members / 100 per page
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(0);
    expect(calls(e, 'POST /api/lists')).toBe(1);
    expect(calls(e, 'GET /api/lists')).toBe(2);
    expect(e.totalCalls).toBe(10 + 30 + 10 + 1000 + 1 + 2);
  });

  it('bounds each phase by its slowest endpoint and adds the phases', () => {
    const e = estimateSync(base);
    // upsert: 30 polls on M (150/min) = 12 s is the slowest of 10/30/10 calls on M.
    expect(e.phaseSeconds.upsert).toBeCloseTo(12, 6);
    // read list: 1000 pages on L budgeted at 700/min = 85.714 s.
    expect(e.phaseSeconds['read list']).toBeCloseTo((1000 * 60) / 700, 6);
    // setup: 2 GET lists (L) vs 1 POST list (M: 0.4 s) -> 0.4 s.
    expect(e.phaseSeconds.setup).toBeCloseTo(0.4, 6);
    expect(e.minimumSeconds).toBeCloseTo(0.4 + 12 + (1000 * 60) / 700, 6);
  });

  it('counts removals at 1000 per call and reads the whole list after the upsert', () => {
    const e = estimateSync({ ...base, createList: false, listMembersBefore: 120_000, removals: 30_000 });
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(30);
    // 90,000 members overlap the audience, 10,000 are new: 130,000 members -> 1300 pages.
    expect(calls(e, 'GET /api/lists/{id}/profiles')).toBe(1300);
    expect(e.phaseSeconds.remove).toBeCloseTo((30 * 60) / 150, 6);
    expect(calls(e, 'POST /api/lists')).toBe(0);
  });

  it('skips reading and removing with --no-remove', () => {
    const e = estimateSync({ ...base, removeMissing: false, removals: 500 });
    expect(calls(e, 'GET /api/lists/{id}/profiles')).toBe(0);
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(0);
  });

  it('reads more import-error pages when Klaviyo rejects many profiles', () => {
    const e = estimateSync({ ...base, expectedImportErrors: 2500 });
    expect(calls(e, 'GET /api/profile-bulk-import-jobs/{id}/import-errors')).toBe(25);
  });

  it('prices the SFTP alternative as upload time plus list membership through the API', () => {
    const e = estimateSync(base);
    expect(e.sftp.uploadSeconds).toBeCloseTo(10, 6); // 12.5 MB * 8 / 10 Mbit/s
    expect(calls(e.sftp, 'GET /api/profiles')).toBe(1000);
    expect(calls(e.sftp, 'POST /api/lists/{id}/relationships/profiles')).toBe(100);
    expect(calls(e.sftp, 'POST /api/profile-bulk-import-jobs')).toBe(0);
    // upsert phase: 1000 lookups on L (85.7 s) vs 100 adds on M (40 s); plus reading the list (85.7 s).
    expect(e.sftp.minimumSeconds).toBeCloseTo(10 + 0.4 + (1000 * 60) / 700 + (1000 * 60) / 700, 6);
  });
});
