/** Cursor pagination: follow `links.next` (a full URL) until it is null or absent. */
import type { z } from 'zod';
import type { Operation } from './endpoints';
import type { CallSpec, KlaviyoHttp } from './http';

export interface Page {
  links?: { next?: string | null | undefined } | null | undefined;
}

/** Yields every page of `operation`, starting with the request described by `first`. */
export async function* pages<T extends Page>(
  http: KlaviyoHttp,
  operation: Operation,
  first: CallSpec<T> & { schema: z.ZodType<T> },
): AsyncGenerator<T> {
  let spec: CallSpec<T> = first;
  for (;;) {
    const { data } = await http.call(operation, spec);
    yield data;
    const next = data.links?.next;
    if (!next) return;
    spec = { url: next, schema: first.schema };
  }
}
