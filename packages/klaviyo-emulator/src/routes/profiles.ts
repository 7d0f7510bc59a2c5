/** Profiles: list/filter, read one, create-or-update (profile-import), partial update (PATCH). */
import { conditionValues, parseFilter } from '../filter';
import { ApiError, notFound } from '../jsonapi';
import { profileResource, sparseFields } from '../profileRules';
import type { Profile } from '../profileStore';
import { upsertProfile, type UpsertInput } from '../profileUpsert';
import type { ApiRoute, Reply, RequestContext } from '../router';
import { pagedReply, rejectUnsupported } from './common';

const FILTERABLE = ['id', 'email', 'phone_number', 'external_id'] as const;

function lookup(ctx: RequestContext, field: (typeof FILTERABLE)[number], value: string): Profile | undefined {
  const profiles = ctx.account.profiles;
  if (field === 'id') return profiles.get(value);
  if (field === 'email') return profiles.byEmailAddress(value);
  return profiles.owners({ [field]: value })[0];
}

/** Sorted ids of the profiles matching every condition, or all profiles when there is no filter. */
function matchingIds(ctx: RequestContext): readonly string[] {
  const allowed = Object.fromEntries(FILTERABLE.map((f) => [f, ['equals', 'any']]));
  const conditions = parseFilter(ctx.query.get('filter'), allowed);
  if (!conditions) return ctx.account.profiles.ordered;
  let ids: Set<string> | undefined;
  for (const c of conditions) {
    const found = new Set(
      conditionValues(c)
        .map((v) => lookup(ctx, c.field as (typeof FILTERABLE)[number], v)?.id)
        .filter((id): id is string => id !== undefined),
    );
    ids = ids ? new Set([...ids].filter((id) => found.has(id))) : found;
  }
  return [...(ids ?? [])].sort();
}

function profileReply(ctx: RequestContext, status: number, profile: Profile): Reply {
  const data = profileResource(profile, ctx.baseUrl, { fields: sparseFields(ctx.query, 'profile') });
  return { status, body: { data, links: { self: ctx.selfUrl } } };
}

function upsertOrThrow(ctx: RequestContext, input: UpsertInput) {
  const outcome = upsertProfile(ctx.state, ctx.account, input, 'clear', '/data/attributes');
  if (!outcome.ok) throw new ApiError(outcome.status, [outcome.error]);
  return outcome;
}

export const profileRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/profiles',
    handle(ctx) {
      rejectUnsupported(ctx, ['sort', 'include', 'additional-fields[profile]']);
      const fields = sparseFields(ctx.query, 'profile');
      return pagedReply(ctx, matchingIds(ctx), (id) => id, 20, (id) => profileResource(ctx.account.profiles.get(id)!, ctx.baseUrl, { fields }));
    },
  },
  {
    method: 'GET',
    template: '/api/profiles/{id}',
    handle(ctx) {
      rejectUnsupported(ctx, ['include', 'additional-fields[profile]']);
      const profile = ctx.account.profiles.get(ctx.params.id!);
      if (!profile) throw notFound(`A profile with id ${ctx.params.id} does not exist.`);
      return profileReply(ctx, 200, profile);
    },
  },
  {
    method: 'POST',
    template: '/api/profile-import',
    handle(ctx) {
      rejectUnsupported(ctx, ['additional-fields[profile]']);
      const { profile, created } = upsertOrThrow(ctx, (ctx.body as { data: UpsertInput }).data);
      return profileReply(ctx, created ? 201 : 200, profile);
    },
  },
  {
    method: 'PATCH',
    template: '/api/profiles/{id}',
    handle(ctx) {
      rejectUnsupported(ctx, ['additional-fields[profile]']);
      const data = (ctx.body as { data: UpsertInput & { id: string } }).data;
      if (!ctx.account.profiles.get(ctx.params.id!)) throw notFound(`A profile with id ${ctx.params.id} does not exist.`);
      if (data.id !== ctx.params.id) {
        throw new ApiError(409, [{ code: 'conflict', title: 'Conflict.', detail: 'The id in the body does not match the id in the URL.', source: { pointer: '/data/id' } }]);
      }
      return profileReply(ctx, 200, upsertOrThrow(ctx, data).profile);
    },
  },
];
