/**
 * A list's members: profile id -> joined time, plus an id-sorted array for keyset paging. Sized for a
 * million members: adds are buffered and merged (not re-sorted) on the next read; deletes leave
 * tombstones that reads skip and that are compacted once they outnumber live entries.
 */
import { pageSorted, type Page } from './pagination';

type Cursor = Parameters<typeof pageSorted>[2];

export class MemberSet {
  /**
   * Joined times as milliseconds after `epoch`: small integers, which V8 keeps unboxed in the map, where
   * epoch milliseconds would cost a heap number per member (a million members: a million objects for the GC).
   */
  private readonly joined = new Map<string, number>();
  private readonly epoch = Date.now();
  private sorted: string[] = [];
  private pending: string[] = [];
  private tombstones = 0;

  get size(): number {
    return this.joined.size;
  }

  has(id: string): boolean {
    return this.joined.has(id);
  }

  joinedAt(id: string): number | undefined {
    const after = this.joined.get(id);
    return after === undefined ? undefined : this.epoch + after;
  }

  /** Adds a member; returns false when already a member (its joined time is kept). */
  add(id: string, now: number): boolean {
    if (this.joined.has(id)) return false;
    this.joined.set(id, now - this.epoch);
    this.pending.push(id);
    return true;
  }

  delete(id: string): boolean {
    if (!this.joined.delete(id)) return false;
    this.tombstones++;
    return true;
  }

  /** Live ids in ascending order. */
  ids(): string[] {
    return this.index().filter((id, i, a) => this.joined.has(id) && a[i - 1] !== id);
  }

  page(cursor: Cursor, size: number): Page<string> {
    return pageSorted(this.index(), (id) => id, cursor, size, (id) => this.joined.has(id));
  }

  /** The sorted array with pending adds merged in and tombstones compacted when they dominate. */
  private index(): string[] {
    if (this.pending.length > 0) {
      const add = this.pending.sort();
      this.pending = [];
      this.sorted = mergeSorted(this.sorted, add);
    }
    if (this.tombstones > 0 && this.tombstones * 2 > this.sorted.length) {
      this.sorted = this.sorted.filter((id, i, a) => this.joined.has(id) && a[i - 1] !== id);
      this.tombstones = 0;
    }
    return this.sorted;
  }
}

function mergeSorted(a: string[], b: string[]): string[] {
  if (a.length === 0) return b;
  if (a[a.length - 1]! <= b[0]!) {
    for (const id of b) a.push(id); // common case (new profiles have the newest ids): append in place
    return a;
  }
  const out = new Array<string>(a.length + b.length);
  let i = 0;
  let j = 0;
  let k = 0;
  while (i < a.length && j < b.length) out[k++] = a[i]! <= b[j]! ? a[i++]! : b[j++]!;
  while (i < a.length) out[k++] = a[i++]!;
  while (j < b.length) out[k++] = b[j++]!;
  return out;
}
