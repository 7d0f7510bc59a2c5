/**
 * How a run introduces itself in the Temporal UI: a one-line static summary ("Sync "Spring VIP" from
 * spring-vip.csv") and markdown details of its settings, set by every start (CLI, schedules).
 * Pure, no Node built-ins: the workflow may use it too.
 */
import { describeAudienceSource, syncInputSchema, type AudienceSource, type SyncInput, type SyncInputRaw } from './shared';

function listOf(input: Pick<SyncInputRaw, 'listName' | 'listId'>): string {
  return input.listName ? `"${input.listName}"` : `list ${input.listId ?? '(unnamed)'}`;
}

function fileName(path: string): string {
  return path.split(/[\\/]/).filter(Boolean).pop() ?? path;
}

/** A file by its name; a query as "warehouse query" (its connection name), as the summary line has room for. */
function sourceName(source: AudienceSource): string {
  return source.type === 'postgres' ? `${source.connection} query` : fileName(source.path);
}

export function runSummary(input: SyncInputRaw | SyncInput): string {
  const source = sourceName(input.audience as AudienceSource);
  return input.dryRun ? `Dry run: sync ${listOf(input)} from ${source} (writes nothing)` : `Sync ${listOf(input)} from ${source}`;
}

export function runDetails(input: SyncInput, startedBy: string): string {
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  return [
    `**List:** ${input.listName ? `"${input.listName}"` : `id \`${input.listId}\``}`,
    `**Audience:** \`${describeAudienceSource(input.audience)}\` (${input.audience.type === 'postgres' ? 'PostgreSQL' : input.audience.type.toUpperCase()})`,
    `**Credential:** \`${input.credential}\` (a name the workers resolve; never the key)`,
    `**Update profiles:** ${yes(input.updateContacts)} · **Remove members not in the audience:** ${yes(input.removeMissing)} · ` +
      `**Pause before removing more than:** ${Math.round(input.maxRemovalShare * 100)}% of the list`,
    ...(input.dryRun ? ['**Dry run:** reads and compares only; nothing is written to Klaviyo.'] : []),
    `**Started by:** ${startedBy}`,
  ].join('\n\n');
}

/** The start options that carry the summary and details (workflow start and schedule action alike). */
export function startMetadata(raw: SyncInputRaw, startedBy: string): { staticSummary: string; staticDetails: string } {
  const input = syncInputSchema.parse(raw);
  return { staticSummary: runSummary(input), staticDetails: runDetails(input, startedBy) };
}
