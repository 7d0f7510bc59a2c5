'use strict';
/**
 * Which program bin/klaviyo-audience-sync.js runs. lib/ is used when it is at least as new as every file
 * under src/ (or when there is no src/, as in an installed package); otherwise src/ through tsx, so an
 * edited checkout never runs a stale build. Comparing mtimes of some hundred files takes about a millisecond.
 */
const fs = require('node:fs');
const path = require('node:path');

function newestMtimeMs(dir) {
  let newest = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (entry.isFile()) newest = Math.max(newest, fs.statSync(path.join(entry.parentPath ?? entry.path, entry.name)).mtimeMs);
  }
  return newest;
}

/** @returns {{ file: string, source: boolean, note?: string }} */
function chooseEntry(root, env) {
  const compiled = path.join(root, 'lib', 'cli', 'main.js');
  const sources = path.join(root, 'src');
  const source = { file: path.join(sources, 'cli', 'main.ts'), source: true };
  if (env.KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE === '1') return source;
  if (!fs.existsSync(compiled)) return { ...source, note: 'lib/ is not built, so the TypeScript sources run (slower); `npm run build` builds it.' };
  if (fs.existsSync(sources) && newestMtimeMs(sources) > fs.statSync(compiled).mtimeMs) {
    return { ...source, note: 'src/ changed since lib/ was built, so the TypeScript sources run (slower); `npm run build` refreshes lib/.' };
  }
  return { file: compiled, source: false };
}

module.exports = { chooseEntry };
