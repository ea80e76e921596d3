#!/usr/bin/env node
'use strict';
// Builds the optional native engine at `npm install` time.
//
// The addon is an accelerator, not a requirement: without a compiler (or when
// npm runs with --ignore-scripts) `netstat` still works on the /proc backend.
// So a failed build prints one line and exits 0 — unless
// NETSTAT_REQUIRE_NATIVE=1 (CI) asks for a hard failure. A build that
// succeeds is also loaded once here, so that a binary the running Node
// cannot load (ABI, missing symbol) is reported now rather than at first use.
const { spawnSync } = require('node:child_process');
const path = require('node:path');

const root = path.join(__dirname, '..');
const required = process.env.NETSTAT_REQUIRE_NATIVE === '1';

function nodeGyp() {
  // Prefer the node-gyp dependency run by this very Node; fall back to PATH
  // (npm puts node_modules/.bin there for scripts and passes its nodedir along).
  try {
    return [process.execPath, require.resolve('node-gyp/bin/node-gyp.js')];
  } catch {
    return ['node-gyp'];
  }
}

function fail(why) {
  if (required) {
    console.error(`netstat-native: building the native engine failed (${why}) and NETSTAT_REQUIRE_NATIVE=1`);
    process.exit(1);
  }
  console.error(`netstat-native: native engine not available (${why}); netstat will use the /proc backend`);
  process.exit(0);
}

const [command, ...args] = nodeGyp();
const result = spawnSync(command, [...args, 'rebuild'], { cwd: root, stdio: 'inherit', shell: false });
if (result.status !== 0) fail(result.error ? result.error.message : `node-gyp exited with status ${result.status}`);

try {
  require(path.join(root, 'build/Release/netstat_native.node'));
} catch (err) {
  fail(`the built addon does not load: ${err.message}`);
}
