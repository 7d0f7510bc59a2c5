/** Builds a Klaviyo client for one activity call, counting its API calls for the run's report. */
import { KlaviyoClient } from '../klaviyo/client';
import type { ActivityConfig } from '../config';
import { resolveApiKey } from '../credentials';

export interface CountingClient {
  client: KlaviyoClient;
  /** API calls made so far, by "METHOD /path-template". */
  apiCalls: Record<string, number>;
}

export function clientFor(config: ActivityConfig, credential: string): CountingClient {
  const apiCalls: Record<string, number> = {};
  const client = new KlaviyoClient({
    apiKey: resolveApiKey(config.klaviyo, credential),
    baseUrl: config.klaviyo.baseUrl,
    speedFactor: config.klaviyo.rateSpeedFactor,
    onCall: (endpoint) => {
      apiCalls[endpoint] = (apiCalls[endpoint] ?? 0) + 1;
    },
  });
  return { client, apiCalls };
}
