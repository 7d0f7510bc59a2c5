/**
 * The one place the Klaviyo API revision is pinned (sent as the `revision` header on every call) and the
 * production base URL. Moving to a new revision is a change here, checked by the tests against the spec.
 */
export const KLAVIYO_API_REVISION = '2026-07-15';
export const KLAVIYO_BASE_URL = 'https://a.klaviyo.com';
