/**
 * Klaviyo's SFTP profile import names its columns differently from the API. `Email`, `PhoneNumber` and
 * `ExternalID` are the exact identifier headers Klaviyo's SFTP guide requires (at least one per row);
 * the other standard fields use Klaviyo's CSV naming. Any other header is imported as a custom property.
 */
import type { ProfileAttributes } from '../klaviyo/types';

type Location = NonNullable<ProfileAttributes['location']>;

interface Column {
  header: string;
  value: (p: ProfileAttributes) => unknown;
}

const loc = (key: keyof Location) => (p: ProfileAttributes) => p.location?.[key];

export const SFTP_STANDARD_COLUMNS: readonly Column[] = [
  { header: 'Email', value: (p) => p.email },
  { header: 'PhoneNumber', value: (p) => p.phone_number },
  { header: 'ExternalID', value: (p) => p.external_id },
  { header: 'First Name', value: (p) => p.first_name },
  { header: 'Last Name', value: (p) => p.last_name },
  { header: 'Organization', value: (p) => p.organization },
  { header: 'Title', value: (p) => p.title },
  { header: 'City', value: loc('city') },
  { header: 'Region', value: loc('region') },
  { header: 'Country', value: loc('country') },
  { header: 'Zip Code', value: loc('zip') },
  { header: 'Address', value: loc('address1') },
  { header: 'Address 2', value: loc('address2') },
  { header: 'Latitude', value: loc('latitude') },
  { header: 'Longitude', value: loc('longitude') },
  { header: 'Timezone', value: loc('timezone') },
];

export const SFTP_HEADERS = SFTP_STANDARD_COLUMNS.map((c) => c.header);

/**
 * Profile fields with no documented SFTP column. They are not exported, and the export says how many
 * rows carried them instead of dropping them silently.
 */
export function fieldsWithoutSftpColumn(p: ProfileAttributes): string[] {
  const out: string[] = [];
  if (p.image) out.push('image');
  if (p.locale) out.push('locale');
  if (p.location?.ip) out.push('ip');
  return out;
}

/** Cell text: empty for absent, JSON for objects/arrays (custom properties may be structured). */
export function cell(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

export function sftpRow(p: ProfileAttributes, propertyColumns: readonly string[]): string[] {
  const props = p.properties ?? {};
  return [...SFTP_STANDARD_COLUMNS.map((c) => cell(c.value(p))), ...propertyColumns.map((k) => cell(props[k]))];
}
