/** In-process entry point: start an emulator on loopback and get its URL and a typed admin client. */
import { EmulatorAdmin } from './adminClient';
import { EmulatorServer, type EmulatorOptions } from './server';

export type { EmulatorOptions } from './server';
export { EmulatorAdmin, type StoredProfile } from './adminClient';
export type { FaultSpec, FaultKind } from './faults';
export type { StatsSnapshot } from './stats';

export interface RunningEmulator {
  /** e.g. http://127.0.0.1:54321 (use as KLAVIYO_BASE_URL). */
  url: string;
  admin: EmulatorAdmin;
  close(): Promise<void>;
}

export async function startEmulator(opts: EmulatorOptions = {}): Promise<RunningEmulator> {
  const server = new EmulatorServer(opts);
  const url = await server.listen();
  return { url, admin: new EmulatorAdmin(url), close: () => server.close() };
}
