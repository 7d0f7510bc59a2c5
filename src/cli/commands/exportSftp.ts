/** `export-sftp`: the audience as the CSV Klaviyo's SFTP profile import expects. */
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import type { CliContext } from '../context';
import { audienceSettingsFromEnv } from '../../config';
import { usageError } from '../errors';
import { addAudienceOptions, examples } from '../options';
import type { AudienceFlags } from '../syncInput';

interface ExportFlags extends AudienceFlags {
  out: string;
  defaultCountry?: string;
}

async function runExport(ctx: CliContext, flags: ExportFlags): Promise<void> {
  // Loaded when the command runs: the row normaliser brings libphonenumber, the writer csv-stringify.
  const { audienceSourceFrom } = require('../syncInput') as typeof import('../syncInput');
  const { exportSftpCsv } = require('../sftpExport') as typeof import('../sftpExport');
  const { withLocalRows } = require('../localAudience') as typeof import('../localAudience');
  const source = audienceSourceFrom(flags);
  const out = path.resolve(flags.out);
  if (source.type !== 'postgres' && out === source.path) throw usageError('--out must be a different file from --audience');
  if (fs.existsSync(out) && fs.statSync(out).isDirectory()) throw usageError(`--out ${flags.out} is a folder; name the CSV file to write in it`);
  // A new folder for the upload is normal; make it rather than fail.
  fs.mkdirSync(path.dirname(out), { recursive: true });
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
