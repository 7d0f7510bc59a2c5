/** `estimate`: plan the audience locally and show the calls and least time a sync needs at Klaviyo's limits. */
import fs from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../context';
import { audienceSettingsFromEnv, klaviyoSettingsFromEnv } from '../../config';
import { estimateSync, L_STEADY_BUDGET, type EndpointCalls, type SyncEstimate } from '../estimateArithmetic';
import { runFailed, usageError } from '../errors';
import { formatDuration } from '../format';
import type { ListSize } from '../listLookup';
import { addAudienceOptions, examples, parseCount, parsePositive } from '../options';
import type { AudienceFlags } from '../syncInput';

interface EstimateFlags extends AudienceFlags {
  list: string;
  credential: string;
  listMembers?: number;
  removals?: number;
  remove?: boolean;
  updateContacts?: boolean;
  pollsPerJob: number;
  uploadMbps: number;
  json?: boolean;
}

function table(rows: EndpointCalls[]): string[] {
  return rows.map(
    (e) =>
      `  ${String(e.calls).padStart(7)}  ${e.endpoint.padEnd(52)} ${`${e.limit.burst}/s, ${e.limit.steady}/min`.padEnd(16)} ` +
      `${formatDuration(e.seconds).padStart(12)}  ${e.purpose}`,
  );
}

function render(flags: EstimateFlags, audienceLabel: string, list: ListSize, plan: { rows: number; validRows: number; rejectedRows: number }, est: SyncEstimate): string {
  const listLine = {
    assumed: `  list "${flags.list}": assumed new and empty (no key for credential "${flags.credential}" here to look it up; pass --list-members N if it exists)`,
    flag: `  list "${flags.list}": ${list.members} members (given with --list-members${list.exists ? '' : '; priced as a new list'})`,
    klaviyo: `  list "${flags.list}": ${list.exists ? `${list.members} members now (read from Klaviyo)` : 'does not exist yet (will be created)'}`,
  }[list.source];
  return [
    `Estimate for syncing ${audienceLabel} into "${flags.list}"`,
    `  audience: ${plan.rows} rows, ${plan.validRows} valid, ${plan.rejectedRows} rejected locally (never sent)`,
    listLine,
    '',
    'API path (bulk import jobs), calls per endpoint at the rate limits:',
    '    calls  endpoint                                             limit                least time  purpose',
    ...table(est.endpoints),
    `  total: ${est.totalCalls} calls; least time ${formatDuration(est.minimumSeconds)} ` +
      `(setup ${formatDuration(est.phaseSeconds.setup)}, upsert ${formatDuration(est.phaseSeconds.upsert)}, ` +
      `read list ${formatDuration(est.phaseSeconds['read list'])}, remove ${formatDuration(est.phaseSeconds.remove)})`,
    '',
    'SFTP import alternative:',
    `  upload ${formatDuration(est.sftp.uploadSeconds)} at ${flags.uploadMbps} Mbit/s, then list membership through the API:`,
    ...table(est.sftp.endpoints),
    `  least time ${formatDuration(est.sftp.minimumSeconds)} plus Klaviyo's SFTP ingestion time, which Klaviyo does not publish`,
    '',
    'Assumptions: each endpoint has its own limit; the sustained rate is min(burst per second, steady per minute / 60);',
    `tier L is budgeted at ${L_STEADY_BUDGET}/min (Klaviyo's docs; the spec says 750); the phases run one after another;`,
    `${flags.pollsPerJob} status polls per bulk job; Klaviyo's job processing time is not included; removals default to`,
    'members the audience cannot cover (list members - valid rows) unless --removals says otherwise; the SFTP import',
    'updates profiles but does not add them to a list, and the CSV size is taken as the audience file size.',
  ].join('\n');
}

async function runEstimate(ctx: CliContext, flags: EstimateFlags): Promise<void> {
  // Loaded when the command runs: the audience readers, zod and the Klaviyo client are not needed for --help.
  const { planAudience } = require('../../audience/plan') as typeof import('../../audience/plan');
  const { lookUpListSize } = require('../listLookup') as typeof import('../listLookup');
  const { audienceSourceFrom } = require('../syncInput') as typeof import('../syncInput');
  const { withLocalRows } = require('../localAudience') as typeof import('../localAudience');
  const source = audienceSourceFrom(flags);
  // The worker's own batch size and phone country (src/config.ts), so the estimate plans what a run would.
  const audience = audienceSettingsFromEnv(ctx.env);
  const { plan, bytes } = await withLocalRows(source, ctx.env, async (rows) => ({
    plan: await planAudience(rows, {
      updateContacts: flags.updateContacts !== false,
      maxProfiles: audience.batchMaxProfiles,
      defaultCountry: audience.defaultPhoneCountry,
    }),
    bytes: fs.statSync(rows.path).size,
  }));
  const list: ListSize =
    flags.listMembers !== undefined
      ? { exists: flags.listMembers > 0, members: flags.listMembers, source: 'flag' }
      : await lookUpListSize(flags.list, klaviyoSettingsFromEnv(ctx.env), flags.credential).catch((err: Error) => {
          throw runFailed(
            `could not read the size of list "${flags.list}" from Klaviyo (${err.message.replace(/[.\s]+$/, '')}); ` +
              `check the key of credential "${flags.credential}" and KLAVIYO_BASE_URL, or give the size with --list-members N`,
          );
        });
  const removeMissing = flags.remove !== false;
  const removals = removeMissing ? (flags.removals ?? Math.max(0, list.members - plan.validRows)) : 0;
  if (removals > list.members) throw usageError(`--removals ${removals} is more than the list's ${list.members} members`);
  const est = estimateSync({
    bulkJobs: plan.batches.length,
    profiles: plan.validRows,
    listMembersBefore: list.members,
    removals,
    removeMissing,
    createList: !list.exists,
    pollsPerJob: flags.pollsPerJob,
    expectedImportErrors: 0,
    sftpCsvBytes: bytes,
    uploadMbitPerSecond: flags.uploadMbps,
  });
  if (flags.json) {
    ctx.print(JSON.stringify({ audience: { rows: plan.rows, validRows: plan.validRows, rejectedRows: plan.rejectedRows, bulkJobs: plan.batches.length }, list, removals, estimate: est }, null, 2));
    return;
  }
  const { describeAudienceSource } = require('../../shared') as typeof import('../../shared');
  ctx.print(render(flags, describeAudienceSource(source), list, plan, est));
}

export function estimateCommand(ctx: CliContext): Command {
  return addAudienceOptions(new Command('estimate'))
    .description("how long a sync takes at Klaviyo's rate limits (calls per endpoint), and the SFTP-import alternative")
    .requiredOption('-l, --list <name>', 'Klaviyo list name')
    .option('--credential <name>', 'credential whose key reads the list size, as the workers resolve it', 'default')
    .option('--list-members <n>', 'current members of the list (default: read from Klaviyo when the credential has a key here, else 0)', parseCount)
    .option('--removals <n>', 'members the sync will remove (default: list members - valid rows)', parseCount)
    .option('--no-remove', 'the sync keeps members not in the audience')
    .option('--no-update-contacts', 'the sync only sets list membership')
    .option('--polls-per-job <n>', 'status reads per bulk import job', parseCount, 3)
    .option('--upload-mbps <n>', 'upload speed for the SFTP alternative, in Mbit/s', parsePositive, 10)
    .option('--json', 'print the figures as JSON')
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync estimate --audience data/spring-vip.csv --list "Spring VIP"',
        'klaviyo-audience-sync estimate --audience big.csv --list "All buyers" --list-members 250000 --removals 20000',
        'klaviyo-audience-sync estimate --query "select email from customers" --connection warehouse --list "All buyers"',
      ]),
    )
    .action((flags: EstimateFlags) => runEstimate(ctx, flags));
}
