/** `estimate`: plan the audience locally and show the calls and least time a sync needs at Klaviyo's limits. */
import fs from 'node:fs';
import { Command } from 'commander';
import type { CliContext } from '../context';
import { audienceSettingsFromEnv, klaviyoSettingsFromEnv, stateStoreSettingsFromEnv } from '../../config';
import { estimateSync, L_STEADY_BUDGET, type EndpointCalls, type SyncEstimate } from '../estimateArithmetic';
import { runFailed, usageError } from '../errors';
import { formatDuration } from '../format';
import type { ListSize } from '../listLookup';
import type { StoredList } from '../storedList';
import { addAudienceOptions, examples, parseCount, parsePositive } from '../options';
import type { AudienceFlags } from '../syncInput';

interface EstimateFlags extends AudienceFlags {
  list: string;
  credential: string;
  listMembers?: number;
  removals?: number;
  remove?: boolean;
  updateContacts?: boolean;
  verifyMembership?: boolean;
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

interface PlannedAudience {
  rows: number;
  validRows: number;
  rejectedRows: number;
  toAdd: number;
  toUpdate: number;
  unchanged: number;
}

/** What the store knows of the list, and so what the run reads and sends. */
function stateLine(list: ListSize, stored: StoredList | undefined, membershipRead: boolean): string {
  const read = membershipRead ? `; the drift check reads the list's ${list.members} members` : '';
  if (!list.exists) return '  sync state: a new list: every valid row is sent, no membership is read';
  if (!stored) return `  sync state: not read (no key here to identify the list): priced as the first sync of this list${read}`;
  if (stored.kind === 'unavailable') return `  sync state: unavailable (${stored.reason}): priced as the first sync of this list${read}`;
  if (stored.kind === 'none') return `  sync state: nothing stored for this list: every valid row is sent${read}`;
  const verified = stored.state.verifiedAt === null ? 'never read in full' : `membership last read ${new Date(stored.state.verifiedAt).toISOString()}`;
  return `  sync state: ${stored.state.members} members stored (${verified}): only new and changed rows are sent${read || ', no membership is read'}`;
}

function render(flags: EstimateFlags, audienceLabel: string, list: ListSize, stored: StoredList | undefined, membershipRead: boolean, plan: PlannedAudience, est: SyncEstimate): string {
  const listLine = {
    assumed: `  list "${flags.list}": assumed new and empty (no key for credential "${flags.credential}" here to look it up; pass --list-members N if it exists)`,
    flag: `  list "${flags.list}": ${list.members} members (given with --list-members${list.exists ? '' : '; priced as a new list'})`,
    klaviyo: `  list "${flags.list}": ${list.exists ? `${list.members} members now (read from Klaviyo)` : 'does not exist yet (will be created)'}`,
  }[list.source];
  return [
    `Estimate for syncing ${audienceLabel} into "${flags.list}"`,
    `  audience: ${plan.rows} rows, ${plan.validRows} valid, ${plan.rejectedRows} rejected locally (never sent)`,
    listLine,
    stateLine(list, stored, membershipRead),
    `  to send: ${plan.toAdd + plan.toUpdate} profiles (${plan.toAdd} new to the list, ${plan.toUpdate} changed); ${plan.unchanged} unchanged (not sent)`,
    '',
    'API path (bulk import jobs), calls per endpoint at the rate limits:',
    '    calls  endpoint                                             limit                least time  purpose',
    ...table(est.endpoints),
    `  total: ${est.totalCalls} calls; least time ${formatDuration(est.minimumSeconds)} ` +
      `(setup ${formatDuration(est.phaseSeconds.setup)}, read list ${formatDuration(est.phaseSeconds['read list'])}, ` +
      `upsert ${formatDuration(est.phaseSeconds.upsert)}, remove ${formatDuration(est.phaseSeconds.remove)})`,
    '',
    'SFTP import alternative:',
    `  upload ${formatDuration(est.sftp.uploadSeconds)} at ${flags.uploadMbps} Mbit/s, then list membership through the API:`,
    ...table(est.sftp.endpoints),
    `  least time ${formatDuration(est.sftp.minimumSeconds)} plus Klaviyo's SFTP ingestion time, which Klaviyo does not publish`,
    '',
    'Assumptions: each endpoint has its own limit; the sustained rate is min(burst per second, steady per minute / 60);',
    `tier L is budgeted at ${L_STEADY_BUDGET}/min (Klaviyo's docs; the spec says 750); the phases run one after another;`,
    `${flags.pollsPerJob} status polls per bulk job; Klaviyo's job processing time is not included; removals are the stored`,
    'members the audience no longer holds (without stored state: list members - valid e-mails) unless --removals says',
    'otherwise; the SFTP import updates profiles but does not add them to a list, and the CSV size is taken as the audience file size.',
  ].join('\n');
}

async function runEstimate(ctx: CliContext, flags: EstimateFlags): Promise<void> {
  // Loaded when the command runs: the audience readers, zod and the Klaviyo client are not needed for --help.
  const { planAudience } = require('../../audience/plan') as typeof import('../../audience/plan');
  const { lookUpListSize } = require('../listLookup') as typeof import('../listLookup');
  const { readStoredList } = require('../storedList') as typeof import('../storedList');
  const { membershipReadReason } = require('../../store/listMembers') as typeof import('../../store/listMembers');
  const { audienceSourceFrom } = require('../syncInput') as typeof import('../syncInput');
  const { withLocalRows } = require('../localAudience') as typeof import('../localAudience');
  const source = audienceSourceFrom(flags);
  const list: ListSize =
    flags.listMembers !== undefined
      ? { exists: flags.listMembers > 0, members: flags.listMembers, source: 'flag' }
      : await lookUpListSize(flags.list, klaviyoSettingsFromEnv(ctx.env), flags.credential, (m) => ctx.note(m)).catch((err: Error) => {
          throw runFailed(
            `could not read the size of list "${flags.list}" from Klaviyo (${err.message.replace(/[.\s]+$/, '')}); ` +
              `check the key of credential "${flags.credential}" and KLAVIYO_BASE_URL, or give the size with --list-members N`,
          );
        });
  // The store the workers use (AUDIENCE_STATE_URL): a refresh sends only what changed since it was written.
  const stored = list.listId && list.account ? await readStoredList(ctx.env, list.account, list.listId) : undefined;
  const members = stored?.kind === 'known' ? stored.members : undefined;
  const stateSettings = stateStoreSettingsFromEnv(ctx.env);
  const membershipRead =
    list.exists && membershipReadReason(stored?.kind === 'known' ? stored.state : undefined, flags.verifyMembership === true, stateSettings.verifyEveryMs, Date.now()) !== undefined;
  // The worker's own batch size and phone country (src/config.ts), so the estimate plans what a run would.
  const audience = audienceSettingsFromEnv(ctx.env);
  const { plan, bytes } = await withLocalRows(source, ctx.env, async (rows) => ({
    plan: await planAudience(rows, {
      updateContacts: flags.updateContacts !== false,
      maxProfiles: audience.batchMaxProfiles,
      defaultCountry: audience.defaultPhoneCountry,
      members,
    }),
    bytes: fs.statSync(rows.path).size,
  }));
  const removeMissing = flags.remove !== false;
  const leaving = members ? members.unseen : Math.max(0, list.members - plan.uniqueEmails);
  const removals = removeMissing ? (flags.removals ?? leaving) : 0;
  if (removals > list.members) throw usageError(`--removals ${removals} is more than the list's ${list.members} members`);
  const est = estimateSync({
    bulkJobs: plan.batches,
    profiles: plan.toAdd + plan.toUpdate,
    listMembersBefore: list.members,
    membershipRead,
    removals,
    removeMissing,
    createList: !list.exists,
    pollsPerJob: flags.pollsPerJob,
    expectedImportErrors: 0,
    sftpCsvBytes: bytes,
    uploadMbitPerSecond: flags.uploadMbps,
  });
  const { listId: _listId, account: _account, ...listShown } = list;
  if (flags.json) {
    const audienceFigures = {
      rows: plan.rows,
      validRows: plan.validRows,
      rejectedRows: plan.rejectedRows,
      toAdd: plan.toAdd,
      toUpdate: plan.toUpdate,
      unchanged: plan.unchanged,
      bulkJobs: plan.batches,
    };
    const state = !stored ? 'not_read' : stored.kind === 'known' ? 'known' : stored.kind;
    ctx.print(JSON.stringify({ audience: audienceFigures, list: listShown, syncState: state, membershipRead, removals, estimate: est }, null, 2));
    return;
  }
  const { describeAudienceSource } = require('../../shared') as typeof import('../../shared');
  ctx.print(render(flags, describeAudienceSource(source), list, stored, membershipRead, plan, est));
}

export function estimateCommand(ctx: CliContext): Command {
  return addAudienceOptions(new Command('estimate'))
    .description("how long a sync takes at Klaviyo's rate limits (calls per endpoint), and the SFTP-import alternative")
    .requiredOption('-l, --list <name>', 'Klaviyo list name')
    .option('--credential <name>', 'credential whose key reads the list size, as the workers resolve it', 'default')
    .option('--list-members <n>', 'current members of the list (default: read from Klaviyo when the credential has a key here, else 0)', parseCount)
    .option('--removals <n>', "members the sync will remove (default: the stored members the audience no longer holds; without stored state, list members - valid e-mails)", parseCount)
    .option('--verify-membership', 'price the drift check: the run reads the whole list (as sync --verify-membership)')
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
