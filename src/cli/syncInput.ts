/**
 * Turns CLI flags into the workflow input and validates it with the same zod schema the workflow uses,
 * so a bad flag is refused here, before anything is started.
 */
import path from 'node:path';
import { describeInputError, syncInputSchema, type AudienceSource, type SyncInputRaw } from '../shared';
import { usageError } from './errors';

export interface SyncFlags {
  list?: string;
  listId?: string;
  audience: string;
  format?: string;
  credential?: string;
  remove?: boolean;
  updateContacts?: boolean;
  maxRemovalShare?: number;
  ifListBusy?: 'wait' | 'fail';
  /** false with --no-local-check: the audience path is the worker's, not this machine's. */
  localCheck?: boolean;
}

/** csv or ndjson, from --format or the file's extension. */
export function audienceSourceFor(file: string, format?: string): AudienceSource {
  const type = (format ?? inferFormat(file))?.toLowerCase();
  if (type !== 'csv' && type !== 'ndjson') {
    throw usageError(
      `cannot tell whether '${file}' is CSV or NDJSON; name it .csv/.ndjson/.jsonl or pass --format csv|ndjson`,
    );
  }
  // The worker reads the file, possibly from another working directory: always send an absolute path.
  return { type, path: path.resolve(file) };
}

function inferFormat(file: string): string | undefined {
  const ext = path.extname(file).toLowerCase();
  if (ext === '.csv') return 'csv';
  if (ext === '.ndjson' || ext === '.jsonl') return 'ndjson';
  return undefined;
}

export function buildSyncInput(flags: SyncFlags, extra: { dryRun?: boolean } = {}): SyncInputRaw {
  if (flags.list === undefined && flags.listId === undefined) {
    throw usageError('say which list to sync with --list "<name>" (or --list-id <id>)');
  }
  if (flags.list !== undefined && flags.listId !== undefined) throw usageError('give --list or --list-id, not both');
  const raw: SyncInputRaw = {
    ...(flags.list !== undefined ? { listName: flags.list } : {}),
    ...(flags.listId !== undefined ? { listId: flags.listId } : {}),
    audience: audienceSourceFor(flags.audience, flags.format),
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
