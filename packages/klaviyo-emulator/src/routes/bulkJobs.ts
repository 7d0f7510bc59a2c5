/**
 * Bulk profile import jobs: create (whole-request validation, then asynchronous processing), read a job,
 * its import errors, and the profiles it produced.
 */
import { conditionValues, parseFilter } from '../filter';
import { ApiError, type ErrorEntry, identifiers, iso, notFound, relationship } from '../jsonapi';
import { hasIdentifier } from '../profileRules';
import { jsonBytesOver } from '../jsonSize';
import { requestBodyIssues } from '../specValidation';
import type { ApiRoute, RequestContext } from '../router';
import type { ImportJob, SubmittedProfile } from '../store';
import { profileResource, sparseFields } from '../profileRules';
import { pagedReply, rejectUnsupported } from './common';

const TEMPLATE = '/api/profile-bulk-import-jobs';
export const MAX_PROFILES_PER_JOB = 10_000;
export const MAX_JOB_BYTES = 5 * 1024 * 1024;
/** "The maximum allowed payload size per-profile is 100KB" (spec description); measured on the profile's JSON. */
export const MAX_PROFILE_BYTES = 100 * 1024;
const PROFILE_POINTER = /^\/data\/attributes\/profiles\/data\/(\d+)(\/|$)/;

interface JobBody {
  data: {
    attributes: { profiles: { data: SubmittedProfile[] } };
    relationships?: { lists?: { data?: { id: string }[] } };
  };
}

function jobResource(job: ImportJob, baseUrl: string): Record<string, unknown> {
  const path = `${TEMPLATE}/${job.id}`;
  const expires = job.created + 7 * 86_400_000;
  return {
    type: 'profile-bulk-import-job',
    id: job.id,
    attributes: {
      status: job.status,
      created_at: iso(job.created),
      total_count: job.totalCount,
      completed_count: job.completedCount,
      failed_count: job.failedCount,
      completed_at: iso(job.completed),
      expires_at: iso(expires),
      started_at: iso(job.started),
    },
    relationships: {
      lists: { data: identifiers('list', job.listIds), ...relationship(baseUrl, path, 'lists') },
      profiles: relationship(baseUrl, path, 'profiles'),
      'import-errors': { links: { related: `${baseUrl}${path}/import-errors/` } },
    },
    links: { self: `${baseUrl}${path}/` },
  };
}

/**
 * Whole-request validation, all-or-nothing as in Klaviyo: size and count limits, the spec's schema
 * (one error per offending profile, pointing into it), and profiles without any identifier.
 */
function requestErrors(ctx: RequestContext): ErrorEntry[] {
  if (ctx.bodyBytes >= MAX_JOB_BYTES) {
    return [{ code: 'invalid', title: 'Invalid input.', detail: `The request body must be smaller than 5 MB (got ${ctx.bodyBytes} bytes).`, source: { pointer: '/data' } }];
  }
  const errors: ErrorEntry[] = [];
  const seenProfiles = new Set<string>();
  for (const issue of requestBodyIssues('POST', TEMPLATE, ctx.body)) {
    const index = PROFILE_POINTER.exec(issue.pointer ?? '')?.[1];
    if (index !== undefined && seenProfiles.has(index)) continue;
    if (index !== undefined) seenProfiles.add(index);
    errors.push({ code: 'invalid', title: 'Invalid input.', detail: issue.message, source: { pointer: issue.pointer } });
  }
  if (errors.length > 0) return errors;
  const profiles = (ctx.body as JobBody).data.attributes.profiles.data;
  if (profiles.length > MAX_PROFILES_PER_JOB) {
    return [{ code: 'invalid', title: 'Invalid input.', detail: `A bulk import job accepts at most ${MAX_PROFILES_PER_JOB} profiles (got ${profiles.length}).`, source: { pointer: '/data/attributes/profiles/data' } }];
  }
  if (profiles.length === 0) {
    return [{ code: 'invalid', title: 'Invalid input.', detail: 'At least one profile is required.', source: { pointer: '/data/attributes/profiles/data' } }];
  }
  profiles.forEach((p, i) => {
    const bytes = jsonBytesOver(p, MAX_PROFILE_BYTES);
    if (bytes !== undefined) {
      errors.push({
        code: 'invalid',
        title: 'Invalid input.',
        detail: `A profile must be at most 100KB (this one is ${bytes} bytes).`,
        source: { pointer: `/data/attributes/profiles/data/${i}` },
      });
    } else if (!p.id && !hasIdentifier(p.attributes)) {
      errors.push({
        code: 'invalid',
        title: 'Invalid input.',
        detail: 'A profile requires at least one identifier: email, phone_number or external_id.',
        source: { pointer: `/data/attributes/profiles/data/${i}/attributes/email` },
      });
    }
  });
  return errors;
}

function requireJob(ctx: RequestContext): ImportJob {
  const job = ctx.account.jobs.get(ctx.params.id ?? ctx.params.job_id!);
  if (!job) throw notFound(`A bulk import job with id ${ctx.params.id ?? ctx.params.job_id} does not exist.`);
  return job;
}

/** The job list's `sort`: creation order, oldest (`created_at`, the default) or newest (`-created_at`) first. */
function sortOrder(ctx: RequestContext): string {
  const sort = ctx.query.get('sort') ?? 'created_at';
  if (sort !== 'created_at' && sort !== '-created_at') {
    throw new ApiError(400, [{ code: 'invalid', title: 'Invalid input.', detail: `'${sort}' is not a valid sort for this endpoint.`, source: { parameter: 'sort' } }]);
  }
  return sort;
}

/** Rows with their position, so job sub-collections page by index. */
function indexed<T>(items: readonly T[]): [number, T][] {
  return items.map((t, i) => [i, t]);
}

export const bulkJobRoutes: ApiRoute[] = [
  {
    method: 'POST',
    template: TEMPLATE,
    skipBodyValidation: true,
    handle(ctx) {
      const errors = requestErrors(ctx);
      if (errors.length > 0) throw new ApiError(400, errors);
      const body = ctx.body as JobBody;
      const listIds = (body.data.relationships?.lists?.data ?? []).map((l) => l.id);
      const missing = listIds.find((id) => !ctx.account.lists.has(id));
      if (missing) throw notFound(`A list with id ${missing} does not exist.`);
      const stuck = ctx.faults.takeStuckJob(`POST ${ctx.req.url ?? TEMPLATE}`);
      const job = ctx.jobs.submit(ctx.account, body.data.attributes.profiles.data, listIds, stuck);
      return { status: 202, body: { data: jobResource(job, ctx.baseUrl), links: { self: `${ctx.baseUrl}${TEMPLATE}/` } } };
    },
  },
  {
    method: 'GET',
    template: TEMPLATE,
    handle(ctx) {
      const conditions = parseFilter(ctx.query.get('filter'), { status: ['equals', 'any'] });
      const jobs = indexed([...ctx.account.jobs.values()]).filter(([, j]) => !conditions || conditions.every((c) => conditionValues(c).includes(j.status)));
      // Jobs are held in creation order: `-created_at` pages from the newest.
      const newestFirst = sortOrder(ctx) === '-created_at';
      return pagedReply(ctx, newestFirst ? jobs.reverse() : jobs, ([i]) => (newestFirst ? -i : i), 20, ([, j]) => jobResource(j, ctx.baseUrl));
    },
  },
  {
    method: 'GET',
    template: `${TEMPLATE}/{job_id}`,
    handle(ctx) {
      rejectUnsupported(ctx, ['include']);
      return { status: 200, body: { data: jobResource(requireJob(ctx), ctx.baseUrl), links: { self: ctx.selfUrl } } };
    },
  },
  {
    method: 'GET',
    template: `${TEMPLATE}/{id}/import-errors`,
    handle(ctx) {
      const job = requireJob(ctx);
      return pagedReply(ctx, indexed(job.errors), ([i]) => i, 20, ([, e]) => ({
        type: 'import-error',
        id: e.id,
        attributes: { code: e.error.code, title: e.error.title, detail: e.error.detail, source: { pointer: e.error.source?.pointer ?? null }, original_payload: e.originalPayload },
      }));
    },
  },
  {
    method: 'GET',
    template: `${TEMPLATE}/{id}/profiles`,
    handle(ctx) {
      rejectUnsupported(ctx, ['additional-fields[profile]']);
      const job = requireJob(ctx);
      const fields = sparseFields(ctx.query, 'profile');
      return pagedReply(ctx, indexed(job.profileIds), ([i]) => i, 20, ([, id]) => profileResource(ctx.account.profiles.get(id)!, ctx.baseUrl, { fields }));
    },
  },
  {
    method: 'GET',
    template: `${TEMPLATE}/{id}/relationships/profiles`,
    handle(ctx) {
      const job = requireJob(ctx);
      return pagedReply(ctx, indexed(job.profileIds), ([i]) => i, 20, ([, id]) => ({ type: 'profile', id }));
    },
  },
];
