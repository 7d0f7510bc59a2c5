/**
 * An account's profiles, indexed by id, e-mail (lower-cased: Klaviyo matches e-mails case-insensitively),
 * phone number and external id. Ids are monotonic ULIDs, so `ordered` stays sorted by id for paging.
 */
export const PROFILE_FIELDS = [
  'email',
  'phone_number',
  'external_id',
  'first_name',
  'last_name',
  'organization',
  'locale',
  'title',
  'image',
] as const;
export type ProfileField = (typeof PROFILE_FIELDS)[number];

export type ProfileAttrs = Partial<Record<ProfileField, string | null>> & {
  location?: Record<string, unknown> | null;
  properties?: Record<string, unknown>;
};

export interface Profile {
  id: string;
  attrs: ProfileAttrs;
  created: number;
  updated: number;
}

export function emailKey(email: string): string {
  return email.trim().toLowerCase();
}

export class ProfileStore {
  readonly byId = new Map<string, Profile>();
  private readonly byEmail = new Map<string, Profile>();
  private readonly byPhone = new Map<string, Profile>();
  private readonly byExternalId = new Map<string, Profile>();
  /** Ids in creation order, which is id order. */
  readonly ordered: string[] = [];

  get(id: string): Profile | undefined {
    return this.byId.get(id);
  }

  byEmailAddress(email: string): Profile | undefined {
    return this.byEmail.get(emailKey(email));
  }

  /** Profiles that own any of the given identifiers (deduplicated, in e-mail, phone, external id order), but `except`. */
  owners(attrs: ProfileAttrs, except?: Profile): Profile[] {
    const found: Profile[] = [];
    const byEmail = typeof attrs.email === 'string' ? this.byEmail.get(emailKey(attrs.email)) : undefined;
    if (byEmail && byEmail !== except) found.push(byEmail);
    const byPhone = typeof attrs.phone_number === 'string' ? this.byPhone.get(attrs.phone_number) : undefined;
    if (byPhone && byPhone !== except && byPhone !== byEmail) found.push(byPhone);
    const byExternalId = typeof attrs.external_id === 'string' ? this.byExternalId.get(attrs.external_id) : undefined;
    if (byExternalId && byExternalId !== except && byExternalId !== byEmail && byExternalId !== byPhone) found.push(byExternalId);
    return found;
  }

  create(id: string, attrs: ProfileAttrs, now: number): Profile {
    const profile: Profile = { id, attrs, created: now, updated: now };
    this.byId.set(id, profile);
    this.ordered.push(id);
    this.index(profile);
    return profile;
  }

  /** Replaces a profile's attributes, keeping the identifier indexes right. */
  update(profile: Profile, attrs: ProfileAttrs, now: number): void {
    const old = profile.attrs;
    // Most updates keep every identifier: the indexes already point here.
    const sameIdentifiers = old.email === attrs.email && old.phone_number === attrs.phone_number && old.external_id === attrs.external_id;
    if (!sameIdentifiers) this.unindex(profile);
    profile.attrs = attrs;
    profile.updated = now;
    if (!sameIdentifiers) this.index(profile);
  }

  /** Deletes a profile (admin only: the API has no profile deletion but data-privacy requests). */
  delete(profile: Profile): void {
    this.unindex(profile);
    this.byId.delete(profile.id);
    const at = this.ordered.indexOf(profile.id);
    if (at >= 0) this.ordered.splice(at, 1);
  }

  private index(p: Profile): void {
    if (typeof p.attrs.email === 'string') this.byEmail.set(emailKey(p.attrs.email), p);
    if (typeof p.attrs.phone_number === 'string') this.byPhone.set(p.attrs.phone_number, p);
    if (typeof p.attrs.external_id === 'string') this.byExternalId.set(p.attrs.external_id, p);
  }

  private unindex(p: Profile): void {
    if (typeof p.attrs.email === 'string') this.byEmail.delete(emailKey(p.attrs.email));
    if (typeof p.attrs.phone_number === 'string') this.byPhone.delete(p.attrs.phone_number);
    if (typeof p.attrs.external_id === 'string') this.byExternalId.delete(p.attrs.external_id);
  }
}
