/**
 * Untrusted input confined: runs pointed at secret-bearing files (the workers' own credentials file among
 * them), in every source format, leave no key and no URL password in history (payloads decoded), the
 * worker's log, the reject report or the CLI; and no run reads a file outside AUDIENCE_ROOTS.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSyncHarness, type SyncHarness } from '../support/syncHarness';
import { storedHistory } from '../support/historyText';
import { runCliProcess } from '../cli/cliProcess';

let h: SyncHarness;
const workerOutput: string[] = [];
beforeAll(async () => {
  h = await createSyncHarness({ worker: false });
  h.startWorkerProcess(workerOutput);
});
afterAll(async () => {
  await h?.close();
});

const PASSWORD = 'hunter2secret';
const DSN = `postgres://admin:${PASSWORD}@db.internal:5432/prod`;

function secretFiles(): Record<string, string> {
  const key = h.apiKey;
  const files: Record<string, string> = {
    'secrets.env': `KLAVIYO_API_KEY=${key}\nDATABASE_URL=${DSN}\n`,
    'pretty-credentials.json': `${JSON.stringify({ default: key, other: key, database: DSN }, null, 2)}\n`,
    'leaky-rows.txt': `email,first_name,ip\n${key},Ana,1.2.3.4\nok@example.com,Ben,${DSN}\nfine@example.com,Cy,\n`,
    'leaky-rows.jsonl': `{"email":"${key}"}\n{"email":"ok@example.com","ip":"${DSN}"}\nnot json ${key} ${DSN}\n{"email":"fine@example.com"}\n`,
  };
  for (const [name, body] of Object.entries(files)) fs.writeFileSync(path.join(h.dir, name), body);
  // The workers' connections file too (query sources), holding a database URL with its password.
  h.setConnection('warehouse', DSN);
  return {
    'credentials.json': h.credentialsFile,
    'connections.json': h.connectionsFile,
    ...Object.fromEntries(Object.keys(files).map((n) => [n, path.join(h.dir, n)])),
  };
}

function reportText(workflowId: string): string {
  const dir = path.join(h.reportDir, workflowId);
  if (!fs.existsSync(dir)) return '';
  return (fs.readdirSync(dir, { recursive: true }) as string[])
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile())
    .map((f) => fs.readFileSync(f, 'utf8'))
    .join('\n');
}

describe('secret-bearing files as audiences', () => {
  it.each(['csv', 'ndjson', 'parquet'] as const)('as %s: every outcome is clear, and no key or password reaches history, logs, report or CLI', async (type) => {
    const files = secretFiles();
    const key = h.apiKey;
    const checks = Object.entries(files).map(async ([name, file]) => {
      const workflowId = `secrets-${type}-${name.replace(/\W/g, '-')}-${Date.now()}`;
      const handle = await h.start({ listName: `Secrets ${type} ${name}`, audience: { type, path: file } }, workflowId);
      const outcome = await handle.result().then(
        () => 'completed',
        (err: Error) => `failed: ${(err.cause as Error | undefined)?.message}`,
      );
      // A clear outcome: the file is refused with a reason (unknown column, no valid row), or its good rows synced.
      expect(outcome, name).toMatch(/^completed$|^failed: .*(audience columns? '.{1,41}'.* (is not a known field|are not known fields)|has no valid row|is not valid CSV|is not a readable Parquet file)/);

      const status = await runCliProcess(['status', workflowId], h.env);
      const statusJson = await runCliProcess(['status', workflowId, '--json'], h.env);
      const history = await storedHistory(h.address, h.namespace, workflowId);
      const places = {
        history: history.text,
        cli: status.stdout + status.stderr + statusJson.stdout + statusJson.stderr,
        report: reportText(workflowId),
        'worker log': workerOutput.join(''),
        outcome,
      };
      for (const [place, text] of Object.entries(places)) {
        expect(text.includes(key), `${name}: the key in the ${place}`).toBe(false);
        expect(text.includes(key.slice(3, 20)), `${name}: part of the key in the ${place}`).toBe(false);
        expect(text.includes(PASSWORD), `${name}: the URL password in the ${place}`).toBe(false);
      }
    });
    await Promise.all(checks);
    // The worker did log failures and rejects were reported: the searches above looked at real text.
    expect(workerOutput.join('')).toMatch(/Activity failed|audience column/);
  });
});

describe('AUDIENCE_ROOTS', () => {
  it('fails the plan of a file outside the roots, or reached through a symbolic link, naming AUDIENCE_ROOTS, before any list exists', async () => {
    const outside = fs.mkdtempSync(path.join(path.dirname(h.dir), 'outside-roots-'));
    try {
      const file = path.join(outside, 'vip.csv');
      fs.writeFileSync(file, 'email\na@example.com\n');
      const link = path.join(h.dir, 'innocent-looking.csv');
      fs.symlinkSync(file, link);
      for (const [audience, how] of [
        [file, 'is outside'],
        [path.join(h.dir, '..', path.basename(outside), 'vip.csv'), 'is outside'],
        [link, 'resolves, through a symbolic link, outside'],
        ['/etc/passwd', 'is outside'],
      ]) {
        const handle = await h.start({ listName: 'Outside roots', audience: { type: 'csv', path: audience! } });
        const err = (await handle.result().catch((e: Error) => e)) as Error;
        expect((err.cause as Error).message).toMatch(new RegExp(`${how} the folders workers read audiences from \\(AUDIENCE_ROOTS=${h.dir}\\)`));
      }
      expect((await h.emulator.admin.lists()).lists.map((l) => l.name)).not.toContain('Outside roots');
      // Inside the roots, a symbolic link to a file inside them is fine.
      const inside = path.join(h.dir, 'inside.csv');
      fs.writeFileSync(inside, 'email\ninside@example.com\n');
      fs.symlinkSync(inside, path.join(h.dir, 'inside-link.csv'));
      const ok = await h.start({ listName: 'Inside roots', audience: { type: 'csv', path: path.join(h.dir, 'inside-link.csv') } });
      expect((await ok.result()) as unknown).toMatchObject({ counts: { rowsValid: 1 } });
    } finally {
      fs.rmSync(outside, { recursive: true, force: true });
    }
  });
});
