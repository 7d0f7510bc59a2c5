/** The HTTP server: dispatches /admin to the admin surface and everything else to the API pipeline. */
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { adminOff, handleAdmin } from './admin';
import { ApiPipeline } from './apiPipeline';
import { BulkJobRunner } from './bulkJobRunner';
import { FaultRegistry } from './faults';
import { RateLimiter } from './rateLimiter';
import { Stats } from './stats';
import { EmulatorState } from './store';

export interface EmulatorOptions {
  /** 0 = ephemeral (default for tests); the CLI defaults to 8089. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Rate-limit speed factor (default 1): every limit count is multiplied by it; jobs also run faster. */
  speed?: number;
  /** Base time a bulk import job spends queued and then processing (default 500 ms / speed). */
  jobDelayMs?: number;
  /** Log one line per API request (never headers or keys). */
  log?: boolean;
  /**
   * Serve the /admin surface (keys, seeding, faults, reset; no auth, loopback callers only). Off unless
   * asked for: the CLI's `--admin`; startEmulator turns it on, since it hands back an admin client.
   */
  admin?: boolean;
}

export class EmulatorServer {
  readonly state = new EmulatorState();
  readonly stats = new Stats();
  readonly faults = new FaultRegistry();
  readonly limiter: RateLimiter;
  readonly jobs: BulkJobRunner;
  private readonly pipeline: ApiPipeline;
  private readonly server: Server;
  private readonly sockets = new Set<Socket>();

  constructor(private readonly opts: EmulatorOptions = {}) {
    const speed = opts.speed ?? 1;
    if (!(speed > 0)) throw new Error('speed must be a positive number');
    this.limiter = new RateLimiter(speed);
    this.jobs = new BulkJobRunner(this.state, opts.jobDelayMs ?? Math.round(500 / speed));
    const deps = { state: this.state, limiter: this.limiter, faults: this.faults, jobs: this.jobs, stats: this.stats };
    this.pipeline = new ApiPipeline({ ...deps, log: opts.log ?? false });
    this.server = createServer((req, res) => {
      const base = this.baseUrl(req.headers.host);
      const url = new URL(req.url ?? '/', base);
      const admin = url.pathname.startsWith('/admin/');
      const work =
        admin && opts.admin
          ? handleAdmin(req, res, url, deps)
          : admin
            ? adminOff(res)
            : this.pipeline.handle(req, res, url, base);
      work.catch((e: unknown) => {
        console.error('emulator: request failed', e);
        if (!res.headersSent) res.writeHead(500).end();
      });
    });
    this.server.on('connection', (s) => {
      this.sockets.add(s);
      s.on('close', () => this.sockets.delete(s));
    });
  }

  private baseUrl(hostHeader: string | undefined): string {
    if (hostHeader !== undefined) return `http://${hostHeader}`;
    const addr = this.server.address() as AddressInfo | null; // a system call: only when the Host header is missing
    return `http://${this.opts.host ?? '127.0.0.1'}:${addr?.port ?? 0}`;
  }

  /** Starts listening; resolves with the base URL, e.g. http://127.0.0.1:54321. */
  listen(): Promise<string> {
    const host = this.opts.host ?? '127.0.0.1';
    return new Promise((resolve, reject) => {
      this.server.once('error', reject);
      this.server.listen(this.opts.port ?? 0, host, () => {
        const { port } = this.server.address() as AddressInfo;
        resolve(`http://${host.includes(':') ? `[${host}]` : host}:${port}`);
      });
    });
  }

  close(): Promise<void> {
    this.jobs.close();
    return new Promise((resolve) => {
      this.server.close(() => resolve());
      for (const s of this.sockets) s.destroy();
    });
  }
}
