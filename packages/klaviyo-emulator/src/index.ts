/**
 * The package entry: start an emulator on loopback and get its URL and a typed admin client; and the
 * spec it is held to (path, revision, Ajv validation of requests and responses) for conformance tests.
 */
import { EmulatorAdmin } from './adminClient';
import { EmulatorServer, type EmulatorOptions } from './server';

export { EmulatorServer, type EmulatorOptions } from './server';
export { EmulatorAdmin, type StoredProfile, type ListSummary } from './adminClient';
export type { FaultSpec, FaultKind } from './faults';
export type { StatsSnapshot } from './stats';
export { SPEC_PATH, SPEC_REVISION, loadSpec, getOperation, matchPathTemplate, specOperations, type Spec, type Operation } from './openapi';
export {
  validateResponse,
  validateRequest,
  assertValidResponse,
  assertValidRequest,
  type ValidationResult,
  type QueryInput,
} from './specValidation';

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:54321 (use as KLAVIYO_BASE_URL). */
  url: string;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

/** Starts an emulator with its admin surface on (the returned `admin` client needs it), on loopback unless `host` says otherwise. */
export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const server = new EmulatorServer({ admin: true, ...opts });
  const url = await server.listen();
  return { url, admin: new EmulatorAdmin(url), close: () => server.close() };
}
