/**
 * Heartbeats on a timer while a long step runs (a rate-limiter wait, a slow Klaviyo call), so a
 * short heartbeat timeout can detect a dead worker quickly without a live one ever missing a beat.
 */
import { heartbeat } from '@temporalio/activity';

export async function withHeartbeatTicker<T>(details: () => unknown, fn: () => Promise<T>, everyMs = 5_000): Promise<T> {
  const timer = setInterval(() => heartbeat(details()), everyMs);
  try {
    return await fn();
  } finally {
    clearInterval(timer);
  }
}
