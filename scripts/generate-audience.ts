/**
 * Writes a synthetic audience file (see dev/synthetic.ts), e.g.
 *   tsx scripts/generate-audience.ts --rows 100000 --out /tmp/audience.csv --invalid-share 0.02 --seed 7
 */
import { Command, InvalidArgumentError } from 'commander';
import { generateAudience } from '../dev/synthetic';

function integer(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0) throw new InvalidArgumentError('must be a non-negative integer');
  return n;
}

function share(value: string): number {
  const n = Number(value);
  if (!(n >= 0 && n <= 1)) throw new InvalidArgumentError('must be a number between 0 and 1');
  return n;
}

const program = new Command()
  .name('generate-audience')
  .requiredOption('--rows <n>', 'number of rows', integer)
  .requiredOption('--out <file>', 'output file; .ndjson/.jsonl writes NDJSON, anything else CSV')
  .option('--invalid-share <share>', 'share of rows made invalid (bad e-mail, phone or time zone)', share, 0)
  .option('--seed <n>', 'seed: the same seed writes the same file', integer, 1)
  .option('--first-index <n>', 'index of the first person (windows of people for add/remove scenarios)', integer, 0)
  .option('--domain <domain>', 'e-mail domain', 'example.com')
  .parse();

const opts = program.opts<{ rows: number; out: string; invalidShare: number; seed: number; firstIndex: number; domain: string }>();

generateAudience({
  rows: opts.rows,
  out: opts.out,
  invalidShare: opts.invalidShare,
  seed: opts.seed,
  firstIndex: opts.firstIndex,
  emailDomain: opts.domain,
}).then(
  (result) => console.log(JSON.stringify(result)),
  (err: unknown) => {
    console.error(`generate-audience: ${(err as Error).message}`);
    process.exitCode = 1;
  },
);
