/** /api/lists and /api/lists/{id}: find, create (with the account's lists+segments cap), read, rename, delete. */
import { ApiError, invalid, iso, relationship } from '../jsonapi';
import type { ApiRoute, RequestContext } from '../router';
import type { ListRecord } from '../store';
import { filterByNameAndId, pagedReply, rejectUnsupported, requireList } from './common';

export function listResource(list: ListRecord, baseUrl: string, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const path = `/api/lists/${list.id}`;
  return {
    type: 'list',
    id: list.id,
    attributes: { name: list.name, created: iso(list.created), updated: iso(list.updated), opt_in_process: list.optInProcess, ...extra },
    relationships: { profiles: relationship(baseUrl, path, 'profiles'), tags: relationship(baseUrl, path, 'tags') },
    links: { self: `${baseUrl}${path}/` },
  };
}

/** Sparse fieldset for lists (`fields[list]=name,...`); `id` is never an attribute. */
function pickListFields(resource: Record<string, unknown>, ctx: RequestContext): Record<string, unknown> {
  const raw = ctx.query.get('fields[list]');
  if (raw === null) return resource;
  const attrs = resource.attributes as Record<string, unknown>;
  const wanted = new Set([...raw.split(','), 'profile_count']);
  return { ...resource, attributes: Object.fromEntries(Object.entries(attrs).filter(([k]) => wanted.has(k))) };
}

function listName(ctx: RequestContext): string {
  const name = (ctx.body as { data: { attributes: { name: string } } }).data.attributes.name;
  if (name.trim() === '') throw invalid('List name must not be empty.', { pointer: '/data/attributes/name' });
  return name;
}

/**
 * Klaviyo does not document what happens at the account's lists+segments cap. The emulator's choice:
 * 400, code `list_limit_exceeded`, and a detail that says the account reached the maximum number of lists
 * and segments (clients detect it by that text and by counting first).
 */
function assertBelowListCap(ctx: RequestContext): void {
  const { lists, segments, limits } = ctx.account;
  if (lists.size + segments.size < limits.maxListsAndSegments) return;
  throw new ApiError(400, [
    {
      code: 'list_limit_exceeded',
      title: 'List limit exceeded.',
      detail: `This account has reached the maximum number of lists and segments (${limits.maxListsAndSegments}). Delete unused lists or segments before creating new ones.`,
      source: { pointer: '/data/attributes/name' },
    },
  ]);
}

export const listRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/lists',
    handle(ctx) {
      rejectUnsupported(ctx, ['sort', 'include']);
      const lists = filterByNameAndId(ctx, [...ctx.account.lists.values()]);
      return pagedReply(ctx, lists, (l) => l.seq, 10, (l) => pickListFields(listResource(l, ctx.baseUrl), ctx));
    },
  },
  {
    method: 'POST',
    template: '/api/lists',
    handle(ctx) {
      const name = listName(ctx);
      assertBelowListCap(ctx);
      const list = ctx.state.createList(ctx.account, name);
      const optIn = (ctx.body as { data: { attributes: { opt_in_process?: string | null } } }).data.attributes.opt_in_process;
      if (optIn === 'double_opt_in' || optIn === 'single_opt_in') list.optInProcess = optIn;
      return { status: 201, body: { data: pickListFields(listResource(list, ctx.baseUrl), ctx), links: { self: `${ctx.baseUrl}/api/lists/` } } };
    },
  },
  {
    method: 'GET',
    template: '/api/lists/{id}',
    handle(ctx) {
      rejectUnsupported(ctx, ['include']);
      const list = requireList(ctx);
      const withCount = ctx.query.get('additional-fields[list]')?.split(',').includes('profile_count');
      const extra = withCount ? { profile_count: list.members.size } : {};
      const data = pickListFields(listResource(list, ctx.baseUrl, extra), ctx);
      return { status: 200, body: { data, links: { self: ctx.selfUrl } } };
    },
  },
  {
    method: 'PATCH',
    template: '/api/lists/{id}',
    handle(ctx) {
      const list = requireList(ctx);
      const data = (ctx.body as { data: { id: string; attributes: { name?: string | null } } }).data;
      if (data.id !== list.id) throw new ApiError(409, [{ code: 'conflict', title: 'Conflict.', detail: 'The id in the body does not match the id in the URL.', source: { pointer: '/data/id' } }]);
      if (typeof data.attributes.name === 'string') {
        if (data.attributes.name.trim() === '') throw invalid('List name must not be empty.', { pointer: '/data/attributes/name' });
        list.name = data.attributes.name;
        list.updated = Date.now();
      }
      return { status: 200, body: { data: pickListFields(listResource(list, ctx.baseUrl), ctx), links: { self: ctx.selfUrl } } };
    },
  },
  {
    method: 'DELETE',
    template: '/api/lists/{id}',
    handle(ctx) {
      ctx.account.lists.delete(requireList(ctx).id);
      return { status: 204 };
    },
  },
];
