/** `codec-server`: decrypts payloads for the Temporal UI and CLI, for operators holding its token. */
import type { AddressInfo } from 'node:net';
import { Command } from 'commander';
import { codecServerSettingsFromEnv, codecSettingsFromEnv } from '../../config';
import type { CliContext } from '../context';
import { untilStopped } from '../untilStopped';
import { usageError } from '../errors';
import { examples, parseCount } from '../options';

async function serve(ctx: CliContext, flags: { port: number; host: string }): Promise<void> {
  const codec = codecSettingsFromEnv(ctx.env);
  if (!codec) throw usageError('the codec server needs the workers\' keys: set TEMPORAL_CODEC_KEY (and TEMPORAL_CODEC_OLD_KEYS for rotated keys)');
  const { token, corsOrigins } = codecServerSettingsFromEnv(ctx.env);
  // Loaded when the command runs: `--help` stays fast.
  const { AesGcmPayloadCodec } = require('../../temporal/codec') as typeof import('../../temporal/codec');
  const { createCodecServer } = require('../../temporal/codecServer') as typeof import('../../temporal/codecServer');
  const server = createCodecServer({ codec: new AesGcmPayloadCodec(codec), token, corsOrigins });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(flags.port, flags.host, resolve);
  });
  const { port } = server.address() as AddressInfo;
  const host = flags.host.includes(':') ? `[${flags.host}]` : flags.host;
  ctx.print(`Codec server listening on http://${host}:${port} (browser origins allowed: ${corsOrigins.join(', ')})`);
  ctx.note(`Sign a browser in at http://${host}:${port}/login; the Temporal CLI takes --codec-endpoint http://${host}:${port} --codec-auth "Bearer <token>".`);
  await untilStopped();
  await new Promise<void>((resolve) => server.close(() => resolve()));
  server.closeAllConnections();
}

export function codecServerCommand(ctx: CliContext): Command {
  return new Command('codec-server')
    .description('serve /decode and /encode so the Temporal UI and CLI show encrypted payloads decrypted (token required)')
    .option('--port <port>', 'port to listen on (0: any free port)', parseCount, 8888)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .addHelpText(
      'after',
      `${examples([
        'TEMPORAL_CODEC_KEY=... TEMPORAL_CODEC_SERVER_TOKEN=... klaviyo-audience-sync codec-server --port 8888',
        'temporal workflow show --workflow-id <id> --codec-endpoint http://127.0.0.1:8888 --codec-auth "Bearer $TEMPORAL_CODEC_SERVER_TOKEN"',
      ])}
Settings: TEMPORAL_CODEC_KEY, TEMPORAL_CODEC_KEY_ID, TEMPORAL_CODEC_OLD_KEYS (the workers' keys),
TEMPORAL_CODEC_SERVER_TOKEN (callers' secret), TEMPORAL_CODEC_CORS_ORIGINS (the Temporal UI's origin,
default http://localhost:8233,http://localhost:8080). See docs/deployment.md.`,
    )
    .action((flags: { port: number; host: string }) => serve(ctx, flags));
}
