/** `npm run demo -- --exit`: the README's first command, end to end on its own dev server and emulator. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, expect, it } from 'vitest';

const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'demo-'));
const reportDir = path.join(dataDir, 'reports');
afterAll(() => fs.rmSync(dataDir, { recursive: true, force: true }));

it('starts everything, syncs the sample audience with rejects, prints the report and the UI address', async () => {
  const root = path.resolve(__dirname, '../..');
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/demo.ts', '--exit', '--rows', '400', '--data-dir', dataDir], {
    cwd: root,
    env: { ...process.env, AUDIENCE_REPORT_DIR: reportDir, TEMPORAL_TASK_QUEUE: `demo-test-${process.pid}` },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code, out).toBe(0);
  expect(out).toMatch(/Sync audience-sync-demo-vip-\S+ finished in/);
  expect(out).toContain('rows read:     400');
  expect(out).toMatch(/rejected: +[1-9]\d* \(/);
  expect(out).toMatch(/Temporal UI: http:\/\/127\.0\.0\.1:\d+/);
  const reject = /reject report: (\S+)/i.exec(out)?.[1];
  expect(reject).toBeDefined();
  expect(fs.existsSync(reject!)).toBe(true);
  expect(fs.existsSync(path.join(dataDir, 'temporal.db'))).toBe(true);
});

it('with the emulator turned off and no key, refuses in one sentence before starting anything', async () => {
  const root = path.resolve(__dirname, '../..');
  const env: NodeJS.ProcessEnv = { ...process.env, KLAVIYO_EMULATOR: 'off' };
  delete env.KLAVIYO_API_KEY;
  delete env.KLAVIYO_CREDENTIALS_FILE;
  const child = spawn(process.execPath, [path.join(root, 'node_modules/tsx/dist/cli.mjs'), 'scripts/demo.ts', '--exit', '--data-dir', dataDir], {
    cwd: root,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  expect(code).toBe(2);
  expect(stderr).toBe('Real Klaviyo needs a key: set KLAVIYO_API_KEY (or KLAVIYO_CREDENTIALS_FILE), or run without --no-emulator.\n');
});
