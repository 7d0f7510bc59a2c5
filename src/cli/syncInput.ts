/**
 * Turns CLI flags into the workflow input and validates it with the same zod schema the workflow uses,
 * so a bad flag is refused here, before anything is started.
 */
import path from 'node:path';
import { describeInputError, syncInputSchema, type AudienceSource, type SyncInputRaw } from '../shared';
import { AUDIENCE_FILE_FORMATS } from '../names';
import { usageError } from './errors';

/** Where the audience comes from: a file (--audience, --format), or a query (--query, --connection). */
export interface AudienceFlags {
  audience?: string;
  format?: string;
  query?: string;
  connection?: string;
}

export interface SyncFlags extends AudienceFlags {
  list?: string;
  listId?: string;
  credential?: string;
  remove?: boolean;
  updateContacts?: boolean;
  maxRemovalShare?: number;
  ifListBusy?: 'wait' | 'fail';
  /** false with --no-local-check: the audience path is the worker's, not this machine's. */
  localCheck?: boolean;
}

export type FileAudienceSource = Extract<AudienceSource, { path: string }>;

/** csv, ndjson or parquet, from --format or the file's extension. */
export function audienceSourceFor(file: string, format?: string): FileAudienceSource {
  const type = (format ?? inferFormat(file))?.toLowerCase();
  if (!AUDIENCE_FILE_FORMATS.includes(type as FileAudienceSource['type'])) {
    throw usageError(
      `cannot tell whether '${file}' is CSV, NDJSON or Parquet; name it .csv/.ndjson/.jsonl/.parquet or pass --format csv|ndjson|parquet`,
    );
  }
  // The worker reads the file, possibly from another working directory: always send an absolute path.
  return { type: type as FileAudienceSource['type'], path: path.resolve(file) };
}

function inferFormat(file: string): string | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  if (ext === '.parquet' || ext === '.pq') return 'parquet';
  return undefined;
}

/** The audience the flags name: exactly one of --audience <file> or --query "<select>" with --connection <name>. */
export function audienceSourceFrom(flags: AudienceFlags): AudienceSource {
  if (flags.query !== undefined) {
    if (flags.audience !== undefined) throw usageError('give --audience <file> or --query, not both');
    if (flags.format !== undefined) throw usageError('--format is for --audience files; a --query has no format');
    if (flags.connection === undefined) {
      throw usageError('--query needs --connection <name>: the name under which the workers find the database connection string');
    }
    return { type: 'postgres', connection: flags.connection, query: flags.query };
  }
  if (flags.connection !== undefined) throw usageError('--connection goes with --query "<select ...>"');
  if (flags.audience === undefined) {
    throw usageError('say where the audience comes from with --audience <file> or --query "<select ...>" --connection <name>');
  }
  return audienceSourceFor(flags.audience, flags.format);
}

export function buildSyncInput(flags: SyncFlags, extra: { dryRun?: boolean } = {}): SyncInputRaw {
  if (flags.list === undefined && flags.listId === undefined) {
    throw usageError('say which list to sync with --list "<name>" (or --list-id <id>)');
  }
  if (flags.list !== undefined && flags.listId !== undefined) throw usageError('give --list or --list-id, not both');
  const raw: SyncInputRaw = {
    ...(flags.list !== undefined ? { listName: flags.list } : {}),
    ...(flags.listId !== undefined ? { listId: flags.listId } : {}),
    audience: audienceSourceFrom(flags),
    ...(flags.credential !== undefined ? { credential: flags.credential } : {}),
    ...(flags.updateContacts === false ? { updateContacts: false } : {}),
    ...(flags.remove === false ? { removeMissing: false } : {}),
    ...(flags.maxRemovalShare !== undefined ? { maxRemovalShare: flags.maxRemovalShare } : {}),
    ...(flags.ifListBusy !== undefined ? { ifListBusy: flags.ifListBusy } : {}),
    ...(extra.dryRun ? { dryRun: true } : {}),
  };
  const parsed = syncInputSchema.safeParse(raw);
  if (!parsed.success) throw usageError(`invalid sync input: ${describeInputError(parsed.error)}`);
  return raw;
}
