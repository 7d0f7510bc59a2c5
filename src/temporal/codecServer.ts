/**
 * A codec server as Temporal's remote-codec protocol defines it: POST /decode and /encode with
 * `{"payloads": [{"metadata": {...base64}, "data": base64}]}`, so the Temporal UI (and `temporal
 * --codec-endpoint`) show operators decrypted inputs, results and failures while the server stores ciphertext.
 *
 * Only callers with the token may use it: `Authorization: Bearer <token>` (the Temporal CLI's
 * `--codec-auth`), or the session cookie its /login page sets for a browser, which the UI sends when its
 * codec settings include cross-origin credentials. Browsers may call it only from the listed origins.
 */
import { createHmac, timingSafeEqual, createHash } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { Payload, PayloadCodec } from '@temporalio/common';

export interface CodecServerOptions {
  codec: PayloadCodec;
  token: string;
  corsOrigins: string[];
}

const SESSION_COOKIE = 'codec_session';
const MAX_BODY_BYTES = 32 * 1024 * 1024;
const SESSION_SECONDS = 12 * 3600;

interface JsonPayload {
  metadata?: Record<string, string>;
  data?: string;
}

class HttpError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

const digest = (s: string) => createHash('sha256').update(s).digest();
const sameSecret = (a: string, b: string) => timingSafeEqual(digest(a), digest(b));

export function createCodecServer(opts: CodecServerOptions): Server {
  const session = createHmac('sha256', opts.token).update('codec-server session').digest('hex');
  const origins = new Set(opts.corsOrigins);

  function authorized(req: IncomingMessage): boolean {
    const bearer = /^Bearer\s+(.+)$/i.exec(req.headers.authorization ?? '')?.[1];
    if (bearer !== undefined) return sameSecret(bearer.trim(), opts.token);
    const cookie = (req.headers.cookie ?? '').split(';').map((c) => c.trim().split('='));
    const value = cookie.find(([name]) => name === SESSION_COOKIE)?.[1];
    return value !== undefined && sameSecret(value, session);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const origin = req.headers.origin;
    if (origin !== undefined) {
      if (!origins.has(origin)) throw new HttpError(403, `origin ${origin} is not allowed (TEMPORAL_CODEC_CORS_ORIGINS)`);
      res.setHeader('Access-Control-Allow-Origin', origin);
      res.setHeader('Access-Control-Allow-Credentials', 'true');
      res.setHeader('Vary', 'Origin');
    }
    const path = new URL(req.url ?? '/', 'http://codec.invalid').pathname;
    if (req.method === 'OPTIONS') {
      res.writeHead(204, {
        'Access-Control-Allow-Methods': 'POST, OPTIONS',
        'Access-Control-Allow-Headers': 'Content-Type, Authorization, X-Namespace',
        'Access-Control-Max-Age': '600',
      });
      res.end();
      return;
    }
    if (path === '/login') return login(req, res);
    const op = /\/(encode|decode)$/.exec(path)?.[1];
    if (req.method !== 'POST' || !op) throw new HttpError(404, 'POST /decode or /encode; GET /login to sign a browser in');
    if (!authorized(req)) throw new HttpError(401, 'a valid token is required (Authorization: Bearer <token>, or sign in at /login)');
    const body = JSON.parse((await readBody(req)).toString('utf8') || '{}') as { payloads?: JsonPayload[] };
    if (!Array.isArray(body.payloads)) throw new HttpError(400, 'the body must be {"payloads": [...]}');
    const payloads = body.payloads.map(fromJson);
    const out = op === 'decode' ? await opts.codec.decode(payloads) : await opts.codec.encode(payloads);
    sendJson(res, 200, { payloads: out.map(toJson) });
  }

  async function login(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method === 'GET') return sendHtml(res, 200, LOGIN_FORM);
    if (req.method !== 'POST') throw new HttpError(404, 'GET or POST /login');
    const token = new URLSearchParams((await readBody(req)).toString('utf8')).get('token') ?? '';
    if (!sameSecret(token, opts.token)) return sendHtml(res, 401, page('Wrong token.', LOGIN_FORM));
    res.setHeader('Set-Cookie', `${SESSION_COOKIE}=${session}; HttpOnly; SameSite=Lax; Path=/; Max-Age=${SESSION_SECONDS}`);
    sendHtml(res, 200, page('Signed in: the Temporal UI in this browser can now show decrypted payloads (for 12 hours).'));
  }

  return createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      const status = err instanceof HttpError ? err.status : err instanceof SyntaxError ? 400 : 500;
      if (!res.headersSent) sendJson(res, status, { error: (err as Error).message });
      else res.end();
    });
  });
}

function fromJson(p: JsonPayload): Payload {
  const metadata: Record<string, Uint8Array> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) metadata[k] = Buffer.from(v, 'base64');
  return { metadata, data: Buffer.from(p.data ?? '', 'base64') };
}

function toJson(p: Payload): JsonPayload {
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(p.metadata ?? {})) if (v) metadata[k] = Buffer.from(v).toString('base64');
  return { metadata, data: Buffer.from(p.data ?? []).toString('base64') };
}

async function readBody(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new HttpError(413, `the body is larger than ${MAX_BODY_BYTES} bytes`);
    chunks.push(chunk);
  }
  return Buffer.concat(chunks);
}

function sendJson(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body));
}

function sendHtml(res: ServerResponse, status: number, html: string): void {
  res.writeHead(status, { 'Content-Type': 'text/html; charset=utf-8', 'X-Frame-Options': 'DENY' }).end(html);
}

function page(message: string, rest = ''): string {
  return `<!doctype html><meta charset="utf-8"><title>Codec server</title><p>${message}</p>${rest}`;
}

const LOGIN_FORM = page(
  'Sign this browser in to the klaviyo-audience-sync codec server with its token (TEMPORAL_CODEC_SERVER_TOKEN).',
  '<form method="post" action="/login"><input type="password" name="token" autofocus> <button>Sign in</button></form>',
);
