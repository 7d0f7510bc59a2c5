import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { CsvRecordGuard } from '../../src/audience/csvRecordGuard';

/** What a guard makes of `input` fed in these chunks: the bytes it passes on, the records it cut, its error. */
async function guarded(input: Buffer, cuts: number[], max: number, skipPlainBytes: boolean) {
  const guard = new CsvRecordGuard(max, 'audience.csv', skipPlainBytes);
  const out: Buffer[] = [];
  guard.on('data', (b: Buffer) => out.push(b));
  const ended = new Promise<string | undefined>((resolve) => {
    guard.on('end', () => resolve(undefined));
    guard.on('error', (err) => resolve(err.message));
  });
  let at = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < input.length)].sort((a, b) => a - b).concat(input.length)) {
    if (cut > at) guard.write(input.subarray(at, cut));
    at = Math.max(at, cut);
  }
  guard.end();
  const error = await ended;
  const cutRecords = Array.from({ length: input.length + 2 }, (_, record) => record).filter((record) => guard.wasCut(record));
  return { passed: Buffer.concat(out).toString('latin1'), cutRecords, error };
}

describe('CsvRecordGuard', () => {
  it('skipping plain bytes gives exactly what looking at every byte gives, for any bytes and any chunking', async () => {
    const csvByte = fc.constantFrom(...'a,"\n\r'.split('').map((c) => c.charCodeAt(0)), 0xef, 0xbb, 0xbf);
    await fc.assert(
      fc.asyncProperty(fc.array(csvByte, { maxLength: 120 }), fc.array(fc.nat(120), { maxLength: 6 }), fc.integer({ min: 1, max: 12 }), async (bytes, cuts, max) => {
        const input = Buffer.from(bytes);
        expect(await guarded(input, cuts, max, true)).toEqual(await guarded(input, cuts, max, false));
      }),
      { numRuns: 3000 },
    );
  });

  it('passes a file without an oversized record through untouched, and cuts one that is', async () => {
    const file = Buffer.from('email,properties\na@x.com,"{""a"":1}"\nb@x.com,"' + 'x'.repeat(50) + '"\nc@x.com,\n');
    expect(await guarded(file, [7, 30], 1000, true)).toEqual({ passed: file.toString('latin1'), cutRecords: [], error: undefined });
    const cut = await guarded(file, [7, 30], 30, true);
    expect(cut.cutRecords).toEqual([2]);
    expect(cut.passed).toBe('email,properties\na@x.com,"{""a"":1}"\nb@x.com,"' + 'x'.repeat(21) + '"\nc@x.com,\n');
  });
});
