/** All emulator state, in memory: keys, and per account its lists, segments, profiles and import jobs. */
import { UlidGenerator, shortId } from './ids';
import { MemberSet } from './memberSet';
import { ProfileStore, type ProfileAttrs } from './profileStore';
import type { ErrorEntry } from './jsonapi';

export interface ListRecord {
  id: string;
  name: string;
  seq: number;
  created: number;
  updated: number;
  optInProcess: 'single_opt_in' | 'double_opt_in';
  members: MemberSet;
}

export interface SegmentRecord {
  id: string;
  name: string;
  seq: number;
  created: number;
  updated: number;
}

export interface SubmittedProfile {
  type: 'profile';
  id?: string | null;
  attributes: ProfileAttrs;
}

export interface ImportErrorRecord {
  id: string;
  error: ErrorEntry;
  originalPayload: SubmittedProfile;
}

export interface ImportJob {
  id: string;
  status: 'queued' | 'processing' | 'complete' | 'cancelled';
  created: number;
  started?: number;
  completed?: number;
  /** Submitted profiles, dropped once the job completes. */
  profiles: SubmittedProfile[];
  totalCount: number;
  listIds: string[];
  completedCount: number;
  failedCount: number;
  profileIds: string[];
  errors: ImportErrorRecord[];
  /** Set by a `stuck_jobs` fault: the job never leaves `processing`. */
  stuck: boolean;
}

export interface AccountLimits {
  maxListsAndSegments: number;
  /** Absolute daily list-creation cap overriding the spec's (not scaled by speed). */
  dailyListCreates?: number;
}

export const DEFAULT_MAX_LISTS_AND_SEGMENTS = 1000;

export class Account {
  readonly lists = new Map<string, ListRecord>();
  readonly segments = new Map<string, SegmentRecord>();
  readonly profiles = new ProfileStore();
  readonly jobs = new Map<string, ImportJob>();
  limits: AccountLimits = { maxListsAndSegments: DEFAULT_MAX_LISTS_AND_SEGMENTS };
  private seq = 0;

  constructor(
    readonly name: string,
    readonly id: string,
  ) {}

  nextSeq(): number {
    return ++this.seq;
  }
}

export interface KeyRecord {
  account: string;
  scopes: Set<string>;
}

export class EmulatorState {
  readonly keys = new Map<string, KeyRecord>();
  readonly accounts = new Map<string, Account>();
  readonly ulid = new UlidGenerator();
  private readonly shortIds = new Set<string>();

  /** The named account, created on first use. */
  account(name: string): Account {
    let acc = this.accounts.get(name);
    if (!acc) {
      acc = new Account(name, this.newShortId());
      this.accounts.set(name, acc);
    }
    return acc;
  }

  /** A fresh 6-character id unique across lists, segments and accounts. */
  newShortId(): string {
    const id = shortId((c) => this.shortIds.has(c));
    this.shortIds.add(id);
    return id;
  }

  createList(acc: Account, name: string, now = Date.now()): ListRecord {
    const list: ListRecord = {
      id: this.newShortId(),
      name,
      seq: acc.nextSeq(),
      created: now,
      updated: now,
      optInProcess: 'single_opt_in',
      members: new MemberSet(),
    };
    acc.lists.set(list.id, list);
    return list;
  }

  createSegment(acc: Account, name: string, now = Date.now()): SegmentRecord {
    const seg: SegmentRecord = { id: this.newShortId(), name, seq: acc.nextSeq(), created: now, updated: now };
    acc.segments.set(seg.id, seg);
    return seg;
  }

  /** A list by id in whichever account holds it (admin routes are not account-scoped). */
  findList(id: string): { account: Account; list: ListRecord } | undefined {
    for (const account of this.accounts.values()) {
      const list = account.lists.get(id);
      if (list) return { account, list };
    }
    return undefined;
  }

  reset(): void {
    this.keys.clear();
    this.accounts.clear();
    this.shortIds.clear();
  }
}
