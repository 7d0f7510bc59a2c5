/** `export-sftp`: the audience as the CSV Klaviyo's SFTP profile import expects. */
import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../context';
import { audienceSettingsFromEnv } from '../../config';
import { usageError } from '../errors';
import { addAudienceOptions, examples } from '../options';
import { exportSftpCsv } from '../sftpExport';
import { withLocalRows } from '../localAudience';
import { audienceSourceFrom, type AudienceFlags } from '../syncInput';

interface ExportFlags extends AudienceFlags {
  out: string;
  defaultCountry?: string;
}

async function runExport(ctx: CliContext, flags: ExportFlags): Promise<void> {
  const source = audienceSourceFrom(flags);
  const out = path.resolve(flags.out);
  if (source.type !== 'postgres' && out === source.path) throw usageError('--out must be a different file from --audience');
  const defaultCountry = flags.defaultCountry ?? audienceSettingsFromEnv(ctx.env).defaultPhoneCountry;
  const r = await withLocalRows(source, ctx.env, (rows) => exportSftpCsv(rows, out, { defaultCountry }));
  const reasons = Object.entries(r.rejectedByReason).map(([k, n]) => `${k}: ${n}`).join(', ');
  ctx.print(
    [
      `Wrote ${r.rowsExported} profiles to ${r.outPath}`,
      `  rows read: ${r.rowsRead}; rejected: ${r.rowsRejected}${reasons ? ` (${reasons})` : ''}; details in ${r.rejectsPath}`,
      ...(r.propertyColumns.length ? [`  custom property columns: ${r.propertyColumns.join(', ')}`] : []),
      ...Object.entries(r.notExported).map(([f, n]) => `  not exported (no SFTP column): ${f} on ${n} row(s); sync these through the API instead`),
      '  Upload it to the "profiles" folder on sftp.klaviyo.com; SFTP import does not add profiles to a list.',
    ].join('\n'),
  );
}

export function exportSftpCommand(ctx: CliContext): Command {
  return addAudienceOptions(new Command('export-sftp'))
    .description("write the audience as the CSV Klaviyo's SFTP profile import expects (Email, PhoneNumber, ExternalID, ...)")
    .requiredOption('-o, --out <file>', 'CSV file to write (rejected rows go to <file>.rejects.csv)')
    .option('--default-country <cc>', 'country for phone numbers without +country code (default DEFAULT_PHONE_COUNTRY or US)')
    .addHelpText(
      'after',
      examples([
        'klaviyo-audience-sync export-sftp --audience data/spring-vip.csv --out spring-vip.sftp.csv',
        'klaviyo-audience-sync export-sftp --audience export.ndjson --out upload.csv --default-country GB',
      ]),
    )
    .action((flags: ExportFlags) => runExport(ctx, flags));
}
