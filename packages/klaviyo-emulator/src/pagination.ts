/**
 * Keyset cursor pagination. A cursor is opaque base64url of `{k: key, d: 'n'|'p'}`: the key of the last
 * (next) or first (prev) item served. Paging by key instead of offset means deleting members that were
 * already returned does not shift anyone past the cursor.
 */
import { invalid } from './jsonapi';

type Key = string | number;
interface CursorPayload {
  k: Key;
  d: 'n' | 'p';
}

export function encodeCursor(k: Key, d: 'n' | 'p'): string {
  return Buffer.from(JSON.stringify({ k, d })).toString('base64url');
}

export function decodeCursor(raw: string | null): CursorPayload | undefined {
  if (raw === null || raw === '') return undefined;
  try {
    const v = JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')) as CursorPayload;
    if ((typeof v.k === 'string' || typeof v.k === 'number') && (v.d === 'n' || v.d === 'p')) return v;
  } catch {
    // fall through to the error below
  }
  throw invalid('Invalid page cursor', { parameter: 'page[cursor]' });
}

/** Parses `page[size]` (already range-checked against the spec) with the endpoint's default. */
export function pageSize(query: URLSearchParams, defaultSize: number): number {
  const raw = query.get('page[size]');
  return raw === null ? defaultSize : Number(raw);
}

export interface Page<T> {
  items: T[];
  nextCursor?: string;
  prevCursor?: string;
}

/** First index whose key is > k (or >= k when `inclusive`). `keys` must be ascending. */
function lowerBound<T>(items: readonly T[], key: (t: T) => Key, k: Key, inclusive: boolean): number {
  let lo = 0;
  let hi = items.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const mk = key(items[mid]!);
    if (mk < k || (!inclusive && mk === k)) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * One page over `items` sorted ascending by `key`. `live` filters out entries removed since the array was
 * built (tombstones), and adjacent duplicates are skipped.
 */
export function pageSorted<T>(
  items: readonly T[],
  key: (t: T) => Key,
  cursor: CursorPayload | undefined,
  size: number,
  live: (t: T) => boolean = () => true,
): Page<T> {
  const out: T[] = [];
  let lastKey: Key | undefined;
  const accept = (t: T): boolean => live(t) && key(t) !== lastKey;
  if (cursor?.d === 'p') {
    for (let i = lowerBound(items, key, cursor.k, true) - 1; i >= 0 && out.length < size; i--) {
      if (accept(items[i]!)) out.unshift(items[i]!), (lastKey = key(items[i]!));
    }
  } else {
    const start = cursor ? lowerBound(items, key, cursor.k, false) : 0;
    for (let i = start; i < items.length && out.length < size; i++) {
      if (accept(items[i]!)) out.push(items[i]!), (lastKey = key(items[i]!));
    }
  }
  if (out.length === 0) return { items: out };
  const first = key(out[0]!);
  const last = key(out[out.length - 1]!);
  const hasAfter = anyLive(items, lowerBound(items, key, last, false), 1, live);
  const hasBefore = anyLive(items, lowerBound(items, key, first, true) - 1, -1, live);
  return {
    items: out,
    nextCursor: hasAfter ? encodeCursor(last, 'n') : undefined,
    prevCursor: hasBefore ? encodeCursor(first, 'p') : undefined,
  };
}

function anyLive<T>(items: readonly T[], from: number, step: 1 | -1, live: (t: T) => boolean): boolean {
  for (let i = from; i >= 0 && i < items.length; i += step) if (live(items[i]!)) return true;
  return false;
}

/** `links` for a collection: self is the request URL; next/prev replace `page[cursor]`. Absent when none. */
export function collectionLinks(selfUrl: string, page: Page<unknown>): { self: string; next?: string; prev?: string } {
  const withCursor = (c: string): string => {
    const u = new URL(selfUrl);
    u.searchParams.set('page[cursor]', c);
    return u.toString();
  };
  return {
    self: selfUrl,
    ...(page.nextCursor ? { next: withCursor(page.nextCursor) } : {}),
    ...(page.prevCursor ? { prev: withCursor(page.prevCursor) } : {}),
  };
}
