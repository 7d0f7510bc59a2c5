#!/usr/bin/env node
// Launcher for the emulator's CLI: the compiled build (dist/) when present, else the TypeScript sources via tsx.
// KLAVIYO_EMULATOR_FROM_SOURCE=1 forces the sources (tests, development with a stale dist/).
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const compiled = path.join(__dirname, '..', 'dist', 'main.js');
if (fs.existsSync(compiled) && process.env.KLAVIYO_EMULATOR_FROM_SOURCE !== '1') {
  require(compiled);
} else {
  require('tsx/cjs');
  require(path.join(__dirname, '..', 'src', 'main.ts'));
}
