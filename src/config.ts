/**
 * The one reader of the environment. The worker, the CLI, the demo and the bench all take their settings
 * from here, so they look at the same Temporal cluster and the same Klaviyo account; every other module
 * takes options. Each section is read on demand, so a command that only needs Temporal is not refused
 * for a bad Klaviyo setting.
 */
import path from 'node:path';
import { fileURLToPath } from 'node:url';
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
  /** Payload encryption, for the worker and every client alike; absent: payloads are stored as JSON. */
  codec?: CodecSettings;
}

/**
 * AES-256-GCM payload encryption keys (src/temporal/codec.ts). New payloads are encrypted with the
 * current key; older keys stay for decryption only, so a key can be rotated without losing history.
 */
export interface CodecSettings {
  /** Id of the key new payloads are encrypted with (recorded in each payload); undefined: decrypt only. */
  keyId?: string;
  /** Every key by id: the current one and the older ones. */
  keys: Record<string, Buffer>;
}

function codecKey(value: string, name: string): Buffer {
  const key = Buffer.from(value, 'base64');
  if (key.length !== 32 || key.toString('base64').replace(/=+$/, '') !== value.trim().replace(/=+$/, '')) {
    throw new Error(`${name} must be 32 random bytes in base64 (e.g. \`openssl rand -base64 32\`)`);
  }
  return key;
}

/**
 * TEMPORAL_CODEC_KEY (base64, 32 bytes) turns encryption on, under the id TEMPORAL_CODEC_KEY_ID (default
 * "default"); TEMPORAL_CODEC_OLD_KEYS (`id:base64,id:base64`) are kept for decrypting payloads written
 * before a rotation (alone, they decrypt without encrypting anything new).
 */
export function codecSettingsFromEnv(env: Env = process.env): CodecSettings | undefined {
  const keys: Record<string, Buffer> = {};
  for (const entry of (env.TEMPORAL_CODEC_OLD_KEYS ?? '').split(',').filter((e) => e.trim() !== '')) {
    const at = entry.indexOf(':');
    const id = entry.slice(0, at).trim();
    if (at < 1 || !id) throw new Error('TEMPORAL_CODEC_OLD_KEYS must be a comma-separated list of <key id>:<base64 key>');
    keys[id] = codecKey(entry.slice(at + 1).trim(), `the TEMPORAL_CODEC_OLD_KEYS entry for key id "${id}"`);
  }
  if (!env.TEMPORAL_CODEC_KEY) return Object.keys(keys).length > 0 ? { keys } : undefined;
  const keyId = env.TEMPORAL_CODEC_KEY_ID || 'default';
  keys[keyId] = codecKey(env.TEMPORAL_CODEC_KEY, 'TEMPORAL_CODEC_KEY');
  return { keyId, keys };
}

/** The codec server (`klaviyo-audience-sync codec-server`): who may ask it to decrypt. */
export interface CodecServerSettings {
  /** Callers must present it (`Authorization: Bearer …`, or the cookie its /login page sets). */
  token: string;
  /** Browser origins allowed to call it: the Temporal UI's. */
  corsOrigins: string[];
}

export function codecServerSettingsFromEnv(env: Env = process.env): CodecServerSettings {
  const token = env.TEMPORAL_CODEC_SERVER_TOKEN ?? '';
  if (token.length < 16) throw new Error('TEMPORAL_CODEC_SERVER_TOKEN must be set to a secret of at least 16 characters');
  const origins = (env.TEMPORAL_CODEC_CORS_ORIGINS || 'http://localhost:8233,http://localhost:8080').split(',');
  return { token, corsOrigins: origins.map((o) => o.trim().replace(/\/+$/, '')).filter(Boolean) };
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
    codec: codecSettingsFromEnv(env),
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

/** Where the sync-state store lives and how often each list's membership is read in full (the drift check). */
export interface StateStoreSettings {
  /** A `postgres://` URL, or the path of the embedded store's file. */
  location: string;
  verifyEveryMs: number;
}

/** The embedded store's file when AUDIENCE_STATE_URL is unset: under ./data in the working directory. */
export const DEFAULT_STATE_FILE = path.join('data', 'audience-state.sqlite');
const DEFAULT_VERIFY_EVERY = '7d';

export function stateStoreSettingsFromEnv(env: Env = process.env): StateStoreSettings {
  return { location: stateLocation(env.AUDIENCE_STATE_URL), verifyEveryMs: duration(env.AUDIENCE_VERIFY_EVERY, DEFAULT_VERIFY_EVERY, 'AUDIENCE_VERIFY_EVERY') };
}

function stateLocation(url: string | undefined): string {
  if (!url) return path.resolve(DEFAULT_STATE_FILE);
  if (/^postgres(ql)?:\/\//i.test(url)) return url;
  if (url.startsWith('file://')) return fileURLToPath(url);
  if (url.startsWith('file:')) return path.resolve(url.slice('file:'.length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(url)) {
    throw new Error('AUDIENCE_STATE_URL must be a postgres:// URL, a file: URL or a file path');
  }
  return path.resolve(url);
}

/** "7d", "12h", "30m" or a number of milliseconds. */
function duration(value: string | undefined, fallback: string, name: string): number {
  const text = value === undefined || value === '' ? fallback : value;
  const parsed = /^\d+$/.test(text) ? Number(text) : ms(text as ms.StringValue);
  if (typeof parsed !== 'number' || !Number.isFinite(parsed) || parsed < 0) {
    throw new Error(`${name} must be a duration such as 7d, 12h or 30m (got "${text}")`);
  }
  return parsed;
}

/**
 * The folders audience files may be read from (AUDIENCE_ROOTS, `:`-separated; default the working
 * directory). A run naming a file elsewhere, symbolic links resolved, fails its plan: workflow input is
 * untrusted, and the worker may hold files (its credentials, say) that no run should read.
 */
export function audienceRootsFromEnv(env: Env = process.env): string[] {
  const roots = (env.AUDIENCE_ROOTS ?? '').split(':').filter((r) => r.trim() !== '');
  return roots.length > 0 ? roots.map((r) => path.resolve(r)) : [process.cwd()];
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
  /** Optional export of each run's reject report to <reportDir>/<workflowId>/<firstRunId>/rejects.csv (the store keeps them anyway). */
  reportDir?: string;
  state: StateStoreSettings;
  /** Absolute folders audience files must resolve into (see audienceRootsFromEnv). */
  audienceRoots: string[];
  sources: SourceSettings;
  /** How long to wait for one bulk import job before giving up on it and submitting a fresh one. */
  bulkJobTimeoutMs: number;
  /**
   * A bulk import job whose status and counts stay unchanged this long is stuck and submitted afresh.
   * Klaviyo's jobs move (queued, then processing with growing counts) within seconds to a few minutes; default 5 min.
   */
  bulkJobStallMs: number;
  /** How often a list lock with runs waiting checks its holder is still running (default 15 s; tests shorten it). */
  listLockCheckMs?: number;
  /**
   * Whether list lock ids show the list's name (default true). Off when payloads are encrypted: workflow
   * ids never are, so the lock id then carries only a hash of the name.
   */
  readableLockIds?: boolean;
  /** Where alerts about paused and failed runs go (none when unset). */
  alerts?: AlertSettings;
}

export function activityConfigFromEnv(env: Env = process.env): ActivityConfig {
  return {
    klaviyo: klaviyoSettingsFromEnv(env),
    audience: audienceSettingsFromEnv(env),
    reportDir: env.AUDIENCE_REPORT_DIR ? path.resolve(env.AUDIENCE_REPORT_DIR) : undefined,
    state: stateStoreSettingsFromEnv(env),
    audienceRoots: audienceRootsFromEnv(env),
    sources: sourceSettingsFromEnv(env),
    bulkJobTimeoutMs: positiveInt(env.KLAVIYO_BULK_JOB_TIMEOUT_MS, 30 * 60_000, 'KLAVIYO_BULK_JOB_TIMEOUT_MS'),
    bulkJobStallMs: positiveInt(env.KLAVIYO_BULK_JOB_STALL_MS, 5 * 60_000, 'KLAVIYO_BULK_JOB_STALL_MS'),
    readableLockIds: !env.TEMPORAL_CODEC_KEY,
    alerts: alertSettingsFromEnv(env),
  };
}

/** Links to a run's page, for alerts and the console: the console's own page, and the run in the Temporal UI. */
export interface RunLinkSettings {
  /** The console's address as operators reach it, e.g. https://audience-sync.example.com (CONSOLE_URL). */
  consoleUrl?: string;
  /** The Temporal UI's address, e.g. http://localhost:8080 (TEMPORAL_UI_URL). */
  temporalUiUrl?: string;
}

/** Slack-compatible webhook for runs that pause on a workflow action or fail. The URL is a secret: never logged. */
export interface AlertSettings extends RunLinkSettings {
  webhookUrl?: string;
}

export function alertSettingsFromEnv(env: Env = process.env): AlertSettings {
  return {
    webhookUrl: httpUrl(env.ALERT_WEBHOOK_URL, 'ALERT_WEBHOOK_URL'),
    ...runLinkSettingsFromEnv(env),
  };
}

function runLinkSettingsFromEnv(env: Env): RunLinkSettings {
  return {
    consoleUrl: httpUrl(env.CONSOLE_URL, 'CONSOLE_URL')?.replace(/\/+$/, ''),
    temporalUiUrl: httpUrl(env.TEMPORAL_UI_URL, 'TEMPORAL_UI_URL')?.replace(/\/+$/, ''),
  };
}

/** The operators' console (`klaviyo-audience-sync console`). */
export interface ConsoleSettings extends RunLinkSettings {
  /** Required to listen on anything but loopback: a bearer token, or typed into the login form. */
  token?: string;
  /** Where the workers write reject reports; the console serves rejects.csv files from under it only. */
  reportDir: string;
  /** The workers' sync-state store (AUDIENCE_STATE_URL): run reports, reject rows, list members. */
  stateLocation: string;
}

/** A token shorter than this is refused: it guards every run's Resolve button. */
export const CONSOLE_TOKEN_MIN_LENGTH = 16;

export function consoleSettingsFromEnv(env: Env = process.env): ConsoleSettings {
  const token = env.CONSOLE_TOKEN || undefined;
  if (token !== undefined && token.length < CONSOLE_TOKEN_MIN_LENGTH) {
    throw new Error(`CONSOLE_TOKEN must be at least ${CONSOLE_TOKEN_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
  return {
    token,
    reportDir: path.resolve(env.AUDIENCE_REPORT_DIR || 'reports'),
    stateLocation: stateLocation(env.AUDIENCE_STATE_URL),
    ...runLinkSettingsFromEnv(env),
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

function httpUrl(value: string | undefined, name: string): string | undefined {
  if (!value) return undefined;
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  // The value itself is not echoed: a webhook URL carries its secret in the path.
  if (!url || (url.protocol !== 'http:' && url.protocol !== 'https:')) throw new Error(`${name} must be an http:// or https:// URL`);
  return value;
}

function positiveInt(value: string | undefined, fallback: number, name: string, max = Number.MAX_SAFE_INTEGER): number {
  if (value === undefined || value === '') return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) throw new Error(`${name} must be a whole number from 1 to ${max}`);
  return n;
}
