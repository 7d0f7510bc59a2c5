/**
 * Loads a synthetic audience (dev/synthetic.ts) into a PostgreSQL table, for the benchmark and the demo:
 * the same people, invalid rows and field values as the synthetic files, with the column types a
 * warehouse would use (numeric coordinates, timestamptz, jsonb properties).
 */
import { Client } from 'pg';
import { AUDIENCE_FIELDS } from '../src/audience/fields';
import { syntheticRows, type SyntheticAudienceOptions, type SyntheticItem } from './synthetic';

const TYPES: Partial<Record<(typeof AUDIENCE_FIELDS)[number], string>> = {
  latitude: 'numeric(9,6)',
  longitude: 'numeric(9,6)',
  last_event_date: 'timestamptz',
  properties: 'jsonb',
};

/** Rows per INSERT: 20 columns each stays under PostgreSQL's 65,535 parameters. */
const ROWS_PER_INSERT = 2_000;

/** (Re)creates `table` with `opts.rows` synthetic rows; returns how many are invalid on purpose. */
export function loadAudienceTable(
  url: string,
  table: string,
  opts: Omit<SyntheticAudienceOptions, 'out' | 'format'>,
  onProgress?: (rows: number) => void,
): Promise<{ rows: number; invalidRows: number }> {
  return loadRowsIntoTable(url, table, syntheticRows(opts), onProgress);
}

/** (Re)creates `table` holding `items` (synthetic rows, say churnedRows'). */
export async function loadRowsIntoTable(
  url: string,
  table: string,
  items: Iterable<SyntheticItem>,
  onProgress?: (rows: number) => void,
): Promise<{ rows: number; invalidRows: number }> {
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    const columns = AUDIENCE_FIELDS.map((f) => `"${f}" ${TYPES[f] ?? 'text'}`).join(', ');
    await client.query(`drop table if exists ${table}`);
    await client.query(`create table ${table} (${columns})`);
    let batch: unknown[][] = [];
    let rows = 0;
    let invalidRows = 0;
    const flush = async () => {
      if (batch.length === 0) return;
      const values = batch.map((_, r) => `(${AUDIENCE_FIELDS.map((__, c) => `$${r * AUDIENCE_FIELDS.length + c + 1}`).join(',')})`);
      await client.query(`insert into ${table} values ${values.join(',')}`, batch.flat());
      rows += batch.length;
      onProgress?.(rows);
      batch = [];
    };
    for (const { row, invalid } of items) {
      if (invalid) invalidRows++;
      batch.push(AUDIENCE_FIELDS.map((f) => {
        const value = row[f];
        if (value === '' || value === undefined) return null;
        return f === 'properties' ? JSON.stringify(value) : value;
      }));
      if (batch.length === ROWS_PER_INSERT) await flush();
    }
    await flush();
    await client.query(`analyze ${table}`);
    return { rows, invalidRows };
  } finally {
    await client.end();
  }
}
