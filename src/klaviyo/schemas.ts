/**
 * Zod schemas for the parts of Klaviyo responses the client reads (unknown extra fields are ignored, as
 * Klaviyo adds fields within a revision). `parseBody` turns a mismatch into a message naming the path.
 */
import { z } from 'zod';

const links = z.object({ next: z.string().nullish() }).nullish();

const listResource = z.object({
  type: z.literal('list'),
  id: z.string().min(1),
  attributes: z.object({
    name: z.string(),
    created: z.string().nullish(),
    updated: z.string().nullish(),
    profile_count: z.number().int().nonnegative().nullish(),
  }),
});
export type ListResource = z.infer<typeof listResource>;

export const listResponse = z.object({ data: listResource });
export const listCollection = z.object({ data: z.array(listResource), links });

/** Only counted, so only the id is required. */
export const segmentCollection = z.object({
  data: z.array(z.object({ type: z.literal('segment'), id: z.string().min(1) })),
  links,
});

export const listProfilesCollection = z.object({
  data: z.array(
    z.object({
      type: z.literal('profile'),
      id: z.string().min(1),
      attributes: z.object({ email: z.string().nullish() }).nullish(),
    }),
  ),
  links,
});

export const profileIdCollection = z.object({
  data: z.array(z.object({ type: z.literal('profile'), id: z.string().min(1) })),
  links,
});

const bulkImportJobResource = z.object({
  type: z.literal('profile-bulk-import-job'),
  id: z.string().min(1, 'job id is empty'),
  attributes: z.object({
    status: z.enum(['queued', 'processing', 'complete', 'cancelled']),
    total_count: z.number().int().nonnegative(),
    completed_count: z.number().int().nonnegative().nullish(),
    failed_count: z.number().int().nonnegative().nullish(),
    created_at: z.string().nullish(),
    completed_at: z.string().nullish(),
  }),
});
export type BulkImportJobResource = z.infer<typeof bulkImportJobResource>;
export const bulkImportJobResponse = z.object({ data: bulkImportJobResource });
export const bulkImportJobCollection = z.object({ data: z.array(bulkImportJobResource) });

export const importErrorCollection = z.object({
  data: z.array(
    z.object({
      type: z.literal('import-error'),
      id: z.string(),
      attributes: z.object({
        code: z.string(),
        title: z.string(),
        detail: z.string(),
        source: z.object({ pointer: z.string().nullish() }).nullish(),
        original_payload: z.record(z.string(), z.unknown()).nullish(),
      }),
    }),
  ),
  links,
});

export const accountsResponse = z.object({
  data: z.array(z.object({ type: z.literal('account'), id: z.string().min(1) })),
});

export type ParseResult<T> = { ok: true; value: T } | { ok: false; problem: string };

/** Validates `body`; on failure the problem names each mismatching path, e.g. `data[0].attributes.name: …`. */
export function parseBody<T>(schema: z.ZodType<T>, body: unknown): ParseResult<T> {
  const result = schema.safeParse(body);
  if (result.success) return { ok: true, value: result.data };
  const problem = result.error.issues
    .slice(0, 5)
    .map((issue) => `${formatPath(issue.path)}: ${issue.message}`)
    .join('; ');
  return { ok: false, problem };
}

function formatPath(path: PropertyKey[]): string {
  if (path.length === 0) return '(body)';
  return path.map((p, i) => (typeof p === 'number' ? `[${p}]` : `${i ? '.' : ''}${String(p)}`)).join('');
}
