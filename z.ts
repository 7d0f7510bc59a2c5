import { rowFileFor } from './src/audience/snapshot';
import { sourceSettingsFromEnv } from './src/config';
import fs from 'node:fs';
async function main() {
  fs.rmSync('/tmp/snapb', { recursive: true, force: true });
  const t = performance.now(); const c = process.cpuUsage();
  await rowFileFor({ type: 'postgres', connection: 'wh', query: process.argv[2] ?? 'select * from big' }, { dir: '/tmp/snapb', sources: sourceSettingsFromEnv({ AUDIENCE_CONNECTION_WH: process.env.TEST_POSTGRES_URL }) });
  const sec = (performance.now() - t) / 1000; const cpu = process.cpuUsage(c);
  console.log(`${(1e6 / sec).toFixed(0)} rows/s wall, node cpu ${((cpu.user+cpu.system)/1e6).toFixed(1)} s, ${sec.toFixed(1)} s, peak RSS ${(process.resourceUsage().maxRSS/1024).toFixed(0)} MiB`);
}
main();
