/**
 * Alerts against a local HTTP receiver: each pause of a run on a workflow action posts one Slack-compatible
 * message (list, action, first step, console link) however often the webhook must be retried; a failed run
 * posts one too; a webhook that keeps failing never holds a run up.
 */
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkflowFailedError } from '@temporalio/client';
import { RESOLVE_SIGNAL } from '../../src/shared';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';

interface Delivery {
  key: string;
  text: string;
  body: unknown;
  status: number;
}

let h: SyncHarness;
let receiver: http.Server;
let webhookUrl: string;
const deliveries: Delivery[] = [];
/** The receiver's answer to each POST (tests change it). */
let answer: (attempt: number) => number = () => 200;

beforeAll(async () => {
  receiver = http.createServer((req, res) => {
    let raw = '';
    req.on('data', (d: Buffer) => (raw += d.toString()));
    req.on('end', () => {
      const body = JSON.parse(raw) as { text: string };
      const key = String(req.headers['idempotency-key']);
      const status = answer(deliveries.filter((d) => d.key === key).length + 1);
      deliveries.push({ key, text: body.text, body, status });
      res.writeHead(status).end(status === 200 ? 'ok' : 'try later');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // A Slack-like URL whose path is the secret.
  webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/services/T000/B000/secret-part`;
  h = await createSyncHarness({ worker: false, batchMaxProfiles: 100 });
  h.activityConfig.alerts = { webhookUrl, consoleUrl: 'http://console.example:8090' };
  await h.startWorker();
});

afterAll(async () => {
  await h?.close();
  await new Promise((r) => receiver?.close(r));
});

const forRun = (workflowId: string) => deliveries.filter((d) => d.key.startsWith(`${workflowId}/`));

async function until(check: () => boolean, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`not within ${timeoutMs} ms; deliveries: ${JSON.stringify(deliveries, null, 1)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

describe('alerts to ALERT_WEBHOOK_URL', () => {
  it('posts once per pause, retrying a webhook that failed, with the list, the action, its first step and a console link', async () => {
    answer = (attempt) => (attempt === 1 ? 503 : 200);
    const list = `Alert VIP ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'alert.csv', makeCustomers(50, { prefix: 'alert' }).rows);
    await h.emulator.admin.revokeKey(h.apiKey);
    const workflowId = `alert-pause-${randomUUID().slice(0, 8)}`;
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: audience } }, workflowId);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    await until(() => forRun(workflowId).some((d) => d.status === 200));

    const attempts = forRun(workflowId);
    expect(attempts.map((d) => d.status)).toEqual([503, 200]);
    expect(new Set(attempts.map((d) => d.key)).size).toBe(1);
    const { text, body } = attempts[1]!;
    expect(Object.keys(body as object)).toEqual(['text']);
    expect(text).toContain(`list "${list}" needs action: Klaviyo rejected the API key (invalid_credentials)`);
    expect(text).toContain('First step: In Klaviyo, open Settings > API keys');
    expect(text).toContain(`Open: http://console.example:8090/runs/${workflowId}`);
    for (const secret of [h.apiKey, 'secret-part', h.address]) expect(text).not.toContain(secret);

    // Resolved before the cause is fixed, the run pauses again: that pause has its own alert; the first is not sent again.
    await handle.signal(RESOLVE_SIGNAL);
    await until(() => forRun(workflowId).filter((d) => d.status === 200).length === 2);
    await h.rotateKey();
    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.actionsResolved).toBe(2);
    await new Promise((r) => setTimeout(r, 1000));
    const delivered = forRun(workflowId).filter((d) => d.status === 200);
    expect(delivered.map((d) => d.key.split('/').pop())).toEqual(['pause-1', 'pause-2']);
  });

  it('posts when a run fails, with the error in one line', async () => {
    answer = () => 200;
    const list = `Alert Missing ${randomUUID().slice(0, 6)}`;
    const workflowId = `alert-failed-${randomUUID().slice(0, 8)}`;
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: `${h.dir}/no-such-file.csv` } }, workflowId);
    await expect(resultOf(handle)).rejects.toBeInstanceOf(WorkflowFailedError);
    await until(() => forRun(workflowId).length > 0);
    const [alert] = forRun(workflowId);
    expect(alert!.key).toMatch(/\/failed$/);
    expect(alert!.text).toMatch(new RegExp(`^:x: Audience sync for list "${list}" failed: .*no-such-file\\.csv`));
    expect(alert!.text.split('\n')).toHaveLength(2);
  });

  it('never holds a run up: a webhook that keeps failing does not delay the pause, the resolve or the end', async () => {
    answer = () => 500;
    const list = `Alert Down ${randomUUID().slice(0, 6)}`;
    const audience = writeCsvAudience(h.dir, 'alert-down.csv', makeCustomers(50, { prefix: 'down' }).rows);
    await h.emulator.admin.revokeKey(h.apiKey);
    const workflowId = `alert-down-${randomUUID().slice(0, 8)}`;
    const handle = await h.start({ listName: list, audience: { type: 'csv', path: audience } }, workflowId);
    await h.waitForStatus(handle, (s) => s.state === 'needs_action');
    await until(() => forRun(workflowId).length >= 2);
    await h.rotateKey();
    const started = Date.now();
    await handle.signal(RESOLVE_SIGNAL);
    const report = await resultOf(handle);
    expect(report.counts.profilesImported).toBe(50);
    expect(Date.now() - started).toBeLessThan(20_000);
    expect(forRun(workflowId).every((d) => d.status === 500)).toBe(true);
  });
});
