/** Route table types and matching of a concrete path against spec-style templates (`/api/lists/{id}`). */
import type { IncomingMessage } from 'node:http';
import type { BulkJobRunner } from './bulkJobRunner';
import type { FaultRegistry } from './faults';
import type { Account, EmulatorState } from './store';

export interface RequestContext {
  method: string;
  template: string;
  params: Record<string, string>;
  query: URLSearchParams;
  body: unknown;
  /** Size of the raw request body in bytes (bulk import's 5 MB rule). */
  bodyBytes: number;
  account: Account;
  state: EmulatorState;
  jobs: BulkJobRunner;
  faults: FaultRegistry;
  /** e.g. http://127.0.0.1:8089 — links in responses are built on it. */
  baseUrl: string;
  /** The full request URL (links.self). */
  selfUrl: string;
  req: IncomingMessage;
}

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiRoute {
  method: string;
  /** Exactly the spec's path template, so scopes and rate limits come from the spec. */
  template: string;
  handle(ctx: RequestContext): Reply | Promise<Reply>;
  /** Validate the body against the spec before `handle` (bulk import groups its own errors instead). */
  skipBodyValidation?: boolean;
}

interface Compiled<R> {
  route: R;
  re: RegExp;
  names: string[];
  literalSegments: number;
}

/** Matches METHOD + path to a route; literal segments win over parameters. */
export class Router<R extends { method: string; template: string }> {
  private readonly compiled: Compiled<R>[] = [];

  constructor(routes: R[]) {
    for (const route of routes) {
      const names: string[] = [];
      const pattern = route.template.replace(/[{:]([A-Za-z_]+)\}?/g, (_m, name: string) => {
        names.push(name);
        return '([^/]+)';
      });
      const literalSegments = route.template.split('/').filter((s) => s && !/^[{:]/.test(s)).length;
      this.compiled.push({ route, re: new RegExp(`^${pattern}/?$`), names, literalSegments });
    }
    this.compiled.sort((a, b) => b.literalSegments - a.literalSegments);
  }

  match(method: string, path: string): { route: R; params: Record<string, string> } | { methodNotAllowed: true } | undefined {
    let pathMatched = false;
    for (const c of this.compiled) {
      const m = c.re.exec(path);
      if (!m) continue;
      pathMatched = true;
      if (c.route.method !== method) continue;
      const params = Object.fromEntries(c.names.map((n, i) => [n, decodeURIComponent(m[i + 1]!)]));
      return { route: c.route, params };
    }
    return pathMatched ? { methodNotAllowed: true } : undefined;
  }
}
