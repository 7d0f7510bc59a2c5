/** `npm run worker` on a bare namespace registers the search attributes the workflow sets: operators need no setup. */
import { msToTs } from '@temporalio/common';
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { afterAll, expect, inject, it } from 'vitest';
import { Connection } from '@temporalio/client';
import { LIST_SEARCH_ATTRIBUTE, STATE_SEARCH_ATTRIBUTE } from '../../src/names';

let worker: ChildProcess | undefined;
let connection: Connection | undefined;
afterAll(async () => {
  worker?.kill('SIGKILL');
  await connection?.close();
});

it('registers AudienceSyncState and AudienceSyncList at start-up, then polls its task queue', async () => {
  const address = inject('temporalAddress');
  const namespace = `bare-${Date.now()}`;
  connection = await Connection.connect({ address });
  await connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
  const registered = async () => {
    const custom = (await connection!.operatorService.listSearchAttributes({ namespace })).customAttributes ?? {};
    return [STATE_SEARCH_ATTRIBUTE, LIST_SEARCH_ATTRIBUTE].filter((name) => custom[name] !== undefined);
  };
  expect(await registered()).toEqual([]);

  let output = '';
  worker = spawn(process.execPath, ['--require', 'tsx/cjs', 'src/worker.ts'], {
    cwd: path.resolve(__dirname, '../..'),
    env: { ...process.env, TEMPORAL_ADDRESS: address, TEMPORAL_NAMESPACE: namespace, TEMPORAL_TASK_QUEUE: 'startup-test' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  worker.stdout!.on('data', (d) => (output += d));
  worker.stderr!.on('data', (d) => (output += d));

  const deadline = Date.now() + 60_000;
  while (!output.includes('polling task queue "startup-test"')) {
    if (worker.exitCode !== null || Date.now() > deadline) throw new Error(`worker did not start:\n${output}`);
    await new Promise((r) => setTimeout(r, 250));
  }
  expect(await registered()).toEqual([STATE_SEARCH_ATTRIBUTE, LIST_SEARCH_ATTRIBUTE]);
  expect(output).not.toContain('Could not register');
});
