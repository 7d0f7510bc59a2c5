/**
 * Emulator test harness: starts an emulator and offers `api.call(...)`, which sends a raw request and
 * asserts that the response (success or error) conforms to the spec for that operation — so every
 * response any emulator test sees is a conformance check.
 */
import axios, { type AxiosResponse } from 'axios';
import { afterAll, beforeAll, beforeEach } from 'vitest';
import { assertValidResponse, matchPathTemplate, startEmulator, type EmulatorOptions, type RunningEmulator } from '../src';

export const REVISION = '2026-07-15';

export interface CallOptions {
  body?: unknown;
  query?: Record<string, string | number>;
  /** Overrides/removals (undefined) of the default headers. */
  headers?: Record<string, string | undefined>;
  key?: string;
}

export interface Api {
  url: string;
  emu: RunningEmulator;
  key: string;
  call(method: string, path: string, opts?: CallOptions): Promise<AxiosResponse>;
}

/** Sends one request; path may be a full `links.next` URL. */
export async function rawCall(emu: RunningEmulator, key: string, method: string, path: string, opts: CallOptions = {}): Promise<AxiosResponse> {
  const headers: Record<string, string> = {
    Authorization: `Klaviyo-API-Key ${opts.key ?? key}`,
    revision: REVISION,
    Accept: 'application/vnd.api+json',
    'Content-Type': 'application/vnd.api+json',
  };
  for (const [k, v] of Object.entries(opts.headers ?? {})) {
    if (v === undefined) delete headers[k];
    else headers[k] = v;
  }
  const url = path.startsWith('http') ? path : `${emu.url}${path}`;
  const res = await axios.request({ method, url, data: opts.body, params: opts.query, headers, validateStatus: () => true, proxy: false });
  const pathname = new URL(url).pathname;
  if (matchPathTemplate(pathname)) assertValidResponse(method, pathname, res.status, res.data);
  return res;
}

/** One emulator per test file, state reset and a fresh all-scopes key before every test. */
export function useEmulator(opts: EmulatorOptions = {}): Api {
  const api = {} as Api;
  beforeAll(async () => {
    api.emu = await startEmulator({ jobDelayMs: 30, ...opts });
    api.url = api.emu.url;
    api.call = (method, path, o) => rawCall(api.emu, api.key, method, path, o);
  });
  beforeEach(async () => {
    await api.emu.admin.reset();
    api.key = await api.emu.admin.createKey();
  });
  afterAll(async () => {
    await api.emu?.close();
  });
  return api;
}

export function listBody(name: string): unknown {
  return { data: { type: 'list', attributes: { name } } };
}

export function bulkBody(profiles: Record<string, unknown>[], listId?: string): unknown {
  return {
    data: {
      type: 'profile-bulk-import-job',
      attributes: { profiles: { data: profiles.map((attributes) => ({ type: 'profile', attributes })) } },
      ...(listId ? { relationships: { lists: { data: [{ type: 'list', id: listId }] } } } : {}),
    },
  };
}

export function memberBody(ids: string[]): unknown {
  return { data: ids.map((id) => ({ type: 'profile', id })) };
}

/** Polls a bulk import job until it reaches `status` (or fails the test after `timeoutMs`). */
export async function waitForJob(api: Api, jobId: string, status = 'complete', timeoutMs = 5000): Promise<AxiosResponse> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const res = await api.call('GET', `/api/profile-bulk-import-jobs/${jobId}`);
    if (res.data?.data?.attributes?.status === status) return res;
    if (Date.now() > deadline) throw new Error(`job ${jobId} did not reach ${status}: ${JSON.stringify(res.data)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** Imports profiles through a bulk job and waits for it; returns the job's profile ids in order. */
export async function importProfiles(api: Api, profiles: Record<string, unknown>[], listId?: string): Promise<string[]> {
  const created = await api.call('POST', '/api/profile-bulk-import-jobs', { body: bulkBody(profiles, listId) });
  if (created.status !== 202) throw new Error(`bulk import failed: ${JSON.stringify(created.data)}`);
  await waitForJob(api, created.data.data.id);
  const ids: string[] = [];
  let next: string | undefined = `/api/profile-bulk-import-jobs/${created.data.data.id}/relationships/profiles?page[size]=100`;
  while (next) {
    const page: AxiosResponse = await api.call('GET', next);
    ids.push(...page.data.data.map((d: { id: string }) => d.id));
    next = page.data.links.next;
  }
  return ids;
}

export function emails(n: number, prefix = 'user'): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, i) => ({ email: `${prefix}${String(i).padStart(5, '0')}@example.com` }));
}
