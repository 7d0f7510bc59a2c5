/**
 * Records every request a KlaviyoClient sends (axios request interceptor) so a test can check each one
 * against the vendored OpenAPI spec with the project's Ajv validator.
 */
import type { KlaviyoClient } from '../../src/klaviyo/client';
import { validateRequest } from 'klaviyo-emulator';

export interface RecordedRequest {
  method: string;
  path: string;
  query: string;
  body: unknown;
}

export class RequestRecorder {
  readonly requests: RecordedRequest[] = [];

  attach(client: KlaviyoClient): KlaviyoClient {
    client.http.axios.interceptors.request.use((config) => {
      const url = new URL(config.url ?? '', 'http://recorder.invalid');
      this.requests.push({
        method: (config.method ?? 'get').toUpperCase(),
        path: decodeURIComponent(url.pathname),
        query: url.search,
        body: typeof config.data === 'string' || Buffer.isBuffer(config.data) ? JSON.parse(config.data.toString()) : config.data,
      });
      return config;
    });
    return client;
  }

  /** Spec violations of every recorded request, one line each ("" when all conform). */
  violations(): string[] {
    return this.requests.flatMap((r) => {
      const result = validateRequest(r.method, r.path, r.body, r.query);
      return result.valid ? [] : [`${r.method} ${r.path}${r.query}: ${result.errors.join('; ')}`];
    });
  }
}
