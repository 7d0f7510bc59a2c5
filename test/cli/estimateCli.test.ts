/**
 * `estimate` and `report` as subprocesses, no server needed: how estimate names where the list's size came from,
 * a failed lookup, and a reader that finds no store creates none.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { ONE_SENTENCE, runCliProcess } from './cliProcess';

let audience: string;
beforeAll(() => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'estimate-cli-'));
  audience = path.join(dir, 'a.csv');
  fs.writeFileSync(audience, 'email\na@example.com\nb@example.com\n');
});

describe('estimate (subprocess)', () => {
  it('says a size given with --list-members came from the operator, not from Klaviyo', async () => {
    const r = await runCliProcess(['estimate', '--audience', audience, '--list', 'VIP', '--list-members', '250000'], { KLAVIYO_API_KEY: '' });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('list "VIP": 250000 members (given with --list-members)');
    expect(r.stdout).not.toContain('read from Klaviyo');
  });

  it('a failed size lookup is one sentence that offers --list-members, exit 1', async () => {
    const r = await runCliProcess(['estimate', '--audience', audience, '--list', 'VIP'], {
      KLAVIYO_API_KEY: 'pk_test_not_real',
      KLAVIYO_BASE_URL: 'http://127.0.0.1:1',
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toMatch(/^Could not read the size of list "VIP" from Klaviyo .*--list-members N\.$/m);
    expect(r.stderr).not.toContain('pk_test_not_real');
  });
});

describe('readers of the sync-state store (subprocess)', () => {
  it('report without a store says so in one sentence, exit 2, and creates no store', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'no-store-')), 'state', 'audience-state.sqlite');
    const r = await runCliProcess(['report', 'some-run'], { AUDIENCE_STATE_URL: file });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toContain(`There is no sync-state store at ${file} (AUDIENCE_STATE_URL names the store the workers use).`);
    expect(fs.existsSync(file)).toBe(false);
    expect(fs.existsSync(path.dirname(file))).toBe(false);
  });
});
