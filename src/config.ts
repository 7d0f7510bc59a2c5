/**
 * The one reader of the environment. The worker, the CLI, the demo and the bench all take their settings
 * from here, so they look at the same Temporal cluster and the same Klaviyo account; every other module
 * takes options. Each section is read on demand, so a command that only needs Temporal is not refused
 * for a bad Klaviyo setting.
 */
import path from 'node:path';
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

/** Everything the activities need (never from workflow input). */
export interface ActivityConfig {
  klaviyo: KlaviyoSettings;
  audience: AudienceSettings;
  /** Per-run reject reports go to <reportDir>/<workflowId>/<firstRunId>/. */
  reportDir: string;
  /** How long to wait for one bulk import job before giving up on it and submitting a fresh one. */
  bulkJobTimeoutMs: number;
  /** How often a list lock with runs waiting checks its holder is still running (default 15 s; tests shorten it). */
  listLockCheckMs?: number;
  /** Where alerts about paused and failed runs go (none when unset). */
  alerts?: AlertSettings;
}

export function activityConfigFromEnv(env: Env = process.env): ActivityConfig {
  return {
    klaviyo: klaviyoSettingsFromEnv(env),
    audience: audienceSettingsFromEnv(env),
    reportDir: path.resolve(env.AUDIENCE_REPORT_DIR || 'reports'),
    bulkJobTimeoutMs: positiveInt(env.KLAVIYO_BULK_JOB_TIMEOUT_MS, 30 * 60_000, 'KLAVIYO_BULK_JOB_TIMEOUT_MS'),
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
}

/** A token shorter than this is refused: it guards every run's Resolve button. */
export const CONSOLE_TOKEN_MIN_LENGTH = 16;

export function consoleSettingsFromEnv(env: Env = process.env): ConsoleSettings {
  const token = env.CONSOLE_TOKEN || undefined;
  if (token !== undefined && token.length < CONSOLE_TOKEN_MIN_LENGTH) {
    throw new Error(`CONSOLE_TOKEN must be at least ${CONSOLE_TOKEN_MIN_LENGTH} characters (e.g. openssl rand -hex 32)`);
  }
  return { token, reportDir: path.resolve(env.AUDIENCE_REPORT_DIR || 'reports'), ...runLinkSettingsFromEnv(env) };
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
