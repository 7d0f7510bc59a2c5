/**
 * Ids derived from the list name, so operators can find (and not duplicate) a list's runs and schedule.
 * With payload encryption on (`hideNames`), ids and the AudienceSyncList search attribute, which Temporal
 * never encrypts, carry `list-<hash>` instead of the name.
 */
import { createHash } from 'node:crypto';
import type { SearchAttributePair } from '@temporalio/common';
import { LIST_SEARCH_ATTRIBUTE } from '../names';

/** `list-1a2b3c4d5e`: stands for a list name wherever the name must not appear in clear. */
export function hashedListName(name: string): string {
  return `list-${createHash('sha256').update(name).digest('hex').slice(0, 10)}`;
}

export function slugify(name: string): string {
  const slug = name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 60);
  // A name of only symbols or non-Latin script still needs a stable, distinct id.
  return slug || hashedListName(name);
}

/** `audience-sync-spring-vip` for "Spring VIP": one schedule per list. */
export function scheduleIdForList(listName: string, hideNames = false): string {
  return `audience-sync-${hideNames ? hashedListName(listName) : slugify(listName)}`;
}

/** What a run's AudienceSyncList search attribute holds for a list: its name, or with names hidden its hash. */
export function listSearchValue(list: string, hideNames: boolean): string {
  return hideNames ? hashedListName(list) : list;
}

/**
 * `audience-sync-spring-vip-2026-08-01T10:15:00Z`: readable, sortable, unique per second. Runs a schedule
 * starts have the same form, since Temporal names each `<schedule workflow id>-<scheduled time, RFC 3339 UTC>`
 * and a schedule's workflow id is scheduleIdForList(list).
 */
export function defaultWorkflowId(listName: string, now: Date = new Date(), hideNames = false): string {
  return `${scheduleIdForList(listName, hideNames)}-${now.toISOString().replace(/\.\d+Z$/, 'Z')}`;
}

/**
 * Start options for a run (or a schedule's runs) of `list`: with names hidden, the run is indexed under
 * the list's hash from the start, and the workflow, finding AudienceSyncList set, does not index the name.
 */
export function listIndexAtStart(list: string, hideNames: boolean): { typedSearchAttributes?: SearchAttributePair[] } {
  if (!hideNames) return {};
  // Loaded here, not at the top: commands that start nothing stay free of Temporal's code.
  const { defineSearchAttributeKey, SearchAttributeType } = require('@temporalio/common') as typeof import('@temporalio/common');
  return { typedSearchAttributes: [{ key: defineSearchAttributeKey(LIST_SEARCH_ATTRIBUTE, SearchAttributeType.KEYWORD), value: hashedListName(list) }] };
}
