/**
 * The worker registers the search attributes the workflow sets, so a bare dev server needs no setup.
 * On clusters where workers may not change the namespace, an operator runs instead:
 *   temporal operator search-attribute create --name AudienceSyncState --type Keyword
 *   temporal operator search-attribute create --name AudienceSyncList --type Keyword
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { LIST_SEARCH_ATTRIBUTE, STATE_SEARCH_ATTRIBUTE } from '../names';

/** Every custom search attribute the workflow upserts (all Keyword): a run fails its task if one is missing. */
export const AUDIENCE_SYNC_SEARCH_ATTRIBUTES = [STATE_SEARCH_ATTRIBUTE, LIST_SEARCH_ATTRIBUTE] as const;

/** The commands that register them, for operators and error messages. */
export function searchAttributeCommands(namespace = 'default'): string[] {
  return AUDIENCE_SYNC_SEARCH_ATTRIBUTES.map(
    (name) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type Keyword`,
  );
}

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<'created' | 'exists'> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = AUDIENCE_SYNC_SEARCH_ATTRIBUTES.filter((name) => existing.customAttributes?.[name] === undefined);
  if (!missing.length) return 'exists';
  const keyword = temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD;
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, keyword])),
    });
  } catch (err) {
    // Another worker registered them first.
    if ((err as { code?: number }).code !== grpcStatus.ALREADY_EXISTS) throw err;
  }
  return 'created';
}
