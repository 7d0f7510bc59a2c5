/** Ids derived from the list name, so operators can find (and not duplicate) a list's runs and schedule. */
import { createHash } from 'node:crypto';

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  // A name of only symbols or non-Latin script still needs a stable, distinct id.
  return slug || `list-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

/** `audience-sync-spring-vip` for "Spring VIP": one schedule per list. */
export function scheduleIdForList(listName: string): string {
  return `audience-sync-${slugify(listName)}`;
}

/** `audience-sync-spring-vip-20260801T101500Z`: readable, sortable, unique per second. */
export function defaultWorkflowId(listName: string, now: Date = new Date()): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `audience-sync-${slugify(listName)}-${stamp}`;
}
