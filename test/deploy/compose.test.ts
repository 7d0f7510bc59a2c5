/**
 * Docker is not available here, so the deployment files are checked statically: the compose file parses,
 * has every service the docs name, registers the search attribute, and the Dockerfile runs what the npm
 * scripts run and holds nothing else (no emulator, spec or dev tools).
 */
import fs from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { AUDIENCE_SYNC_SEARCH_ATTRIBUTES } from '../../src/temporal/searchAttributes';

const root = path.resolve(__dirname, '../..');
const read = (f: string) => fs.readFileSync(path.join(root, f), 'utf8');

interface Service {
  image?: string;
  build?: string | { context: string; dockerfile?: string };
  command?: string | string[];
  environment?: Record<string, string>;
  depends_on?: Record<string, { condition: string }>;
}
const compose = parse(read('docker-compose.yml'), { merge: true }) as { services: Record<string, Service> };
const services = compose.services;
const pkg = JSON.parse(read('package.json')) as { scripts: Record<string, string>; workspaces?: string[] };

/** Service names the docs give: first column of a table headed `| Service |`, and `docker compose <verb> <service>`. */
function servicesNamedIn(doc: string): string[] {
  const names = new Set<string>();
  for (const table of doc.matchAll(/^\| Service \|.*\n(?:\|.*\n?)+/gm)) {
    for (const m of table[0].matchAll(/^\|\s*`([a-z0-9-]+)`\s*\|/gm)) names.add(m[1]!);
  }
  for (const m of doc.matchAll(/docker compose (?:logs|restart|up -d|stop|exec|run --rm)(?: -f)? ([a-z][a-z0-9-]+)/g)) names.add(m[1]!);
  return [...names];
}

describe('docker-compose.yml', () => {
  it('parses and defines Temporal on PostgreSQL, the UI, setup, and the worker', () => {
    expect(services.postgresql?.image).toMatch(/^postgres:/);
    expect(services.temporal?.image).toMatch(/^temporalio\/server:/);
    expect(services.temporal?.environment?.DB).toBe('postgres12');
    expect(services['temporal-ui']?.image).toMatch(/^temporalio\/ui:/);
    expect(services['temporal-schema']?.image).toMatch(/^temporalio\/admin-tools:/);
    expect(services.worker?.build).toBe('.');
  });

  it('registers the AudienceSyncState and AudienceSyncList Keyword search attributes in an admin-tools container', () => {
    const setup = services['temporal-admin-tools']!;
    expect(setup.image).toMatch(/^temporalio\/admin-tools:/);
    const script = ([] as string[]).concat(setup.command ?? []).join('\n');
    for (const name of AUDIENCE_SYNC_SEARCH_ATTRIBUTES) expect(script).toContain(`--name ${name} --type Keyword`);
    expect(services.worker?.depends_on?.['temporal-admin-tools']?.condition).toBe('service_completed_successfully');
  });

  it('connects the worker with the same environment variables the CLI and `npm run worker` read', () => {
    const env = services.worker!.environment!;
    expect(env.TEMPORAL_ADDRESS).toBe('temporal:7233');
    for (const name of ['TEMPORAL_NAMESPACE', 'TEMPORAL_TASK_QUEUE', 'KLAVIYO_BASE_URL', 'KLAVIYO_API_KEY', 'AUDIENCE_REPORT_DIR']) {
      expect(env).toHaveProperty(name);
    }
  });

  it('runs the console from the worker image, with a token (it listens beyond loopback), published on the host loopback only', () => {
    const konsole = services.console!;
    expect(konsole.build).toBe('.');
    const [bin, script, command, ...flags] = konsole.command as string[];
    expect([bin, script, command]).toEqual(['node', 'lib/cli/main.js', 'console']);
    expect(fs.existsSync(path.join(root, 'src/cli/main.ts'))).toBe(true);
    expect(flags).toEqual(['--host', '0.0.0.0', '--port', '8090']);
    expect(konsole.environment).toHaveProperty('CONSOLE_TOKEN');
    expect(konsole.environment?.TEMPORAL_ADDRESS).toBe('temporal:7233');
    expect((konsole as { ports?: string[] }).ports).toEqual(['127.0.0.1:${CONSOLE_PORT:-8090}:8090']);
  });

  it('has every service the README and docs mention', () => {
    const docs = ['README.md', 'docs/deployment.md', 'docs/operators.md'].filter((f) => fs.existsSync(path.join(root, f)));
    const named = docs.flatMap((f) => servicesNamedIn(read(f)));
    expect(named).toEqual(expect.arrayContaining(['postgresql', 'temporal', 'temporal-ui', 'worker']));
    for (const name of named) expect(Object.keys(services), `service '${name}' named in the docs`).toContain(name);
  });
});

describe('Dockerfile', () => {
  const dockerfile = read('Dockerfile');
  const runs = [...dockerfile.matchAll(/^RUN (.+)$/gm)].map((m) => m[1]!);

  it('builds on Debian slim, not Alpine', () => {
    const bases = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]!);
    expect(bases.length).toBeGreaterThan(0);
    for (const b of bases) expect(b).toBe('node:20-bookworm-slim');
  });

  it('installs with npm ci and builds with the npm build script', () => {
    expect(runs.some((r) => /^npm ci\b/.test(r))).toBe(true);
    expect(runs).toContain('npm run build');
    expect(pkg.scripts.build).toMatch(/^tsc -p tsconfig\.build\.json\b/);
    // Every file the build script runs is copied into the build stage.
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    for (const file of pkg.scripts.build!.match(/\S+\.(?:ts|json)\b/g) ?? []) {
      expect(copied.some((c) => file === c || file.startsWith(`${c.replace(/\/$/, '')}/`))).toBe(true);
    }
    const buildConfig = JSON.parse(read('tsconfig.build.json')) as { compilerOptions: { rootDir: string; outDir: string } };
    expect(buildConfig.compilerOptions).toMatchObject({ rootDir: 'src', outDir: 'lib' });
  });

  it('copies only what the worker runs: no emulator, spec, workspace packages or dev tools', () => {
    const copied = [...dockerfile.matchAll(/^COPY (?!--from)(.+) \S+$/gm)].flatMap((m) => m[1]!.split(/\s+/));
    expect(copied).toEqual(expect.arrayContaining(['package.json', 'package-lock.json', 'src']));
    for (const source of copied) {
      expect(source, `COPY ${source}`).not.toMatch(/^(?:\.|\*|spec|packages|dev|test)(?:\/|$)|emulator|openapi/);
    }
    // The lock names the workspaces (packages/*), which the image does not have: every install leaves them out.
    expect(pkg.workspaces).toEqual(['packages/*']);
    const installs = runs.filter((r) => /^npm ci\b/.test(r));
    expect(installs).toHaveLength(2);
    for (const r of installs) expect(r).toMatch(/--workspaces=false\b/);
    // What the runtime stage takes from the build stage is the compiled lib/ only.
    const fromBuild = [...dockerfile.matchAll(/^COPY --from=\S+ (.+) \S+$/gm)].map((m) => m[1]!);
    expect(fromBuild).toEqual(['/app/lib']);
  });

  it('builds lib/ from sources that import no dev tool (emulator package, dev/)', () => {
    const sources = fs.readdirSync(path.join(root, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) => f.endsWith('.ts'));
    expect(sources.length).toBeGreaterThan(20);
    const offenders = sources.filter((f) => /from '(?:klaviyo-emulator|(?:\.\.\/)+(?:dev|packages)\/)/.test(read(path.join('src', f))));
    expect(offenders).toEqual([]);
  });

  it('installs without lifecycle scripts, since `prepare` builds and needs sources and dev dependencies', () => {
    expect(pkg.scripts.prepare).toBe('npm run build');
    const installs = runs.filter((r) => /^npm ci\b/.test(r));
    expect(installs.length).toBe(2);
    for (const r of installs) expect(r).toMatch(/^npm ci\b[^&]*--ignore-scripts/);
  });

  it('runs, compiled, the program `npm run worker` runs', () => {
    const cmd = /^CMD (\[.*\])$/m.exec(dockerfile)?.[1];
    expect(cmd).toBeDefined();
    const [bin, ...args] = JSON.parse(cmd!) as string[];
    // Node flags (the worker's heap limits and growth) come before the script.
    const script = args.at(-1);
    expect(args.slice(0, -1).every((arg) => /^--(max-[a-z-]+|heap-growing-percent)=\d+$/.test(arg))).toBe(true);
    // `tsx src/worker.ts` -> `node lib/worker.js` (tsconfig.build.json: rootDir src, outDir lib).
    const source = /^tsx (src\/\S+)\.ts$/.exec(pkg.scripts.worker!)?.[1];
    expect(source).toBeDefined();
    expect(bin).toBe('node');
    expect(script).toBe(`${source!.replace(/^src\//, 'lib/')}.js`);
  });
});
