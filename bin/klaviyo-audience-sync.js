#!/usr/bin/env node
// Launcher for the operators' CLI: the compiled build (lib/) when present, else the TypeScript sources via tsx.
// KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE=1 forces the sources (tests, development with a stale lib/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'lib', 'cli', 'main.js');
let cli;
if (fs.existsSync(compiled) && process.env.KLAVIYO_AUDIENCE_SYNC_FROM_SOURCE !== '1') {
  cli = require(compiled);
} else {
  require('tsx/cjs');
  cli = require(path.join(__dirname, '..', 'src', 'cli', 'main.ts'));
}
cli.runCli(process.argv).then((code) => {
  process.exitCode = code;
});
