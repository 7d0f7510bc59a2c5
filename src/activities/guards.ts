/** Checks every activity call passes through (applied once, in index.ts): what it may read, what its failures mean. */
import { SyncFailure } from '../failures';
import { KlaviyoError } from '../klaviyo/errors';
import { confineAudience } from '../audience/confine';
import type { AudienceSource } from '../shared';

type Activity = (input: never) => Promise<unknown>;

/** An activity whose input names an audience reads it only inside `roots` (AUDIENCE_ROOTS), at its resolved path. */
export function confinedToRoots(fn: Activity, roots: readonly string[], alsoAllowed: readonly string[] = []): Activity {
  return async (input: { audience?: AudienceSource }) => {
    if (!input?.audience) return fn(input as never);
    return fn({ ...input, audience: await confineAudience(input.audience, roots, alsoAllowed) } as never);
  };
}

/** Klaviyo calls that answer 404 when the list itself is gone (the bulk import names the list it adds to). */
const LIST_ENDPOINT = /^(GET|POST|DELETE) \/api\/lists\/\{id\}|^POST \/api\/profile-bulk-import-jobs$/;

/**
 * For activities that write to or read a list the run already found or created: a 404 on the list means it
 * was deleted in Klaviyo during the run, which the workflow pauses on (`list_deleted`), not a failed run.
 */
export function listGoneAsDeleted(fn: Activity): Activity {
  return async (input: { listId?: string | null }) => {
    try {
      return await fn(input as never);
    } catch (err) {
      if (err instanceof KlaviyoError && err.kind === 'not_found' && input?.listId && LIST_ENDPOINT.test(err.endpoint)) {
        throw new SyncFailure(
          'list_deleted',
          `list id ${input.listId} was deleted in Klaviyo while this run was syncing it (${err.endpoint} answered 404)`,
          { details: { listId: input.listId } },
        );
      }
      throw err;
    }
  };
}
