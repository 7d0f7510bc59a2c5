/** GET /api/segments (seeded through the admin surface; they count towards the lists+segments cap). */
import { iso, relationship } from '../jsonapi';
import type { ApiRoute } from '../router';
import type { SegmentRecord } from '../store';
import { filterByNameAndId, pagedReply, rejectUnsupported } from './common';

function segmentResource(s: SegmentRecord, baseUrl: string): Record<string, unknown> {
  const path = `/api/segments/${s.id}`;
  return {
    type: 'segment',
    id: s.id,
    attributes: { name: s.name, created: iso(s.created), updated: iso(s.updated), is_active: true, is_processing: false, is_starred: false },
    relationships: { profiles: relationship(baseUrl, path, 'profiles'), tags: relationship(baseUrl, path, 'tags') },
    links: { self: `${baseUrl}${path}/` },
  };
}

export const segmentRoutes: ApiRoute[] = [
  {
    method: 'GET',
    template: '/api/segments',
    handle(ctx) {
      rejectUnsupported(ctx, ['sort', 'include', 'fields[segment]']);
      const segments = filterByNameAndId(ctx, [...ctx.account.segments.values()]);
      return pagedReply(ctx, segments, (s) => s.seq, 10, (s) => segmentResource(s, ctx.baseUrl));
    },
  },
];
