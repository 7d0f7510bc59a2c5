/**
 * The emulator's own CPU per imported profile, without Temporal or the worker: starts the emulator CLI in a
 * process of its own, sends a first sync's bulk import jobs (profiles shaped as the sync sends them, about
 * 600 bytes each, as many per job as fit 5 MB), waits for every job to complete, and reads the emulator
 * process's CPU-seconds from /proc. A second pass re-sends the same profiles (all updates, as a refresh).
 *
 * It prints the CPU-seconds of the whole process (GC helper threads included) and of its main thread.
 *
 *   npx tsx packages/klaviyo-emulator/test/bench/importCpu.ts [--profiles 200000] [--first-only] [--cpu-prof <dir>]
 */
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { Command } from 'commander';
import { EmulatorAdmin } from '../../src/adminClient';

const opts = new Command()
  .option('--profiles <n>', 'profiles per pass', (v) => parseInt(v, 10), 200_000)
  .option('--per-job <n>', 'profiles per bulk import job', (v) => parseInt(v, 10), 7500)
  .option('--first-only', 'skip the all-updates pass')
  .option('--cpu-prof <dir>', "write the emulator's V8 CPU profile into this folder")
  .option('--node-flags <flags>', 'more node flags for the emulator, e.g. "--trace-gc" (its output goes to stderr)')
  .option('--sources <dir>', "the emulator's sources, relative to the package: a copy of another revision's src/ for a before/after", 'src')
  .parse()
  .opts<{ profiles: number; perJob: number; firstOnly?: boolean; cpuProf?: string; nodeFlags?: string; sources: string }>();

const REVISION = '2026-07-15';

/** Some non-ASCII, as in real names: the request body then takes UTF-8's slower decoding path. */
const FIRST_NAMES = ['Ana', 'Chloé', 'Dmitri', 'Zoë'];

function profileJson(i: number, pass: number): string {
  const n = String(i).padStart(8, '0');
  return JSON.stringify({
    type: 'profile',
    attributes: {
      email: `person.${i}@example.com`,
      phone_number: `+1212${String(2_000_000 + i).padStart(7, '0')}`,
      external_id: `cust-${n}`,
      first_name: FIRST_NAMES[i % FIRST_NAMES.length],
      last_name: 'Anderson',
      title: pass === 0 ? 'Account Manager' : 'Engineer',
      image: `https://images.example.com/avatars/${i}.jpg`,
      location: {
        address1: '1475 Maple Dr',
        address2: 'Apt 20A',
        city: 'Toronto',
        region: 'ON',
        zip: 'M5H 2N2',
        country: 'Canada',
        latitude: 43.6321,
        longitude: -79.3298,
        timezone: 'America/Toronto',
        ip: '155.109.254.116',
      },
      properties: { tier: 'silver', points: 1908 + pass, tags: ['synthetic', `cohort-${i % 10}`], last_event_date: '2024-12-22T19:34:16.756Z' },
    },
  });
}

function jobBodies(total: number, perJob: number, listId: string, pass: number): string[] {
  const bodies: string[] = [];
  for (let from = 0; from < total; from += perJob) {
    const profiles: string[] = [];
    for (let i = from; i < Math.min(total, from + perJob); i++) profiles.push(profileJson(i, pass));
    bodies.push(
      `{"data":{"type":"profile-bulk-import-job","attributes":{"profiles":{"data":[${profiles.join(',')}]}},"relationships":{"lists":{"data":[{"type":"list","id":"${listId}"}]}}}}`,
    );
  }
  return bodies;
}

/** User + system CPU-seconds of a process (all threads) or, given a thread id, of one thread, from /proc. */
function cpuSeconds(pid: number, tid?: number): number {
  const file = tid === undefined ? `/proc/${pid}/stat` : `/proc/${pid}/task/${tid}/stat`;
  const fields = fs.readFileSync(file, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

async function main(): Promise<void> {
  const cli = path.join(__dirname, '..', '..', opts.sources, 'main.ts');
  const nodeFlags = [...(opts.cpuProf ? ['--cpu-prof', '--cpu-prof-dir', path.resolve(opts.cpuProf)] : []), ...(opts.nodeFlags?.split(' ').filter(Boolean) ?? [])];
  const child = spawn(process.execPath, [...nodeFlags, '--import', 'tsx', cli, '--port', '0', '--admin', '--speed', '100', '--job-delay-ms', '20'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const started = await new Promise<{ url: string; key: string }>((resolve, reject) => {
    let out = '';
    child.stdout!.on('data', (c: Buffer) => {
      if (opts.nodeFlags) process.stderr.write(c);
      out += c.toString();
      const url = /listening on (\S+)/.exec(out)?.[1];
      const key = /API key: (\S+)/.exec(out)?.[1];
      if (url && key) resolve({ url, key });
    });
    child.once('exit', (code) => reject(new Error(`emulator exited with ${code}`)));
  });
  const headers = { Authorization: `Klaviyo-API-Key ${started.key}`, revision: REVISION, 'Content-Type': 'application/vnd.api+json', Accept: 'application/vnd.api+json' };
  const admin = new EmulatorAdmin(started.url);
  const [listId] = await admin.seedLists(['bench']);
  try {
    for (const [pass, label] of ['first sync', 'refresh (all updates)'].slice(0, opts.firstOnly ? 1 : 2).entries()) {
      const bodies = jobBodies(opts.profiles, opts.perJob, listId!, pass);
      const cpuBefore = cpuSeconds(child.pid!);
      const mainBefore = cpuSeconds(child.pid!, child.pid!);
      const t0 = Date.now();
      const jobIds: string[] = [];
      for (const body of bodies) {
        // A kept-alive connection the server closed while the next pass's bodies were built fails once: retry.
        const post = () => fetch(`${started.url}/api/profile-bulk-import-jobs`, { method: 'POST', headers, body });
        const res = await post().catch(post);
        const doc = (await res.json()) as { data: { id: string } };
        if (res.status !== 202) throw new Error(`POST answered ${res.status}: ${JSON.stringify(doc).slice(0, 500)}`);
        jobIds.push(doc.data.id);
      }
      for (const id of jobIds) {
        for (;;) {
          const res = await fetch(`${started.url}/api/profile-bulk-import-jobs/${id}`, { headers });
          const doc = (await res.json()) as { data: { attributes: { status: string; failed_count: number } } };
          if (doc.data.attributes.status === 'complete') {
            if (doc.data.attributes.failed_count > 0) throw new Error(`job ${id} failed ${doc.data.attributes.failed_count} profiles`);
            break;
          }
          await new Promise((r) => setTimeout(r, 50));
        }
      }
      const cpu = cpuSeconds(child.pid!) - cpuBefore;
      const main = cpuSeconds(child.pid!, child.pid!) - mainBefore;
      console.log(
        `${label}: ${opts.profiles} profiles in ${bodies.length} jobs, emulator CPU ${cpu.toFixed(2)} s (${((cpu / opts.profiles) * 1e6).toFixed(1)} µs/profile; main thread ${main.toFixed(2)} s), wall ${((Date.now() - t0) / 1000).toFixed(1)} s`,
      );
    }
    const members = await admin.listMembers(listId!);
    if (members.length !== opts.profiles) throw new Error(`list has ${members.length} members, expected ${opts.profiles}`);
  } finally {
    const exited = new Promise((r) => child.once('exit', r));
    child.kill('SIGTERM');
    await exited;
  }
}

main().catch((e: unknown) => {
  console.error(e);
  process.exit(1);
});
