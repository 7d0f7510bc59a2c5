/**
 * The typed Klaviyo client: the only code in the project that talks to Klaviyo's REST API.
 * The API key is a constructor argument (never a global) and never appears in logs or errors.
 */
import { assertJobFits, bulkImportBody, splitForBulkImport, type SerializedProfile } from './bulkImport';
import { OPERATIONS } from './endpoints';
import { anyFilter, equalsFilter } from './filters';
import { KLAVIYO_API_REVISION, KLAVIYO_BASE_URL } from './apiVersion';
import { cursorOf, KlaviyoHttp } from './http';
import { pages } from './pagination';
import { sharedRateLimiter } from './rateLimiter';
import {
  accountsResponse,
  bulkImportJobCollection,
  bulkImportJobResponse,
  importErrorCollection,
  listCollection,
  listProfilesCollection,
  listResponse,
  profileIdCollection,
  segmentCollection,
  type BulkImportJobResource,
  type ListResource,
} from './schemas';
import type {
  BulkImportError,
  BulkImportJob,
  KlaviyoList,
  ListMemberPage,
  ProfileInput,
} from './types';

export { splitForBulkImport, type SerializedProfile };
export { oldestList } from './lists';

/** Klaviyo's cap on profile ids per add/remove list-membership call. */
export const MAX_MEMBERS_PER_CALL = 1000;
/** E-mails per profile lookup: one page of GET /api/profiles (page[size] ≤ 100). */
export const MAX_EMAILS_PER_LOOKUP = 100;
const MEMBER_PAGE_SIZE = 100;
const LIST_PAGE_SIZE = 10;

export interface KlaviyoClientOptions {
  apiKey: string;
  /** Default https://a.klaviyo.com; callers pass KLAVIYO_BASE_URL. */
  baseUrl?: string;
  /** Multiplies every tier's allowed rate; match the emulator's `speed`. */
  speedFactor?: number;
  timeoutMs?: number;
  /** Attempts per call for 429/transient failures before throwing (default 3). */
  maxAttempts?: number;
  /** Metrics hook: one call per HTTP request (status 0 = no response). */
  onCall?: (endpoint: string, status: number) => void;
}

export class KlaviyoClient {
  /** The transport; tests attach axios interceptors to `http.axios` to record requests. */
  readonly http: KlaviyoHttp;

  constructor(opts: KlaviyoClientOptions) {
    this.http = new KlaviyoHttp({
      apiKey: opts.apiKey,
      baseUrl: opts.baseUrl ?? KLAVIYO_BASE_URL,
      revision: KLAVIYO_API_REVISION,
      timeoutMs: opts.timeoutMs ?? 60_000,
      maxAttempts: Math.max(1, opts.maxAttempts ?? 3),
      limiter: sharedRateLimiter(opts.speedFactor ?? 1),
      ...(opts.onCall && { onCall: opts.onCall }),
    });
  }

  /** Proves the key works and can read lists and profiles (write scopes show up as missing_scope on first write). */
  async checkKey(): Promise<void> {
    await this.http.call(OPERATIONS.getLists, {
      query: { 'fields[list]': 'name', 'page[size]': 1 },
      schema: listCollection,
    });
    await this.http.call(OPERATIONS.getProfiles, {
      query: { 'fields[profile]': 'email', 'page[size]': 1 },
      schema: profileIdCollection,
    });
  }

  /**
   * Lists whose name is exactly `name` (Klaviyo does not enforce unique names, so there may be several).
   * Klaviyo documents no escape for `"` or `\` inside a filter string; a misread filter could match nothing
   * and make every run create another list of that name. Such names are matched here over every list
   * (at most 1000: 100 pages of the fast L tier) instead of trusting the server-side filter.
   */
  async findListsByName(name: string): Promise<KlaviyoList[]> {
    const found: KlaviyoList[] = [];
    const filterable = !/["\\]/.test(name);
    for await (const page of pages(this.http, OPERATIONS.getLists, {
      query: {
        ...(filterable && { filter: equalsFilter('name', name) }),
        'fields[list]': 'name,created,updated',
        'page[size]': LIST_PAGE_SIZE,
      },
      schema: listCollection,
    })) {
      found.push(...page.data.filter((l) => l.attributes.name === name).map(toList));
    }
    return found;
  }

  /** One list; `profileCount` uses the much slower profile_count rate-limit bucket. */
  async getList(id: string, opts: { profileCount?: boolean } = {}): Promise<KlaviyoList> {
    const operation = opts.profileCount ? OPERATIONS.getListWithProfileCount : OPERATIONS.getList;
    const { data } = await this.http.call(operation, {
      pathParams: { id },
      query: opts.profileCount ? { 'additional-fields[list]': 'profile_count' } : {},
      schema: listResponse,
    });
    return toList(data.data);
  }

  /**
   * Creates a list. Not retried in-client after ambiguous failures (it could create a duplicate): callers
   * look the name up again before retrying. Check countListsAndSegments() first to report the account cap.
   */
  async createList(name: string): Promise<KlaviyoList> {
    const { data } = await this.http.call(OPERATIONS.createList, {
      body: { data: { type: 'list', attributes: { name } } },
      schema: listResponse,
    });
    return toList(data.data);
  }

  async countListsAndSegments(): Promise<{ lists: number; segments: number }> {
    let lists = 0;
    for await (const page of pages(this.http, OPERATIONS.getLists, {
      query: { 'fields[list]': 'name', 'page[size]': LIST_PAGE_SIZE },
      schema: listCollection,
    })) {
      lists += page.data.length;
    }
    let segments = 0;
    for await (const page of pages(this.http, OPERATIONS.getSegments, {
      query: { 'page[size]': LIST_PAGE_SIZE },
      schema: segmentCollection,
    })) {
      segments += page.data.length;
    }
    return { lists, segments };
  }

  /** Members (profile id and email) page by page; `cursor` resumes where an interrupted run stopped. */
  async *listMemberPages(listId: string, opts: { cursor?: string } = {}): AsyncGenerator<ListMemberPage> {
    for await (const page of pages(this.http, OPERATIONS.getListProfiles, {
      pathParams: { id: listId },
      query: {
        'fields[profile]': 'email',
        'page[size]': MEMBER_PAGE_SIZE,
        ...(opts.cursor !== undefined && { 'page[cursor]': opts.cursor }),
      },
      schema: listProfilesCollection,
    })) {
      yield {
        members: page.data.map((p) => ({ id: p.id, email: p.attributes?.email ?? null })),
        nextCursor: cursorOf(page.links?.next),
      };
    }
  }

  /** Profile ids of these e-mails (≤ 100, lower-cased); e-mails without a profile are absent from the map. */
  async profileIdsByEmail(emails: string[]): Promise<Map<string, string>> {
    if (emails.length > MAX_EMAILS_PER_LOOKUP) throw new RangeError(`at most ${MAX_EMAILS_PER_LOOKUP} e-mails per lookup`);
    const ids = new Map<string, string>();
    if (emails.length === 0) return ids;
    for await (const page of pages(this.http, OPERATIONS.getProfiles, {
      query: { filter: anyFilter('email', emails), 'fields[profile]': 'email', 'page[size]': MAX_EMAILS_PER_LOOKUP },
      schema: listProfilesCollection,
    })) {
      for (const p of page.data) if (p.attributes?.email) ids.set(p.attributes.email.toLowerCase(), p.id);
    }
    return ids;
  }

  async addListMembers(listId: string, profileIds: string[]): Promise<void> {
    await this.changeMembers(OPERATIONS.addProfilesToList, listId, profileIds);
  }

  /** Removes membership only; Klaviyo does not unsubscribe or suppress the profiles. */
  async removeListMembers(listId: string, profileIds: string[]): Promise<void> {
    await this.changeMembers(OPERATIONS.removeProfilesFromList, listId, profileIds);
  }

  /**
   * One job (≤ 10,000 profiles, < 5 MB); split larger sets with splitForBulkImport first. The body is built
   * (into `scratch` when given and big enough, see bulkImportBody) before this first waits.
   */
  async createBulkImportJob(input: { listId?: string; profiles: (ProfileInput | SerializedProfile)[]; scratch?: Buffer }): Promise<BulkImportJob> {
    // Written once as bytes: its size is read off them, and they are sent as they are.
    const body = bulkImportBody(input.profiles, input.listId, input.scratch);
    assertJobFits(input.profiles, body);
    const { data } = await this.http.call(OPERATIONS.createBulkImportJob, { body, schema: bulkImportJobResponse });
    return toJob(data.data);
  }

  async getBulkImportJob(jobId: string): Promise<BulkImportJob> {
    const { data } = await this.http.call(OPERATIONS.getBulkImportJob, {
      pathParams: { job_id: jobId },
      schema: bulkImportJobResponse,
    });
    return toJob(data.data);
  }

  /**
   * The account's newest bulk import jobs, newest first (one page of up to 100): one call tells how all of a
   * worker's jobs in flight stand, where a GET per job would spend the M tier's 150 calls a minute.
   */
  async recentBulkImportJobs(): Promise<BulkImportJob[]> {
    const { data } = await this.http.call(OPERATIONS.getBulkImportJobs, {
      query: { sort: '-created_at', 'page[size]': 100 },
      schema: bulkImportJobCollection,
    });
    return data.data.map(toJob);
  }

  async *bulkImportErrors(jobId: string): AsyncGenerator<BulkImportError> {
    for await (const page of pages(this.http, OPERATIONS.getBulkImportErrors, {
      pathParams: { id: jobId },
      query: { 'page[size]': MEMBER_PAGE_SIZE },
      schema: importErrorCollection,
    })) {
      for (const e of page.data) {
        const a = e.attributes;
        const email = payloadEmail(a.original_payload);
        yield {
          code: a.code,
          title: a.title,
          detail: a.detail,
          ...(a.source?.pointer != null && { pointer: a.source.pointer }),
          ...(email !== undefined && { email }),
        };
      }
    }
  }

  async *bulkImportProfileIds(jobId: string): AsyncGenerator<string> {
    for await (const page of pages(this.http, OPERATIONS.getBulkImportProfileIds, {
      pathParams: { id: jobId },
      query: { 'page[size]': MEMBER_PAGE_SIZE },
      schema: profileIdCollection,
    })) {
      for (const p of page.data) yield p.id;
    }
  }

  /** Cheap account read (XS tier: 1/s, 15/m); not used by checkKey for that reason. */
  async accountId(): Promise<string | undefined> {
    const { data } = await this.http.call(OPERATIONS.getAccounts, { schema: accountsResponse });
    return data.data[0]?.id;
  }

  private async changeMembers(
    operation: typeof OPERATIONS.addProfilesToList | typeof OPERATIONS.removeProfilesFromList,
    listId: string,
    profileIds: string[],
  ): Promise<void> {
    const unique = [...new Set(profileIds)];
    for (let i = 0; i < unique.length; i += MAX_MEMBERS_PER_CALL) {
      const chunk = unique.slice(i, i + MAX_MEMBERS_PER_CALL);
      await this.http.call(operation, {
        pathParams: { id: listId },
        body: { data: chunk.map((id) => ({ type: 'profile', id })) },
      });
    }
  }
}

function toList(r: ListResource): KlaviyoList {
  const a = r.attributes;
  return {
    id: r.id,
    name: a.name,
    ...(a.profile_count != null && { profileCount: a.profile_count }),
    ...(a.created != null && { created: a.created }),
    ...(a.updated != null && { updated: a.updated }),
  };
}

function toJob(r: BulkImportJobResource): BulkImportJob {
  const a = r.attributes;
  return {
    id: r.id,
    status: a.status,
    totalCount: a.total_count,
    completedCount: a.completed_count ?? 0,
    failedCount: a.failed_count ?? 0,
    ...(a.created_at != null && { createdAt: a.created_at }),
    completedAt: a.completed_at ?? null,
  };
}

/** `original_payload` is the submitted profile: either its attributes or the whole resource object. */
function payloadEmail(payload: Record<string, unknown> | null | undefined): string | undefined {
  if (!payload) return undefined;
  const direct = payload['email'];
  if (typeof direct === 'string') return direct;
  const nested = (payload['attributes'] as Record<string, unknown> | undefined)?.['email'];
  return typeof nested === 'string' ? nested : undefined;
}
