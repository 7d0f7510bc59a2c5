/** List membership: read members (full or ids), add and remove members by profile id (<= 1000 per call). */
import { conditionValues, parseFilter } from '../filter';
import { identifiers, invalid, iso } from '../jsonapi';
import { profileResource, sparseFields } from '../profileRules';
import type { ApiRoute, Reply, RequestContext } from '../router';
import type { ListRecord } from '../store';
import { pageSize } from '../pagination';
import { pageReply, pagedReply, rejectUnsupported, requestedCursor, requireList } from './common';

const MAX_MEMBERS_PER_CALL = 1000;
const DEFAULT_PAGE = 20;

/** Members in id order, possibly narrowed by `equals/any(email, ...)`. */
function memberPage(ctx: RequestContext, list: ListRecord, render: (id: string) => unknown): Reply {
  rejectUnsupported(ctx, ['sort', 'additional-fields[profile]']);
  const conditions = parseFilter(ctx.query.get('filter'), { email: ['equals', 'any'] });
  if (!conditions) return pageReply(ctx, list.members.page(requestedCursor(ctx), pageSize(ctx.query, DEFAULT_PAGE)), render);
  let ids: string[] | undefined;
  for (const c of conditions) {
    const found = conditionValues(c)
      .map((email) => ctx.account.profiles.byEmailAddress(email)?.id)
      .filter((id): id is string => id !== undefined && list.members.has(id));
    ids = ids ? ids.filter((id) => found.includes(id)) : found;
  }
  return pagedReply(ctx, [...new Set(ids)].sort(), (id) => id, DEFAULT_PAGE, render);
}

/** Profile ids from a `{data:[{type:'profile', id}]}` body (shape already checked against the spec). */
function bodyIds(ctx: RequestContext): string[] {
  const data = (ctx.body as { data: { id: string }[] }).data;
  if (data.length > MAX_MEMBERS_PER_CALL) {
    throw invalid(`At most ${MAX_MEMBERS_PER_CALL} profiles can be added or removed per request (got ${data.length}).`, { pointer: '/data' });
  }
  return data.map((d) => d.id);
}

export const listMemberRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/lists/{id}/profiles',
    handle(ctx) {
      const list = requireList(ctx);
      const fields = sparseFields(ctx.query, 'profile');
      return memberPage(ctx, list, (id) => {
        const joined_group_at = iso(list.members.joinedAt(id) ?? Date.now());
        return profileResource(ctx.account.profiles.get(id)!, ctx.baseUrl, { fields, extra: { joined_group_at } });
      });
    },
  },
  {
    method: 'GET',
    template: '/api/lists/{id}/relationships/profiles',
    handle(ctx) {
      const list = requireList(ctx);
      return memberPage(ctx, list, (id) => identifiers('profile', [id])[0]);
    },
  },
  {
    method: 'POST',
    template: '/api/lists/{id}/relationships/profiles',
    handle(ctx) {
      const list = requireList(ctx);
      const ids = bodyIds(ctx);
      const unknown = ids.findIndex((id) => !ctx.account.profiles.get(id));
      if (unknown >= 0) throw invalid(`Profile with id ${ids[unknown]} does not exist.`, { pointer: `/data/${unknown}/id` });
      const now = Date.now();
      for (const id of ids) list.members.add(id, now);
      return { status: 204 };
    },
  },
  {
    method: 'DELETE',
    template: '/api/lists/{id}/relationships/profiles',
    handle(ctx) {
      const list = requireList(ctx);
      for (const id of bodyIds(ctx)) list.members.delete(id); // non-members are fine, as in Klaviyo
      return { status: 204 };
    },
  },
];
