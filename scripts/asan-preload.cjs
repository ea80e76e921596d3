'use strict';
// Preloaded into vitest's worker processes by scripts/asan.sh
// (--execArgv=--require=…), which run with gcc's ASan runtime preloaded.
//
// 1. Every load of this checkout's engine (build/Release/netstat_native.node
//    or a prebuild under prebuilds/, whichever src/native.ts picks) gets the
//    sanitized build named by SANITIZED_NETSTAT_ADDON instead, so the tests'
//    in-process calls run it without any test or library code knowing.
//    Other files of that name (the loader tests' broken stand-ins) load as they are.
// 2. What the tests start runs as it does in CI: without the ASan runtime and
//    the sanitizer options. Programs over a fake /proc cannot host the
//    runtime (it reads /proc/self/maps), harnesses that pass on a cleaned
//    environment would load it unpreloaded, and a sanitized child's warnings
//    would break byte-for-byte comparisons.
const Module = require('node:module');
const fs = require('node:fs');
const path = require('node:path');

const sanitized = process.env.SANITIZED_NETSTAT_ADDON;
// scripts/asan.sh counts the loads, to know that the sanitized build really ran.
const loads = process.env.SANITIZED_NETSTAT_LOADS;
const root = path.resolve(__dirname, '..');
const sourceBuild = path.join(root, 'build', 'Release', 'netstat_native.node');
const prebuilds = path.join(root, 'prebuilds') + path.sep;
if (sanitized) {
  const loadNode = Module._extensions['.node'];
  Module._extensions['.node'] = function loadSanitized(module, filename) {
    const engine = filename === sourceBuild || (filename.startsWith(prebuilds) && /^netstat_native\.[a-z]+\.node$/.test(path.basename(filename)));
    if (engine && loads) fs.appendFileSync(loads, `${process.pid}\n`);
    return loadNode.call(this, module, engine ? sanitized : filename);
  };
}
for (const name of ['LD_PRELOAD', 'ASAN_OPTIONS', 'UBSAN_OPTIONS', 'SANITIZED_NETSTAT_ADDON', 'SANITIZED_NETSTAT_LOADS']) delete process.env[name];
