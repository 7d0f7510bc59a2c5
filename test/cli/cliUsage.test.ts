/** Bad flags and input: one clear sentence on stderr and exit code 2, before any server is contacted. */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { ONE_SENTENCE, runCliProcess } from './cliProcess';

// Nothing listens here: a usage error must be reported without trying to connect (that would be exit 1).
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cli-usage-'));
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));
const missing = path.join(dir, 'no-such-file.csv');

describe('CLI usage errors (subprocess)', () => {
  it.each([
    [['sync', '--list', 'A', '--audience', 'a.csv', '--frobnicate'], /^Unknown option '--frobnicate'/],
    [['sync', '--audience', 'a.csv'], /--list/],
    [['sync', '--list', 'A'], /--audience/],
    [['sync', '--list', 'A', '--audience', 'a.txt'], /cannot tell whether 'a.txt' is CSV, NDJSON or Parquet/i],
    [['sync', '--list', 'A', '--audience', 'a.csv', '--max-removal-share', '2'], /argument '2' is invalid: give a share between 0 and 1/],
    [['sync', '--list', 'A', '--audience', 'a.csv', '--format', 'xml'], /argument 'xml' is invalid: allowed choices are csv, ndjson/],
    [['schedule', 'create', '--list', 'A', '--audience', 'a.csv', '--every', '6x'], /--every '6x' is not a duration/],
    [['schedule', 'create', '--list', 'A', '--audience', 'a.csv'], /exactly one of --cron/],
    [['schedule', 'update', '--list', 'A', '--every', '2h', '--no-remove'], /^Give --no-remove together with --audience/],
    [['estimate', '--audience', 'missing.csv', '--list', 'A'], /does not exist/],
    [['frobnicate'], /unknown command 'frobnicate'/i],
    [['stauts', 'x'], /^Unknown command 'stauts'; did you mean status\? \(run with --help/],
    [['sync', '--file', 'a.csv', '--list', 'A'], /^Unknown option '--file'; did you mean --audience\? \(run with --help/],
    [['sync', '--list', 'A', '--audiance', 'a.csv'], /^Unknown option '--audiance'; did you mean --audience\?/],
    [['dry-run', '--list-name', 'A', '--audience', 'a.csv'], /^Unknown option '--list-name'; did you mean --list\?/],
    [['status', 'x', '--file', 'a.csv'], /^Unknown option '--file' \(run with --help/],
    [['runs', '--limit', '0'], /argument '0' is invalid: give a whole number of 1 or more/],
    [['sync', '--list', 'A', '--audience', missing], /^Audience file .*no-such-file\.csv does not exist on this machine; .*pass --no-local-check\.$/m],
    [['schedule', 'create', '--list', 'A', '--audience', missing, '--every', '1h'], /does not exist on this machine; .*--no-local-check/],
  ])('%j', async (args, message) => {
    const r = await runCliProcess(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('prints help with examples for every command and exits 0', async () => {
    for (const cmd of ['sync', 'status', 'runs', 'cancel', 'resolve', 'paused', 'estimate', 'dry-run', 'schedule', 'export-sftp']) {
      const r = await runCliProcess([cmd, '--help'], env);
      expect(r.code, cmd).toBe(0);
      expect(r.stdout, cmd).toContain('Examples:');
      expect(r.stdout, cmd).toContain(`klaviyo-audience-sync ${cmd}`);
    }
  });

  it('reports an unreachable server as a failure (exit 1), in one sentence', async () => {
    const r = await runCliProcess(['status', 'some-run'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toMatch(/TEMPORAL_ADDRESS/);
  });
});

describe('the audience checked on this machine before anything starts', () => {
  const badHeader = path.join(dir, 'bad-header.csv');
  fs.writeFileSync(badHeader, 'email,frist_name,phone,zzz\na@example.com,Ada,123,x\n');

  it.each([['sync'], ['dry-run'], ['schedule', 'create']])('%s: every unknown column named, with the field meant, exit 2', async (...command) => {
    const timing = command[0] === 'schedule' ? ['--every', '1h'] : [];
    const r = await runCliProcess([...command, '--list', 'A', '--audience', badHeader, ...timing], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toContain(
      "Audience columns 'frist_name' (did you mean first_name?), 'phone' (did you mean phone_number?), 'zzz' (in the CSV header) are not known fields; known fields: email, first_name,",
    );
    expect(r.stdout).toBe('');
  });

  it('names an unknown NDJSON key the same way', async () => {
    const file = path.join(dir, 'bad.ndjson');
    fs.writeFileSync(file, '{"email":"a@example.com","emial":"b@example.com"}\n');
    const r = await runCliProcess(['sync', '--list', 'A', '--audience', file], env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/^Audience column 'emial' \(a key on data row 1\) is not a known field \(did you mean email\?\); known fields: /);
  });

  it('--no-local-check skips it: the missing file is left to the worker, so the CLI goes on to connect', async () => {
    const r = await runCliProcess(['sync', '--list', 'A', '--audience', missing, '--no-local-check'], env);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^Cannot reach the Temporal server/);
  });
});

describe('--version, export-sftp into a new folder, a closed pipe', () => {
  it('--version prints the package version', async () => {
    const { version } = JSON.parse(fs.readFileSync(path.resolve(__dirname, '../../package.json'), 'utf8')) as { version: string };
    for (const flag of ['--version', '-V']) {
      const r = await runCliProcess([flag], env);
      expect(r.code).toBe(0);
      expect(r.stdout).toBe(`${version}\n`);
    }
  });

  it('export-sftp --out into a folder that does not exist yet creates the folder', async () => {
    const audience = path.join(dir, 'ok.csv');
    fs.writeFileSync(audience, 'email,first_name\na@example.com,Ada\n');
    const out = path.join(dir, 'new', 'folder', 'upload.csv');
    const r = await runCliProcess(['export-sftp', '--audience', audience, '--out', out], env);
    expect(r.code, r.stderr).toBe(0);
    expect(fs.readFileSync(out, 'utf8')).toMatch(/^Email,.*\na@example\.com,/s);
    expect(fs.existsSync(path.join(dir, 'new', 'folder', 'upload.rejects.csv'))).toBe(true);

    const intoFolder = await runCliProcess(['export-sftp', '--audience', audience, '--out', dir], env);
    expect(intoFolder.code).toBe(2);
    expect(intoFolder.stderr).toMatch(ONE_SENTENCE);
    expect(intoFolder.stderr).toMatch(/is a folder; name the CSV file/);
  });

  it('a reader that closes the pipe early (`| true`) ends the command quietly, with no stack trace', async () => {
    const bin = path.resolve(__dirname, '../../bin/klaviyo-audience-sync.js');
    // `true` exits before node has started, so the help text is written into a closed pipe.
    const r = await new Promise<{ stderr: string; status: string }>((resolve, reject) => {
      const child = spawn('bash', ['-c', `"${process.execPath}" "${bin}" --help | true; echo "\${PIPESTATUS[0]}"`], { env: { ...process.env, ...env } });
      let stderr = '';
      let status = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (status += d.toString()));
      child.on('error', reject);
      child.on('close', () => resolve({ stderr, status: status.trim() }));
    });
    expect(r.stderr).toBe('');
    expect(r.status).toBe('0');
  });
});
