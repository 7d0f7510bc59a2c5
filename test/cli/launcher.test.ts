/**
 * The launcher and start-up cost: bin/ runs lib/ only when it is as new as src/, and each command loads
 * only what it uses (`--help` none of the heavy packages; `status` the Temporal client but not the
 * worker or the audience readers). Checked by which packages a real process loaded, not by timing.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runCliProcess } from './cliProcess';

const { chooseEntry } = require('../../bin/chooseEntry') as {
  chooseEntry(root: string, env: NodeJS.ProcessEnv): { file: string; source: boolean; note?: string };
};

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-launcher-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function touch(file: string, seconds: number): void {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, '');
  fs.utimesSync(file, seconds, seconds);
}

describe('which program the launcher runs', () => {
  const root = path.join(dir, 'checkout');
  const compiled = path.join(root, 'lib', 'cli', 'main.js');
  const sourceMain = path.join(root, 'src', 'cli', 'main.ts');

  it('runs lib/ when it is newer than every source file', () => {
    touch(sourceMain, 1000);
    touch(path.join(root, 'src', 'audience', 'fields.ts'), 1500);
    touch(compiled, 2000);
    expect(chooseEntry(root, {})).toEqual({ file: compiled, source: false });
  });

  it('runs the sources, saying why, when any source file changed after the build', () => {
    touch(path.join(root, 'src', 'audience', 'fields.ts'), 3000);
    expect(chooseEntry(root, {})).toMatchObject({ file: sourceMain, source: true, note: expect.stringMatching(/src\/ changed since lib\/ was built/) });
  });

  it('runs the sources when lib/ was never built, or when asked to', () => {
    fs.rmSync(path.join(root, 'lib'), { recursive: true });
    expect(chooseEntry(root, {})).toMatchObject({ file: sourceMain, source: true, note: expect.stringMatching(/lib\/ is not built/) });
    touch(compiled, 4000);
    expect(chooseEntry(root, { KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE: '1' })).toEqual({ file: sourceMain, source: true });
  });

  it('runs lib/ in an installed package, which has no src/', () => {
    fs.rmSync(path.join(root, 'src'), { recursive: true });
    expect(chooseEntry(root, {})).toEqual({ file: compiled, source: false });
  });
});

describe('what each command loads', () => {
  const HEAVY = ['@temporalio/client', '@temporalio/worker', 'zod', 'papaparse', 'better-sqlite3', 'pg', 'libphonenumber-js', 'axios', 'cli-progress', 'csv-stringify'];
  const probe = path.join(dir, 'probe.cjs');
  fs.writeFileSync(
    probe,
    `process.on('exit', () => require('fs').writeFileSync(process.env.LOADED_PACKAGES_FILE, JSON.stringify(Object.keys(require.cache))));\n`,
  );

  async function packagesLoadedBy(args: string[], env: Record<string, string> = {}): Promise<string[]> {
    const out = path.join(dir, `loaded-${Math.random().toString(36).slice(2)}.json`);
    await runCliProcess(args, { TEMPORAL_ADDRESS: '127.0.0.1:1', NODE_OPTIONS: `--require ${probe}`, LOADED_PACKAGES_FILE: out, ...env });
    const files = JSON.parse(fs.readFileSync(out, 'utf8')) as string[];
    return HEAVY.filter((name) => files.some((f) => f.includes(`${path.sep}node_modules${path.sep}${name}${path.sep}`)));
  }

  it.each([[['--help']], [['--version']], [['sync', '--help']], [['runs', '--help']], [['schedule', 'create', '--help']]])(
    '%j loads none of the heavy packages',
    async (args) => {
      expect(await packagesLoadedBy(args)).toEqual([]);
    },
  );

  it('status loads the Temporal client, not the worker or the audience readers', async () => {
    expect(await packagesLoadedBy(['status', 'some-run'])).toEqual(['@temporalio/client']);
  });

  it('a sync refused for its audience header never loads the Temporal client', async () => {
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'emial\na@example.com\n');
    const loaded = await packagesLoadedBy(['sync', '--list', 'A', '--audience', bad]);
    expect(loaded).toContain('papaparse');
    expect(loaded).not.toContain('@temporalio/client');
  });
});
