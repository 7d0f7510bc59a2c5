/** Settings the activities read from the worker's environment (never from workflow input). */
import path from 'node:path';

export interface ActivityConfig {
  klaviyoBaseUrl: string;
  /** Key for the credential named "default" when the credentials file does not name it. */
  defaultApiKey?: string;
  /** JSON file {"<credential name>": "<private key>"}, re-read on every use so rotated keys are picked up. */
  credentialsFile?: string;
  /** Multiplies the client's rate-limit pacing; only for the emulator's sped-up limits. */
  rateSpeedFactor: number;
  /** Per-run reject reports go to <reportDir>/<workflowId>/<firstRunId>/. */
  reportDir: string;
  /** Country assumed for phone numbers written without a leading +. */
  defaultPhoneCountry?: string;
  /** Profiles per bulk import job (Klaviyo allows 10,000); smaller jobs finish and report sooner. */
  batchMaxProfiles: number;
  /** How long to wait for one bulk import job before giving up on it and submitting a fresh one. */
  bulkJobTimeoutMs: number;
  /** How often a list lock with runs waiting checks its holder is still running (default 15 s; tests shorten it). */
  listLockCheckMs?: number;
}

export function activityConfigFromEnv(env: NodeJS.ProcessEnv = process.env): ActivityConfig {
  const speed = Number(env.KLAVIYO_RATE_SPEED ?? '1');
  if (!Number.isFinite(speed) || speed <= 0) throw new Error('KLAVIYO_RATE_SPEED must be a positive number');
  return {
    klaviyoBaseUrl: env.KLAVIYO_BASE_URL || 'https://a.klaviyo.com',
    defaultApiKey: env.KLAVIYO_API_KEY || undefined,
    credentialsFile: env.KLAVIYO_CREDENTIALS_FILE || undefined,
    rateSpeedFactor: speed,
    reportDir: path.resolve(env.AUDIENCE_REPORT_DIR || 'reports'),
    defaultPhoneCountry: env.DEFAULT_PHONE_COUNTRY || undefined,
    batchMaxProfiles: positiveInt(env.AUDIENCE_BATCH_MAX_PROFILES, 10_000, 'AUDIENCE_BATCH_MAX_PROFILES', 10_000),
    bulkJobTimeoutMs: positiveInt(env.KLAVIYO_BULK_JOB_TIMEOUT_MS, 30 * 60_000, 'KLAVIYO_BULK_JOB_TIMEOUT_MS'),
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return n;
}
