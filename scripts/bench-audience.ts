/**
 * Audience module benchmark: generates N rows (default 1,000,000) into a temp file, then measures
 * planAudience and AudienceEmailSet.fromSource, each in its own child process so each peak RSS is its own.
 *   tsx scripts/bench-audience.ts [--rows 1000000] [--format csv|ndjson]
 */
import { fork } from 'node:child_process';
import { mkdtemp, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import type { RowFileSource } from '../src/shared';
import { AudienceEmailSet } from '../src/audience/emailSet';
import { planAudience } from '../src/audience/plan';
import { generateAudience } from '../dev/synthetic';

type Phase = 'plan' | 'emailSet';
interface Measurement {
  phase: Phase;
  ms: number;
  /** CPU time of the process: meaningful even when other work shares the machine's cores. */
  cpuMs: number;
  rowsPerSecond: number;
  peakRssMb: number;
  detail: Record<string, number>;
}

async function measure(phase: Phase, source: RowFileSource, rows: number): Promise<Measurement> {
  const started = performance.now();
  const cpuStart = process.cpuUsage();
  let detail: Record<string, number>;
  if (phase === 'plan') {
    const plan = await planAudience(source);
    detail = { rows: plan.rows, validRows: plan.validRows, rejectedRows: plan.rejectedRows, batches: plan.batches.length };
  } else {
    const set = await AudienceEmailSet.fromSource(source);
    detail = { emails: set.size };
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuStart);
  const cpuMs = Math.round((cpu.user + cpu.system) / 1000);
  // maxRSS is in kilobytes.
  return { phase, ms: Math.round(ms), cpuMs, rowsPerSecond: Math.round(rows / (ms / 1000)), peakRssMb: Math.round(process.resourceUsage().maxRSS / 1024), detail };
}

function inChild(phase: Phase, source: RowFileSource, rows: number): Promise<Measurement> {
  return new Promise((resolve, reject) => {
    const child = fork(__filename, ['--child', phase, '--path', source.path, '--format', source.type, '--rows', String(rows)]);
    child.once('message', (m) => resolve(m as Measurement));
    child.once('error', reject);
    child.once('exit', (code) => code !== 0 && reject(new Error(`${phase} child exited with ${code}`)));
  });
}

async function main(): Promise<void> {
  const opts = new Command()
    .option('--rows <n>', 'rows to generate', '1000000')
    .option('--format <format>', 'csv or ndjson', 'csv')
    .option('--child <phase>')
    .option('--path <path>')
    .parse()
    .opts<{ rows: string; format: 'csv' | 'ndjson'; child?: Phase; path?: string }>();
  const rows = Number(opts.rows);
  if (opts.child && opts.path) {
    process.send!(await measure(opts.child, { type: opts.format, path: opts.path }, rows));
    return;
  }
  const dir = await mkdtemp(join(tmpdir(), 'bench-audience-'));
  try {
    const path = join(dir, `audience.${opts.format}`);
    const started = performance.now();
    const generated = await generateAudience({ rows, out: path, invalidShare: 0.02, seed: 1 });
    const mb = (await stat(path)).size / 1e6;
    console.log(`generated ${rows} rows (${mb.toFixed(0)} MB ${opts.format}, ${generated.invalidRows} invalid) in ${((performance.now() - started) / 1000).toFixed(1)} s`);
    const source: RowFileSource = { type: opts.format, path };
    for (const phase of ['plan', 'emailSet'] as const) {
      const m = await inChild(phase, source, rows);
      console.log(`${phase}: ${(m.ms / 1000).toFixed(1)} s wall (${(m.cpuMs / 1000).toFixed(1)} s CPU), ${m.rowsPerSecond} rows/s, peak RSS ${m.peakRssMb} MB, ${JSON.stringify(m.detail)}`);
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exitCode = 1;
});
