import type { KlaviyoList } from './types';

/**
 * The list a name stands for. Klaviyo does not enforce unique names; the oldest list of that name is the
 * one earlier runs created (or found), so every caller picks the same one.
 */
export function oldestList(lists: readonly KlaviyoList[]): KlaviyoList | undefined {
  return [...lists].sort((a, b) => (a.created ?? '').localeCompare(b.created ?? '') || a.id.localeCompare(b.id))[0];
}
