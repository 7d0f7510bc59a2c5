import { rowFileFor } from './src/audience/snapshot';
import { sourceSettingsFromEnv } from './src/config';
import fs from 'node:fs';
async function main() {
  const settings = { ...sourceSettingsFromEnv({ AUDIENCE_CONNECTION_WH: process.env.TEST_POSTGRES_URL }) };
  for (const q of ['select "properties.d" as "properties.d", email from t1 limit 1', 'select email, 1 as nope from t1', 'select email from t1 where false', 'select email, email from t1', 'select email, wipe() as "properties.w" from t1', 'select email from t1 where', 'select first_name from t1']) {
    fs.rmSync('/tmp/snap', { recursive: true, force: true });
    try {
      const s = await rowFileFor({ type: 'postgres', connection: 'wh', query: q }, { dir: '/tmp/snap', sources: { ...settings, queryTimeoutMs: 1000 } });
      console.log(q, '=>', fs.readFileSync(s.path, 'utf8'));
    } catch (e) { console.log(q, '=> ERR', (e as any).kind, (e as Error).message); }
  }
  for (const url of ['postgres://audience:wrongpw@127.0.0.1:' + new URL(process.env.TEST_POSTGRES_URL!).port + '/audience', 'postgres://a:secretpw@127.0.0.1:1/x', 'not a url', 'postgres://a:b@nonexistent.invalid/x']) {
    try { await rowFileFor({ type: 'postgres', connection: 'wh', query: 'select 1 as email' }, { dir: '/tmp/snap2', sources: sourceSettingsFromEnv({ AUDIENCE_CONNECTION_WH: url }) }); }
    catch (e) { console.log(url, '=> ERR', (e as any).kind, (e as Error).message); }
  }
}
main();
