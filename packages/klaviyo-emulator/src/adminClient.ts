/** Typed HTTP client for the emulator's /admin surface (tests, demos, benchmarks). */
import axios, { type AxiosInstance } from 'axios';
import type { FaultSpec } from './faults';
import type { ProfileAttrs } from './profileStore';
import type { StatsSnapshot } from './stats';

export type StoredProfile = ProfileAttrs & { id: string };
export interface ListSummary {
  id: string;
  name: string;
  memberCount: number;
}

/**
 * The contract names both the route body (`{emails}`, `{ids}`, `{lists}`) and the method, and callers were
 * written against both readings: these methods return the array itself, which also carries the route's
 * field (`(await listMembers(id)).emails` and `(await listMembers(id)).length` both work).
 */
export type ArrayWithField<K extends string, T> = T[] & Record<K, T[]>;
function withField<K extends string, T>(items: T[], field: K): ArrayWithField<K, T> {
  // Non-enumerable: equality checks and JSON see a plain array.
  return Object.defineProperty(items, field, { value: items, enumerable: false }) as ArrayWithField<K, T>;
}

export class EmulatorAdmin {
  private readonly http: AxiosInstance;

  constructor(readonly baseUrl: string) {
    this.http = axios.create({ baseURL: `${baseUrl.replace(/\/$/, '')}/admin`, timeout: 30_000, proxy: false });
  }

  async reset(): Promise<void> {
    await this.http.post('/reset');
  }

  /** A new private key; default account "default", default scopes: all. */
  async createKey(opts: { account?: string; scopes?: string[] } = {}): Promise<string> {
    return (await this.http.post<{ key: string }>('/keys', opts)).data.key;
  }

  async revokeKey(key: string): Promise<void> {
    await this.http.delete(`/keys/${encodeURIComponent(key)}`);
  }

  async seedLists(names: string[], account?: string): Promise<ArrayWithField<'ids', string>> {
    return withField((await this.http.post<{ ids: string[] }>('/lists', { names, account })).data.ids, 'ids');
  }

  async seedSegments(count: number, account?: string, namePrefix?: string): Promise<ArrayWithField<'ids', string>> {
    return withField((await this.http.post<{ ids: string[] }>('/segments', { count, account, namePrefix })).data.ids, 'ids');
  }

  async deleteList(id: string): Promise<void> {
    await this.http.delete(`/lists/${encodeURIComponent(id)}`);
  }

  /** E-mails of a list's members, sorted. */
  async listMembers(id: string): Promise<ArrayWithField<'emails', string>> {
    return withField((await this.http.get<{ emails: string[] }>(`/lists/${encodeURIComponent(id)}/members`)).data.emails, 'emails');
  }

  async lists(account?: string): Promise<ArrayWithField<'lists', ListSummary>> {
    return withField((await this.http.get<{ lists: ListSummary[] }>('/lists', { params: { account } })).data.lists, 'lists');
  }

  /** The stored profile (id + attributes) for an e-mail, or null when there is none. */
  async profile(email: string, account?: string): Promise<StoredProfile | null> {
    const res = await this.http.get<StoredProfile>(`/profiles/${encodeURIComponent(email)}`, { params: { account }, validateStatus: (s) => s === 200 || s === 404 });
    return res.status === 404 ? null : res.data;
  }

  /** Deletes the profile of an e-mail and its list memberships, as a person deleting it in Klaviyo would. */
  async deleteProfile(email: string, account?: string): Promise<void> {
    await this.http.delete(`/profiles/${encodeURIComponent(email)}`, { params: { account } });
  }

  async injectFault(fault: FaultSpec): Promise<string> {
    return (await this.http.post<{ id: string }>('/faults', fault)).data.id;
  }

  async clearFaults(): Promise<void> {
    await this.http.delete('/faults');
  }

  async stats(): Promise<StatsSnapshot> {
    return (await this.http.get<StatsSnapshot>('/stats')).data;
  }

  async setLimits(limits: { account?: string; maxListsAndSegments?: number; dailyListCreates?: number }): Promise<void> {
    await this.http.post('/limits', limits);
  }
}
