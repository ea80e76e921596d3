#!/usr/bin/env node
'use strict';
// Builds the optional native engine at `npm install` time.
//
// The addon is an accelerator, not a requirement: without a compiler (or when
// npm runs with --ignore-scripts) `netstat` still works on the /proc backend.
// So a failed build prints one line and exits 0 — unless
// NETSTAT_REQUIRE_NATIVE=1 (CI) asks for a hard failure.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const required = process.env.NETSTAT_REQUIRE_NATIVE === '1';
// npm puts the project's node_modules/.bin first on PATH for scripts, so this
// finds the node-gyp dependency (and npm passes its nodedir setting along).
const result = spawnSync('node-gyp', ['rebuild'], { cwd: root, stdio: 'inherit', shell: false });

if (result.status === 0) process.exit(0);

const why = result.error ? result.error.message : `node-gyp exited with status ${result.status}`;
if (required) {
  console.error(`netstat-native: building the native engine failed (${why}) and NETSTAT_REQUIRE_NATIVE=1`);
  process.exit(1);
}
console.error(`netstat-native: native engine not built (${why}); netstat will use the /proc backend`);
process.exit(0);
