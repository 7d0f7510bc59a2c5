/** Writes the workflow bundle the compiled worker loads (lib/workflow-bundle.js); part of `npm run build`. */
import fs from 'node:fs';
import path from 'node:path';
import { bundleAudienceSyncWorkflows } from '../src/temporal/createWorker';

async function main(): Promise<void> {
  const out = path.resolve(process.argv[2] ?? 'lib/workflow-bundle.js');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, (await bundleAudienceSyncWorkflows()).code);
  console.log(`workflow bundle written to ${out}`);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
