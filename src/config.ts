/**
 * The one reader of the environment. The worker, the CLI, the demo and the bench all take their settings
 * from here, so they look at the same Temporal cluster and the same Klaviyo account; every other module
 * takes options. Each section is read on demand, so a command that only needs Temporal is not refused
 * for a bad Klaviyo setting.
 */
import path from 'node:path';
import ms from 'ms';
import { KLAVIYO_BASE_URL } from './klaviyo/apiVersion';
import { DEFAULT_TASK_QUEUE } from './names';

type Env = NodeJS.ProcessEnv;

export interface TemporalSettings {
  address: string;
  namespace: string;
  taskQueue: string;
  apiKey?: string;
  tls?: { clientCertPath?: string; clientKeyPath?: string; serverRootCaPath?: string; serverName?: string };
}

export function temporalSettingsFromEnv(env: Env = process.env): TemporalSettings {
  const tlsWanted =
    env.TEMPORAL_TLS === 'true' || Boolean(env.TEMPORAL_TLS_CERT || env.TEMPORAL_TLS_CA || env.TEMPORAL_API_KEY);
  return {
    address: env.TEMPORAL_ADDRESS || 'localhost:7233',
    namespace: env.TEMPORAL_NAMESPACE || 'default',
    taskQueue: env.TEMPORAL_TASK_QUEUE || DEFAULT_TASK_QUEUE,
    apiKey: env.TEMPORAL_API_KEY || undefined,
    tls: tlsWanted
      ? {
          clientCertPath: env.TEMPORAL_TLS_CERT || undefined,
          clientKeyPath: env.TEMPORAL_TLS_KEY || undefined,
          serverRootCaPath: env.TEMPORAL_TLS_CA || undefined,
          serverName: env.TEMPORAL_TLS_SERVER_NAME || undefined,
        }
      : undefined,
  };
}

/** Where Klaviyo is and how keys are found: the same for activities and for the CLI's read-only lookups. */
export interface KlaviyoSettings {
  baseUrl: string;
  /** Key for the credential named "default" when the credentials file does not name it. */
  defaultApiKey?: string;
  /** JSON file {"<credential name>": "<private key>"}, re-read on every use so rotated keys are picked up. */
  credentialsFile?: string;
  /** Multiplies the client's rate-limit pacing; only for the emulator's sped-up limits. */
  rateSpeedFactor: number;
}

export function klaviyoSettingsFromEnv(env: Env = process.env): KlaviyoSettings {
  const speed = Number(env.KLAVIYO_RATE_SPEED ?? '1');
  if (!Number.isFinite(speed) || speed <= 0) throw new Error('KLAVIYO_RATE_SPEED must be a positive number');
  return {
    baseUrl: env.KLAVIYO_BASE_URL || KLAVIYO_BASE_URL,
    defaultApiKey: env.KLAVIYO_API_KEY || undefined,
    credentialsFile: env.KLAVIYO_CREDENTIALS_FILE || undefined,
    rateSpeedFactor: speed,
  };
}

/** How audiences are read and batched: the same for the activities and the CLI's local checks and estimates. */
export interface AudienceSettings {
  /** Country assumed for phone numbers written without a leading +. */
  defaultPhoneCountry: string;
  /** Profiles per bulk import job (Klaviyo allows 10,000); smaller jobs finish and report sooner. */
  batchMaxProfiles: number;
}

export function audienceSettingsFromEnv(env: Env = process.env): AudienceSettings {
  return {
    defaultPhoneCountry: env.DEFAULT_PHONE_COUNTRY || 'US',
    batchMaxProfiles: positiveInt(env.AUDIENCE_BATCH_MAX_PROFILES, 10_000, 'AUDIENCE_BATCH_MAX_PROFILES', 10_000),
  };
}

/** Query sources (PostgreSQL, Parquet): where connection strings are found, limits, and where snapshots go. */
export interface SourceSettings {
  /** JSON file {"<connection name>": "postgres://…"}, re-read on every use so a changed password is picked up. */
  connectionsFile?: string;
  /** AUDIENCE_CONNECTION_<NAME> variables, by variable name. */
  connectionVariables: Record<string, string>;
  /** statement_timeout for an audience query (AUDIENCE_QUERY_TIMEOUT, default 10 minutes). */
  queryTimeoutMs: number;
  /** Attempts to reach a database before the run pauses on `source_unavailable` (AUDIENCE_SOURCE_ATTEMPTS, default 5). */
  connectAttempts: number;
  /**
   * Where a query source's rows are written once per run (AUDIENCE_SNAPSHOT_DIR, default ./data/snapshots):
   * <dir>/<workflowId>/<firstRunId>/. Every worker must see the same folder, as with audience files.
   */
  snapshotDir: string;
}

export const DEFAULT_QUERY_TIMEOUT = '10m';

export function sourceSettingsFromEnv(env: Env = process.env): SourceSettings {
  const timeout = env.AUDIENCE_QUERY_TIMEOUT || DEFAULT_QUERY_TIMEOUT;
  // A bare number is seconds; otherwise a duration such as 90s, 10m or 1h.
  const queryTimeoutMs = /^\d+$/.test(timeout) ? Number(timeout) * 1000 : ms(timeout as ms.StringValue);
  if (!Number.isFinite(queryTimeoutMs) || queryTimeoutMs < 1000) {
    throw new Error('AUDIENCE_QUERY_TIMEOUT must be a duration of at least 1 s, such as 90s, 10m or 1h (a bare number is seconds)');
  }
  return {
    connectionsFile: env.AUDIENCE_CONNECTIONS_FILE || undefined,
    connectionVariables: Object.fromEntries(
      Object.entries(env).filter((e): e is [string, string] => e[0].startsWith('AUDIENCE_CONNECTION_') && Boolean(e[1])),
    ),
    queryTimeoutMs,
    connectAttempts: positiveInt(env.AUDIENCE_SOURCE_ATTEMPTS, 5, 'AUDIENCE_SOURCE_ATTEMPTS', 50),
    snapshotDir: path.resolve(env.AUDIENCE_SNAPSHOT_DIR || path.join('data', 'snapshots')),
  };
}

/** Everything the activities need (never from workflow input). */
export interface ActivityConfig {
  klaviyo: KlaviyoSettings;
  audience: AudienceSettings;
  sources: SourceSettings;
  /** Per-run reject reports go to <reportDir>/<workflowId>/<firstRunId>/. */
  reportDir: string;
  /** How long to wait for one bulk import job before giving up on it and submitting a fresh one. */
  bulkJobTimeoutMs: number;
  /** How often a list lock with runs waiting checks its holder is still running (default 15 s; tests shorten it). */
  listLockCheckMs?: number;
}

export function activityConfigFromEnv(env: Env = process.env): ActivityConfig {
  return {
    klaviyo: klaviyoSettingsFromEnv(env),
    audience: audienceSettingsFromEnv(env),
    sources: sourceSettingsFromEnv(env),
    reportDir: path.resolve(env.AUDIENCE_REPORT_DIR || 'reports'),
    bulkJobTimeoutMs: positiveInt(env.KLAVIYO_BULK_JOB_TIMEOUT_MS, 30 * 60_000, 'KLAVIYO_BULK_JOB_TIMEOUT_MS'),
  };
}

/** The worker process: its Temporal connection, its activities, and how it starts. */
export interface WorkerConfig {
  temporal: TemporalSettings;
  activities: ActivityConfig;
  /** Register the search attribute at start (off where workers may not change the namespace). */
  registerSearchAttributes: boolean;
  /** A prebuilt workflow bundle other than lib/workflow-bundle.js; it must come from the same code. */
  workflowBundlePath?: string;
}

export function workerConfigFromEnv(env: Env = process.env): WorkerConfig {
  return {
    temporal: temporalSettingsFromEnv(env),
    activities: activityConfigFromEnv(env),
    registerSearchAttributes: env.AUDIENCE_SYNC_REGISTER_SEARCH_ATTRIBUTES !== 'false',
    workflowBundlePath: env.WORKFLOW_BUNDLE_PATH || undefined,
  };
}

function positiveInt(value: string | undefined, fallback: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return n;
}
