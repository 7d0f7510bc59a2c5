/** CLI (bin `klaviyo-emulator`, root `npm run emulator --`): [--port 8089] [--host 127.0.0.1] [--speed 1] [--job-delay-ms N] [--log] [--admin]. */
import { Command, InvalidArgumentError } from 'commander';
import { createKey } from './admin';
import { EmulatorServer } from './server';

function positiveNumber(name: string) {
  return (v: string): number => {
    const n = Number(v);
    if (!Number.isFinite(n) || n < 0) throw new InvalidArgumentError(`${name} must be a non-negative number`);
    return n;
  };
}

async function main(): Promise<void> {
  const opts = new Command()
    .name('klaviyo-emulator')
    .description('Klaviyo API emulator for tests and demos (loopback only by default)')
    .option('--port <port>', 'port to listen on', positiveNumber('port'), 8089)
    .option('--host <host>', 'interface to bind', '127.0.0.1')
    .option('--speed <factor>', 'rate-limit speed factor (limits x factor; jobs run faster)', positiveNumber('speed'), 1)
    .option('--job-delay-ms <ms>', 'time a bulk import job spends queued and processing', positiveNumber('job-delay-ms'))
    .option('--log', 'log one line per API request', false)
    .option('--admin', 'serve the /admin surface (keys, seeding, faults, reset; loopback callers only)', false)
    .parse()
    .opts<{ port: number; host: string; speed: number; jobDelayMs?: number; log: boolean; admin: boolean }>();
  const server = new EmulatorServer(opts);
  const url = await server.listen();
  const key = createKey(server.state, 'default', undefined, process.env.EMULATOR_API_KEY || undefined);
  console.log(`Klaviyo emulator listening on ${url}`);
  console.log(`API key: ${key}`);
  console.log(opts.admin ? `Admin surface: ${url}/admin/ (loopback callers only)` : 'Admin surface off (start with --admin to seed lists, inject faults, reset)');
  const stop = () => void server.close().then(() => process.exit(0));
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.message : e);
  process.exit(1);
});
