/** Operators drive runs with the real `temporal` CLI and plain JSON: start, query status, signal resolve. */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { requireTemporalCli } from '../../dev/temporalDevServer';
import { createSyncHarness, resultOf, type SyncHarness } from '../support/syncHarness';
import { makeCustomers, writeCsvAudience } from '../support/audienceFiles';

const run = promisify(execFile);
let h: SyncHarness;
beforeAll(async () => {
  h = await createSyncHarness();
});
afterAll(async () => {
  await h?.close();
});

async function temporal(...args: string[]): Promise<string> {
  const { stdout } = await run(requireTemporalCli(), [...args, '--address', h.address, '--namespace', h.namespace]);
  return stdout;
}

it('starts from `temporal workflow start`, pauses, is queried and resolved with the CLI, and completes', async () => {
  const { rows, valid } = makeCustomers(120, { prefix: 'cli' });
  const path = writeCsvAudience(h.dir, 'cli.csv', rows);
  await h.emulator.admin.revokeKey(h.apiKey);
  const workflowId = `cli-run-${Date.now()}`;
  const input = JSON.stringify({ listName: 'CLI list', audience: { type: 'csv', path } });
  await temporal('workflow', 'start', '--type', 'audienceSync', '--task-queue', h.taskQueue, '--workflow-id', workflowId, '--input', input);

  const handle = h.client.workflow.getHandle(workflowId);
  await h.waitForStatus(handle, (s) => s.state === 'needs_action');
  const queried = JSON.parse(await temporal('workflow', 'query', '--workflow-id', workflowId, '--name', 'status', '--output', 'json'));
  const status = queried.queryResult?.[0] ?? queried;
  expect(status.state).toBe('needs_action');
  expect(status.action.code).toBe('invalid_credentials');

  await h.rotateKey();
  await temporal('workflow', 'signal', '--workflow-id', workflowId, '--name', 'resolve');
  const report = await resultOf(handle);
  expect((await h.emulator.admin.listMembers(report.listId!)).emails).toEqual([...valid].sort());
});

it('rejects bad JSON input from the CLI with the field named', async () => {
  const workflowId = `cli-bad-${Date.now()}`;
  await temporal('workflow', 'start', '--type', 'audienceSync', '--task-queue', h.taskQueue, '--workflow-id', workflowId, '--input', '{"audience":{"type":"csv"}}');
  const err = await h.client.workflow.getHandle(workflowId).result().catch((e) => e);
  expect(String(err.cause?.message)).toMatch(/audience\.path/);
  expect(String(err.cause?.message)).toMatch(/listName/);
});
