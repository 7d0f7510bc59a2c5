/** Helpers shared by the API route modules. */
import { conditionValues, parseFilter } from '../filter';
import { ApiError, notFound } from '../jsonapi';
import { collectionLinks, decodeCursor, pageSize, pageSorted, type Page } from '../pagination';
import type { Reply, RequestContext } from '../router';
import type { ListRecord } from '../store';

/** A 200 collection page over `items` (sorted ascending by `key`), rendered with `render`. */
export function pagedReply<T>(
  ctx: RequestContext,
  items: readonly T[],
  key: (t: T) => string | number,
  defaultSize: number,
  render: (t: T) => unknown,
  live?: (t: T) => boolean,
): Reply {
  return pageReply(ctx, pageSorted(items, key, requestedCursor(ctx), pageSize(ctx.query, defaultSize), live), render);
}

export function requestedCursor(ctx: RequestContext): ReturnType<typeof decodeCursor> {
  return decodeCursor(ctx.query.get('page[cursor]'));
}

/** A 200 collection document for one page. */
export function pageReply<T>(ctx: RequestContext, page: Page<T>, render: (t: T) => unknown): Reply {
  return { status: 200, body: { data: page.items.map(render), links: collectionLinks(ctx.selfUrl, page) } };
}

/**
 * Spec-valid query parameters the emulator does not evaluate: a clear 400 instead of silently ignoring
 * them (the spec check has already rejected parameters that do not exist at all).
 */
export function rejectUnsupported(ctx: RequestContext, names: string[]): void {
  for (const name of names) {
    if (ctx.query.has(name)) {
      throw new ApiError(400, [
        { code: 'invalid', title: 'Invalid input.', detail: `The emulator does not implement '${name}' on this endpoint.`, source: { parameter: name } },
      ]);
    }
  }
}

export function requireList(ctx: RequestContext): ListRecord {
  const id = ctx.params.id!;
  const list = ctx.account.lists.get(id);
  if (!list) throw notFound(`A list with id ${id} does not exist.`);
  return list;
}

/** Filters named resources by `equals`/`any` on `name` and `id` (lists and segments). */
export function filterByNameAndId<T extends { id: string; name: string }>(ctx: RequestContext, items: T[]): T[] {
  const conditions = parseFilter(ctx.query.get('filter'), { name: ['equals', 'any'], id: ['equals', 'any'] });
  if (!conditions) return items;
  return items.filter((item) => conditions.every((c) => conditionValues(c).includes(c.field === 'name' ? item.name : item.id)));
}
