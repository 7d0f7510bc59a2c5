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
  membershipRead: false,
  removals: 0,
  removeMissing: true,
  createList: true,
  pollsPerJob: 3,
  expectedImportErrors: 0,
  sftpCsvBytes: 12_500_000,
  uploadMbitPerSecond: 10,
};

/** Calls to one endpoint over all phases (the key check and the lookups both use GET /api/profiles, say). */
const calls = (e: { endpoints: { endpoint: string; calls: number }[] }, endpoint: string) =>
  e.endpoints.filter((x) => x.endpoint === endpoint).reduce((n, x) => n + x.calls, 0);

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
  it('counts calls per endpoint for a first sync of 100,000 profiles in 10 jobs into a new list: no membership read', () => {
    const e = estimateSync(base);
    expect(calls(e, 'POST /api/profile-bulk-import-jobs')).toBe(10);
    expect(calls(e, 'GET /api/profile-bulk-import-jobs')).toBe(30);
    // Import errors are read only from jobs that report failures.
    expect(calls(e, 'GET /api/profile-bulk-import-jobs/{id}/import-errors')).toBe(0);
    expect(calls(e, 'GET /api/lists/{id}/profiles')).toBe(0);
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(0);
    expect(calls(e, 'POST /api/lists')).toBe(1);
    // The workflow's own calls: key check (1 list, 1 profile), the account id, find by name, count lists
    // and segments before creating, and one list read after sending (is it still there?).
    expect(calls(e, 'GET /api/lists')).toBe(3);
    expect(calls(e, 'GET /api/profiles')).toBe(1);
    expect(calls(e, 'GET /api/accounts')).toBe(1);
    expect(calls(e, 'GET /api/segments')).toBe(1);
    expect(calls(e, 'GET /api/lists/{id}')).toBe(1);
    expect(e.totalCalls).toBe(10 + 30 + 1 + 3 + 1 + 1 + 1 + 1);
  });

  it('reads the whole list only for the drift check, on tier L, before the upsert', () => {
    const e = estimateSync({ ...base, createList: false, listMembersBefore: 120_000, membershipRead: true });
    const reads = e.endpoints.filter((x) => x.endpoint === 'GET /api/lists/{id}/profiles');
    expect(reads.map((x) => [x.phase, x.calls])).toEqual([['read list', 1200]]);
    expect(e.phaseSeconds['read list']).toBeCloseTo((1200 * 60) / 700, 6);
    expect(calls(estimateSync({ ...base, createList: false, listMembersBefore: 120_000 }), 'GET /api/lists/{id}/profiles')).toBe(0);
    expect(calls(e, 'GET /api/segments')).toBe(0);
    expect(calls(e, 'GET /api/lists')).toBe(2);
  });

  it('bounds each phase by its slowest endpoint and adds the phases', () => {
    const e = estimateSync(base);
    // upsert: 30 polls on M (150/min) = 12 s is the slowest of 10/30 calls on M and 1 on L.
    expect(e.phaseSeconds.upsert).toBeCloseTo(12, 6);
    expect(e.phaseSeconds['read list']).toBe(0);
    // setup: the account id on XS (1/s, 15/min) = 4 s outweighs 1 POST list on M (0.4 s) and the L reads.
    expect(e.phaseSeconds.setup).toBeCloseTo(4, 6);
    expect(e.minimumSeconds).toBeCloseTo(4 + 12, 6);
  });

  it('prices a 1% refresh by what it sends and removes, not by the list size', () => {
    const e = estimateSync({ ...base, bulkJobs: 1, profiles: 6_700, createList: false, listMembersBefore: 1_000_000, removals: 3_300 });
    expect(calls(e, 'POST /api/profile-bulk-import-jobs')).toBe(1);
    expect(calls(e, 'GET /api/lists/{id}/profiles')).toBe(0);
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(4);
    expect(e.minimumSeconds).toBeLessThan(10);
  });

  it('counts removals at 1000 per call', () => {
    const e = estimateSync({ ...base, createList: false, listMembersBefore: 120_000, removals: 30_000 });
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(30);
    expect(e.phaseSeconds.remove).toBeCloseTo((30 * 60) / 150, 6);
    expect(calls(e, 'POST /api/lists')).toBe(0);
  });

  it('skips removing with --no-remove', () => {
    const e = estimateSync({ ...base, removeMissing: false, removals: 500 });
    expect(calls(e, 'DELETE /api/lists/{id}/relationships/profiles')).toBe(0);
  });

  it('reads import-error pages when Klaviyo rejects profiles', () => {
    const e = estimateSync({ ...base, expectedImportErrors: 2500 });
    expect(calls(e, 'GET /api/profile-bulk-import-jobs/{id}/import-errors')).toBe(25);
  });

  it('prices the SFTP alternative as upload time plus list membership through the API', () => {
    const e = estimateSync(base);
    expect(e.sftp.uploadSeconds).toBeCloseTo(10, 6); // 12.5 MB * 8 / 10 Mbit/s
    expect(calls(e.sftp, 'GET /api/profiles')).toBe(1 + 1000); // key check + lookups
    expect(calls(e.sftp, 'GET /api/lists/{id}')).toBe(0); // nothing sent in bulk jobs: no list check after them
    expect(calls(e.sftp, 'POST /api/lists/{id}/relationships/profiles')).toBe(100);
    expect(calls(e.sftp, 'POST /api/profile-bulk-import-jobs')).toBe(0);
    // setup 4 s (the account id on XS); upsert: 1000 lookups on L (85.7 s) vs 100 adds on M (40 s).
    expect(e.sftp.minimumSeconds).toBeCloseTo(10 + 4 + (1000 * 60) / 700, 6);
  });
});
