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

/**
 * `audience-sync-spring-vip-2026-08-01T10:15:00Z`: readable, sortable, unique per second. Runs a schedule
 * starts have the same form, since Temporal names each `<schedule workflow id>-<scheduled time, RFC 3339 UTC>`
 * and a schedule's workflow id is scheduleIdForList(list).
 */
export function defaultWorkflowId(listName: string, now: Date = new Date()): string {
  return `${scheduleIdForList(listName)}-${now.toISOString().replace(/\.\d+Z$/, 'Z')}`;
}
