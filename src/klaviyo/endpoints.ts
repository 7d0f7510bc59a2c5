/**
 * Every Klaviyo operation the client calls: method, path template, rate-limit tier and scopes, copied from
 * the vendored OpenAPI spec (the revision pinned in apiVersion.ts). test/klaviyo/endpoints.test.ts checks this table against
 * the spec's `x-klaviyo-ratelimit` / `x-klaviyo-scopes`, so drift fails loudly.
 */

export type HttpMethod = 'GET' | 'POST' | 'PATCH' | 'DELETE';

/** Allowed calls per 1 s (burst), per 60 s (steady) and, for a few operations, per day. */
export interface RateLimitTier {
  burst: number;
  steady: number;
  daily?: number;
}

export interface Operation {
  /** The spec's operationId; also the rate-limit bucket name (Klaviyo limits each endpoint separately). */
  id: string;
  method: HttpMethod;
  /** Spec path template, e.g. `/api/lists/{id}`. */
  path: string;
  limit: RateLimitTier;
  scopes: string[];
  /**
   * False when repeating the request after an ambiguous failure (5xx, reset, timeout) could do something twice
   * (a second list with the same name). Such requests are retried in-client only on 429, which Klaviyo
   * answers before doing anything; the caller (ensure-list: find, then create) handles the rest.
   */
  idempotent: boolean;
}

export const TIERS = {
  XS: { burst: 1, steady: 15 },
  S: { burst: 3, steady: 60 },
  M: { burst: 10, steady: 150 },
  L: { burst: 75, steady: 750 },
  XL: { burst: 350, steady: 3500 },
} as const satisfies Record<string, RateLimitTier>;

const LISTS_READ = ['lists:read'];
const LISTS_WRITE = ['lists:write'];
const PROFILES_READ = ['profiles:read'];
const LISTS_PROFILES_READ = ['lists:read', 'profiles:read'];
const LISTS_PROFILES_WRITE = ['lists:write', 'profiles:write'];

function op(
  id: string,
  method: HttpMethod,
  path: string,
  limit: RateLimitTier,
  scopes: string[],
  idempotent = true,
): Operation {
  return { id, method, path, limit, scopes, idempotent };
}

export const OPERATIONS = {
  getAccounts: op('get_accounts', 'GET', '/api/accounts', TIERS.XS, ['accounts:read']),
  getLists: op('get_lists', 'GET', '/api/lists', TIERS.L, LISTS_READ),
  createList: op('create_list', 'POST', '/api/lists', { ...TIERS.M, daily: 150 }, LISTS_WRITE, false),
  getList: op('get_list', 'GET', '/api/lists/{id}', TIERS.L, LISTS_READ),
  /** `additional-fields[list]=profile_count` moves GET list to its own, much slower bucket (spec description). */
  getListWithProfileCount: op('get_list:profile_count', 'GET', '/api/lists/{id}', TIERS.XS, LISTS_READ),
  getListProfiles: op('get_profiles_for_list', 'GET', '/api/lists/{id}/profiles', TIERS.L, LISTS_PROFILES_READ),
  addProfilesToList: op(
    'add_profiles_to_list',
    'POST',
    '/api/lists/{id}/relationships/profiles',
    TIERS.M,
    LISTS_PROFILES_WRITE,
  ),
  removeProfilesFromList: op(
    'remove_profiles_from_list',
    'DELETE',
    '/api/lists/{id}/relationships/profiles',
    TIERS.M,
    LISTS_PROFILES_WRITE,
  ),
  getSegments: op('get_segments', 'GET', '/api/segments', TIERS.L, ['segments:read']),
  getProfiles: op('get_profiles', 'GET', '/api/profiles', TIERS.L, PROFILES_READ),
  createBulkImportJob: op(
    'bulk_import_profiles',
    'POST',
    '/api/profile-bulk-import-jobs',
    TIERS.M,
    LISTS_PROFILES_WRITE,
  ),
  getBulkImportJobs: op('get_bulk_import_profiles_jobs', 'GET', '/api/profile-bulk-import-jobs', TIERS.M, LISTS_PROFILES_READ),
  getBulkImportJob: op(
    'get_bulk_import_profiles_job',
    'GET',
    '/api/profile-bulk-import-jobs/{job_id}',
    TIERS.M,
    LISTS_PROFILES_READ,
  ),
  getBulkImportErrors: op(
    'get_errors_for_bulk_import_profiles_job',
    'GET',
    '/api/profile-bulk-import-jobs/{id}/import-errors',
    TIERS.M,
    PROFILES_READ,
  ),
  getBulkImportProfileIds: op(
    'get_profile_ids_for_bulk_import_profiles_job',
    'GET',
    '/api/profile-bulk-import-jobs/{id}/relationships/profiles',
    TIERS.M,
    PROFILES_READ,
  ),
} as const satisfies Record<string, Operation>;

export type OperationName = keyof typeof OPERATIONS;

/** "METHOD /path/template", the form used in errors, metrics and the emulator's stats. */
export function endpointName(operation: Operation): string {
  return `${operation.method} ${operation.path}`;
}

/** Fills `{param}` placeholders, URL-encoding each value (ids come from Klaviyo, but never trust them blindly). */
export function fillPath(template: string, params: Record<string, string>): string {
  return template.replace(/\{(\w+)\}/g, (_, name: string) => {
    const value = params[name];
    if (value === undefined || value === '') throw new Error(`path parameter ${name} missing for ${template}`);
    return encodeURIComponent(value);
  });
}
