/** Shapes the rest of the code works with; wire formats (snake_case, JSON:API envelopes) stay inside the client. */

export interface ProfileLocation {
  address1?: string | null;
  address2?: string | null;
  city?: string | null;
  region?: string | null;
  zip?: string | null;
  country?: string | null;
  latitude?: number | string | null;
  longitude?: number | string | null;
  timezone?: string | null;
  ip?: string | null;
}

export interface ProfileAttributes {
  email?: string | null;
  phone_number?: string | null;
  external_id?: string | null;
  first_name?: string | null;
  last_name?: string | null;
  organization?: string | null;
  title?: string | null;
  image?: string | null;
  locale?: string | null;
  location?: ProfileLocation | null;
  properties?: Record<string, unknown>;
}

/** Serialized as `{type: 'profile', attributes}`. */
export interface ProfileInput {
  attributes: ProfileAttributes;
}

export interface KlaviyoList {
  id: string;
  name: string;
  profileCount?: number;
  created?: string;
  updated?: string;
}

export type BulkImportJobStatus = 'queued' | 'processing' | 'complete' | 'cancelled';

export interface BulkImportJob {
  id: string;
  status: BulkImportJobStatus;
  totalCount: number;
  completedCount: number;
  failedCount: number;
  createdAt?: string;
  completedAt?: string | null;
}

export interface BulkImportError {
  code: string;
  title: string;
  detail: string;
  pointer?: string;
  /** From the error's `original_payload`, so a failure can be mapped back to an audience row. */
  email?: string;
}

export interface ListMember {
  id: string;
  email: string | null;
}

export interface ListMemberPage {
  members: ListMember[];
  /** `page[cursor]` of the next page; pass it back as `opts.cursor` to resume after a retry. */
  nextCursor: string | null;
}
