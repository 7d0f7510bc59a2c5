/** The Klaviyo client module's public surface. */
export { KlaviyoClient, splitForBulkImport, DEFAULT_BASE_URL, MAX_MEMBERS_PER_CALL, type KlaviyoClientOptions } from './client';
export { KlaviyoError, classifyError, type KlaviyoErrorKind, type ProfileError } from './errors';
export { MAX_JOB_BYTES, MAX_PROFILES_PER_JOB, MAX_PROFILE_BYTES } from './bulkImport';
export { OPERATIONS, endpointName, type Operation, type RateLimitTier } from './endpoints';
export type * from './types';
