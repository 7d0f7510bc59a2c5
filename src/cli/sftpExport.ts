/**
 * `export-sftp`: writes the audience as the CSV Klaviyo's SFTP import expects, streaming (two passes: the
 * first finds the custom property columns, the second writes), with rejected rows in a side file.
 */
import fs from 'node:fs';
import { once } from 'node:events';
import type { Writable } from 'node:stream';
import { stringify } from 'csv-stringify';
import { normalizeRow, type RowReject } from '../audience/row';
import { readAudienceRows } from '../audience/source';
import type { RowFileSource } from '../shared';
import { usageError } from './errors';
import { fieldsWithoutSftpColumn, SFTP_HEADERS, sftpRow } from './sftpColumns';

export interface SftpExportResult {
  outPath: string;
  rowsRead: number;
  rowsExported: number;
  rowsRejected: number;
  rejectedByReason: Record<string, number>;
  rejectsPath: string;
  propertyColumns: string[];
  /** Field name -> rows that carried it (fields with no SFTP column: not exported). */
  notExported: Record<string, number>;
}

export interface SftpExportOptions {
  defaultCountry?: string;
}

export function rejectsPathFor(outPath: string): string {
  return outPath.replace(/(\.csv)?$/i, '.rejects.csv');
}

async function collectPropertyColumns(source: RowFileSource, opts: SftpExportOptions): Promise<string[]> {
  const keys = new Set<string>();
  for await (const { row, raw } of readAudienceRows(source)) {
    const n = normalizeRow(raw, row, { defaultCountry: opts.defaultCountry });
    if (n.ok) for (const k of Object.keys(n.profile.attributes.properties ?? {})) keys.add(k);
  }
  const clash = [...keys].find((k) => SFTP_HEADERS.includes(k));
  if (clash) {
    throw usageError(`custom property '${clash}' has the same name as the SFTP column '${clash}'; rename the property`);
  }
  return [...keys];
}

/** Writes one record, waiting when the stream's buffer is full, so memory stays bounded. */
async function put(stream: Writable, record: string[]): Promise<void> {
  if (!stream.write(record)) await once(stream, 'drain');
}

/** Opens the file first, so a path that cannot be written fails here (ENOENT, EACCES), not mid-export. */
async function csvFile(path: string, header: string[]): Promise<{ csv: ReturnType<typeof stringify>; done: Promise<void> }> {
  const file = fs.createWriteStream(path);
  await once(file, 'open');
  const csv = stringify({ header: true, columns: header });
  csv.pipe(file);
  const done = new Promise<void>((resolve, reject) => {
    file.on('finish', resolve);
    file.on('error', reject);
    csv.on('error', reject);
  });
  // Awaited only at the end; a write error before then must not also surface as an unhandled rejection.
  done.catch(() => undefined);
  return { csv, done };
}

export async function exportSftpCsv(
  source: RowFileSource,
  outPath: string,
  opts: SftpExportOptions = {},
): Promise<SftpExportResult> {
  const propertyColumns = await collectPropertyColumns(source, opts);
  const rejectsPath = rejectsPathFor(outPath);
  const out = await csvFile(outPath, [...SFTP_HEADERS, ...propertyColumns]);
  const rejects = await csvFile(rejectsPath, ['row', 'email', 'reason', 'field', 'message']);
  const result: SftpExportResult = {
    outPath,
    rowsRead: 0,
    rowsExported: 0,
    rowsRejected: 0,
    rejectedByReason: {},
    rejectsPath,
    propertyColumns,
    notExported: {},
  };
  for await (const { row, raw } of readAudienceRows(source)) {
    result.rowsRead++;
    const n = normalizeRow(raw, row, { defaultCountry: opts.defaultCountry });
    if (!n.ok) {
      const r: RowReject = n.reject;
      result.rowsRejected++;
      result.rejectedByReason[r.reason] = (result.rejectedByReason[r.reason] ?? 0) + 1;
      await put(rejects.csv, [String(r.row), r.email ?? '', r.reason, r.field ?? '', r.message]);
      continue;
    }
    for (const f of fieldsWithoutSftpColumn(n.profile.attributes)) result.notExported[f] = (result.notExported[f] ?? 0) + 1;
    await put(out.csv, sftpRow(n.profile.attributes, propertyColumns));
    result.rowsExported++;
  }
  out.csv.end();
  rejects.csv.end();
  await Promise.all([out.done, rejects.done]);
  return result;
}
