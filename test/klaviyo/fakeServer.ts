/**
 * A scripted HTTP server for transport-level unit tests (bodies the emulator would never send on purpose:
 * HTML pages, broken JSON, wrong shapes, echoed secrets). Client behaviour against the real emulator is
 * tested in client.emulator.test.ts.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface Received {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}
export type Reply = { status: number; body?: string | object; headers?: Record<string, string> } | 'reset';

export interface FakeServer {
  url: string;
  received: Received[];
  /** Replies used in order; when they run out, `fallback` answers. */
  script(...replies: Reply[]): void;
  fallback: Reply;
  close(): Promise<void>;
}

export async function startFakeServer(): Promise<FakeServer> {
  const queue: Reply[] = [];
  const state = { fallback: { status: 200, body: { data: [], links: {} } } as Reply };
  const received: Received[] = [];
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('utf8')));
    req.on('end', () => {
      received.push({ method: req.method ?? '', url: req.url ?? '', headers: req.headers, body });
      const reply = queue.shift() ?? state.fallback;
      if (reply === 'reset') {
        req.socket.destroy();
        return;
      }
      const text = typeof reply.body === 'string' ? reply.body : reply.body === undefined ? '' : JSON.stringify(reply.body);
      res.writeHead(reply.status, { 'content-type': 'application/vnd.api+json', ...reply.headers });
      res.end(text);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    received,
    script: (...replies) => void queue.push(...replies),
    get fallback() {
      return state.fallback;
    },
    set fallback(r: Reply) {
      state.fallback = r;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
