/**
 * The worker registers the one search attribute it uses, so a bare dev server needs no setup.
 * On clusters where workers may not change the namespace, an operator runs instead:
 *   temporal operator search-attribute create --name AudienceSyncState --type Keyword
 */
import { status as grpcStatus } from '@grpc/grpc-js';
import { Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import { STATE_SEARCH_ATTRIBUTE } from '../shared';

export async function ensureSearchAttributes(connection: Connection, namespace: string): Promise<'created' | 'exists'> {
  const existing = await connection.operatorService.listSearchAttributes({ namespace });
  if (existing.customAttributes?.[STATE_SEARCH_ATTRIBUTE] !== undefined) return 'exists';
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: { [STATE_SEARCH_ATTRIBUTE]: temporal.api.enums.v1.IndexedValueType.INDEXED_VALUE_TYPE_KEYWORD },
    });
  } catch (err) {
    // Another worker registered it first.
    if ((err as { code?: number }).code !== grpcStatus.ALREADY_EXISTS) throw err;
  }
  return 'created';
}
