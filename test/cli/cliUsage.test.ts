/** Bad flags and input: one clear sentence on stderr and exit code 2, before any server is contacted. */
import { describe, expect, it } from 'vitest';
import { ONE_SENTENCE, runCliProcess } from './cliProcess';

// Nothing listens here: a usage error must be reported without trying to connect.
const env = { TEMPORAL_ADDRESS: '127.0.0.1:1' };

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
  ])('%j', async (args, message) => {
    const r = await runCliProcess(args, env);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(ONE_SENTENCE);
    expect(r.stderr).toMatch(message);
    expect(r.stdout).toBe('');
  });

  it('prints help with examples for every command and exits 0', async () => {
    for (const cmd of ['sync', 'status', 'resolve', 'paused', 'estimate', 'dry-run', 'schedule', 'export-sftp']) {
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
