/**
 * Injected faults for tests and demos. Each fault matches a substring of "METHOD /path" (all API calls when
 * no match is given) and hits `count` requests (default 1):
 * - status: answer with that status (429 carries Retry-After and the `throttled` body);
 * - reset: destroy the socket without answering;
 * - latency: delay by `ms`, then handle the request normally;
 * - html: a Cloudflare challenge page (403, text/html, `cf-mitigated: challenge`);
 * - stuck_jobs: bulk import jobs created by matching requests never leave `processing`.
 */
import { randomUUID } from 'node:crypto';

export const FAULT_KINDS = ['status', 'reset', 'latency', 'html', 'stuck_jobs'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultSpec {
  match?: string;
  kind: FaultKind;
  status?: number;
  retryAfter?: number;
  ms?: number;
  count?: number;
}

export interface ActiveFault extends FaultSpec {
  id: string;
  remaining: number;
}

const STUCK_JOBS_DEFAULT_MATCH = 'POST /api/profile-bulk-import-jobs';

/** Problems with a fault spec, for a 400 from the admin route. */
export function faultSpecProblems(f: Partial<FaultSpec>): string[] {
  const problems: string[] = [];
  if (!FAULT_KINDS.includes(f.kind as FaultKind)) problems.push(`kind must be one of ${FAULT_KINDS.join(', ')}`);
  if (f.kind === 'status' && !(Number.isInteger(f.status) && f.status! >= 400 && f.status! <= 599)) problems.push('status must be an integer 400-599');
  if (f.kind === 'latency' && !(typeof f.ms === 'number' && f.ms >= 0)) problems.push('ms must be a number >= 0');
  if (f.count !== undefined && !(Number.isInteger(f.count) && f.count > 0)) problems.push('count must be a positive integer');
  if (f.retryAfter !== undefined && !(Number.isInteger(f.retryAfter) && f.retryAfter >= 0)) problems.push('retryAfter must be an integer >= 0');
  if (f.match !== undefined && typeof f.match !== 'string') problems.push('match must be a string');
  return problems;
}

export class FaultRegistry {
  private faults: ActiveFault[] = [];

  add(spec: FaultSpec): string {
    const id = randomUUID();
    const match = spec.match ?? (spec.kind === 'stuck_jobs' ? STUCK_JOBS_DEFAULT_MATCH : undefined);
    this.faults.push({ ...spec, match, id, remaining: spec.count ?? 1 });
    return id;
  }

  clear(): void {
    this.faults = [];
  }

  /** Consumes the faults that hit this request: the total latency and at most one fault that answers it. */
  take(requestLine: string): { latencyMs: number; answer?: ActiveFault } {
    let latencyMs = 0;
    let answer: ActiveFault | undefined;
    for (const f of this.faults) {
      if (f.kind === 'stuck_jobs' || !this.hits(f, requestLine)) continue;
      if (f.kind === 'latency') {
        latencyMs += f.ms ?? 0;
        f.remaining--;
      } else if (!answer) {
        answer = f;
        f.remaining--;
      }
    }
    this.prune();
    return { latencyMs, answer };
  }

  /** Whether a job created by this request should get stuck (consumes one hit). */
  takeStuckJob(requestLine: string): boolean {
    const f = this.faults.find((x) => x.kind === 'stuck_jobs' && this.hits(x, requestLine));
    if (!f) return false;
    f.remaining--;
    this.prune();
    return true;
  }

  private hits(f: ActiveFault, requestLine: string): boolean {
    return f.remaining > 0 && (f.match === undefined || requestLine.includes(f.match));
  }

  private prune(): void {
    this.faults = this.faults.filter((f) => f.remaining > 0);
  }
}

export const CLOUDFLARE_CHALLENGE_HTML = `<!DOCTYPE html><html lang="en-US"><head><title>Just a moment...</title>
<meta http-equiv="Content-Type" content="text/html; charset=UTF-8"></head>
<body><div class="main-wrapper" role="main"><div class="main-content">
<h1 class="zone-name-title h1">a.klaviyo.com</h1><h2 class="h2">Verifying you are human. This may take a few seconds.</h2>
</div></div></body></html>`;
