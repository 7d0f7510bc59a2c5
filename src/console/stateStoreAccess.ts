/**
 * The console's connection to the sync-state store, opened as the workers open it (openStateStore, at the
 * location AUDIENCE_STATE_URL names). The console only reads: when the store cannot be opened or read, the
 * pages keep Temporal's view and say so in one sentence (the log says why, never the page: it could name
 * the store's host). Opening is tried again at most every `retryMs`, so a store that starts after the
 * console (compose) is picked up.
 */
import { openExistingStateStore } from '../store/open';
import type { SyncStateStore } from '../store/types';

export const STORE_UNAVAILABLE =
  'The sync-state store is unavailable, so this page shows only what Temporal keeps (no runs past its retention, no stored reports, reject rows or member counts); the console’s log says why.';

/** How long a page waits for the store (an unreachable host would otherwise hold it for minutes). */
const PATIENCE_MS = 5000;

function withPatience<T>(work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${PATIENCE_MS / 1000} s`)), PATIENCE_MS);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}

export class StateStoreAccess {
  private store?: SyncStateStore;
  private opening?: Promise<SyncStateStore | undefined>;
  private lastFailure = -Infinity;
  private failing = false;
  private lastLogged?: string;

  constructor(
    private readonly location: string,
    private readonly logError: (message: string) => void,
    private readonly retryMs = 30_000,
  ) {}

  /** One sentence for the page while the store cannot be read; undefined when it can. */
  get problem(): string | undefined {
    return this.failing ? STORE_UNAVAILABLE : undefined;
  }

  /** `fn` over the store, or `fallback` when it cannot be opened or `fn` fails (or takes too long). */
  async read<T>(what: string, fn: (store: SyncStateStore) => Promise<T>, fallback: T): Promise<T> {
    try {
      const store = await withPatience(this.open());
      if (!store) return fallback;
      const result = await withPatience(fn(store));
      this.succeed();
      return result;
    } catch (err) {
      this.fail(`console: reading ${what} from the sync-state store failed: ${(err as Error).message}`);
      return fallback;
    }
  }

  /** Opens the store now (at start, so a wrong AUDIENCE_STATE_URL is logged at once); a slow store does not hold the start. */
  async warmUp(): Promise<void> {
    await withPatience(this.open()).catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.opening;
    await this.store?.close();
  }

  private open(): Promise<SyncStateStore | undefined> {
    if (this.store) return Promise.resolve(this.store);
    if (Date.now() - this.lastFailure < this.retryMs) return Promise.resolve(undefined);
    this.opening ??= this.tryOpen().finally(() => (this.opening = undefined));
    return this.opening;
  }

  private async tryOpen(): Promise<SyncStateStore | undefined> {
    try {
      // A store that accepts the connection and never answers fails here, not on every page.
      const store = await openExistingStateStore(this.location, { connectTimeoutMs: PATIENCE_MS });
      if (!store) {
        throw new Error(`no store file at ${this.location} yet (a worker creates it when it starts; AUDIENCE_STATE_URL must name the workers' store)`);
      }
      this.store = store;
      this.succeed();
      return this.store;
    } catch (err) {
      this.lastFailure = Date.now();
      // openStateStore names a PostgreSQL store without its password.
      this.fail(`console: the sync-state store cannot be opened, so the console shows Temporal's view only: ${(err as Error).message}`);
      return undefined;
    }
  }

  /** Logs each reason once while the store stays unavailable (pages refresh every few seconds). */
  private fail(message: string): void {
    if (message !== this.lastLogged) this.logError(message);
    this.lastLogged = message;
    this.failing = true;
  }

  private succeed(): void {
    this.failing = false;
    this.lastLogged = undefined;
  }
}
