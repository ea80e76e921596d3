#!/usr/bin/env node
'use strict';
// The package's install step: make sure the native engine can load.
//
// 1. The package ships a prebuilt engine for linux-x64 (glibc) in prebuilds/.
//    If the one for this machine loads, there is nothing to do — no compiler,
//    no node-gyp.
// 2. Otherwise (another platform, a prebuild that does not load, or a build
//    from source asked for with `npm rebuild netstat-native --build-from-source`
//    or NETSTAT_BUILD_FROM_SOURCE=1) compile it with node-gyp into build/Release.
//    node-gyp is not a dependency: npm and pnpm put their own on PATH for
//    install scripts; a clone has it as a devDependency.
// 3. The engine is an accelerator, not a requirement: when the build fails,
//    `netstat` still works from /proc, so this exits 0 — unless
//    NETSTAT_REQUIRE_NATIVE=1 (CI) asks for a hard failure. npm hides the
//    output of install scripts that succeed, so the CLI itself tells the user
//    once (src/cli/fallback-notice.ts); the line printed here is for logs.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const { prebuildFile } = require('./prebuild-file');

const root = path.join(__dirname, '..');
const required = process.env.NETSTAT_REQUIRE_NATIVE === '1';
const fromSource = process.env.npm_config_build_from_source === 'true' || process.env.NETSTAT_BUILD_FROM_SOURCE === '1';

/** Why `file` is not an addon this Node can load, or null if it is (the loader checks its layout at run time). */
function loadError(file) {
  try {
    return typeof require(file).layoutVersion === 'number' ? null : 'it is not this engine';
  } catch (err) {
    return err.message;
  }
}

function nodeGyp() {
  // Prefer a node-gyp installed beside the package and run by this very Node;
  // else the one on PATH (npm's own, which it passes its nodedir along to).
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
  console.error('netstat-native: install a C++ toolchain (g++, make, python3), then run: npm rebuild netstat-native');
  process.exit(0);
}

const prebuild = prebuildFile(root);
if (!fromSource && fs.existsSync(prebuild) && loadError(prebuild) === null) process.exit(0);

const [command, ...args] = nodeGyp();
const result = spawnSync(command, [...args, 'rebuild', '-j', 'max'], { cwd: root, stdio: 'inherit', shell: false });
if (result.status !== 0) fail(result.error ? result.error.message : `node-gyp exited with status ${result.status}`);
const built = loadError(path.join(root, 'build/Release/netstat_native.node'));
if (built !== null) fail(`the built addon does not load: ${built}`);
