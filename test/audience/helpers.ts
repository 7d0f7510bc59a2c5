/** Temp files for audience tests. */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import type { RowFileSource } from '../../src/shared';
import { readAudienceRows, type RowRange } from '../../src/audience/source';

/** A temp directory removed after the file's tests. */
export function tempDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'audience-test-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

let counter = 0;
export function writeAudience(dir: string, type: RowFileSource['type'], content: string | Buffer): RowFileSource {
  const path = join(dir, `audience-${++counter}.${type}`);
  writeFileSync(path, content);
  return { type, path };
}

export async function collect(source: RowFileSource, range?: RowRange) {
  const rows = [];
  for await (const r of readAudienceRows(source, range)) rows.push(r);
  return rows;
}
