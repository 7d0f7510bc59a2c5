#!/usr/bin/env node
// Launcher for the operators' CLI. Runs the compiled build (lib/, which `npm ci` makes through the
// `prepare` script, or `npm run build`); in a checkout whose src/ changed since that build, or with
// KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE=1, the TypeScript sources through tsx instead: slower, never stale.
'use strict';
const path = require('node:path');
const { chooseEntry } = require('./chooseEntry');

// A reader that stops early (`... | head -1`) closes the pipe: end quietly, as Unix tools do.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (err) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

const entry = chooseEntry(path.join(__dirname, '..'), process.env);
if (entry.note && process.stderr.isTTY) process.stderr.write(`klaviyo-audience-sync: ${entry.note}\n`);
if (entry.source) require('tsx/cjs');
require(entry.file)
  .runCli(process.argv)
  .then((code) => {
    process.exitCode = code;
  });
