#!/usr/bin/env node
'use strict';
// Builds the native engine for this machine into the prebuilds/ layout that
// `npm pack` ships: prebuilds/<platform>-<arch>/netstat_native.<libc>.node
// (linux-x64 glibc is the one the package is published with). Run by
// `prepack`; the loader tries this file before a from-source build.
//
// The addon uses N-API (NAPI_VERSION 8), so one file serves every Node.js
// version the package supports. It is built from a clean tree (node-gyp
// rebuild) and stripped of debug symbols, then loaded once to prove it works.
//
// `--remove` (postpack) deletes prebuilds/ again: in a working tree the loader
// would prefer a prebuild to the build/Release a developer rebuilds.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

// `--root DIR` builds another copy of the package (the packaging test's staging tree).
const rootArg = process.argv.indexOf('--root');
const root = rootArg > 0 ? path.resolve(process.argv[rootArg + 1]) : path.join(__dirname, '..');
const target = require('./prebuild-file').prebuildFile(root);

if (process.argv.includes('--remove')) {
  fs.rmSync(path.join(root, 'prebuilds'), { recursive: true, force: true });
  process.exit(0);
}

function run(command, args) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) {
    console.error(`prebuild: ${command} ${args.join(' ')} failed (${result.error ? result.error.message : `status ${result.status}`})`);
    process.exit(1);
  }
}

// Under npm, node-gyp gets npm's nodedir setting; run directly, it would try
// to download headers, so point it at this Node's own when they are installed.
const nodedir = path.dirname(path.dirname(process.execPath));
const headers = !process.env.npm_config_nodedir && fs.existsSync(path.join(nodedir, 'include/node/node_api.h')) ? [`--nodedir=${nodedir}`] : [];
run(process.execPath, [require.resolve('node-gyp/bin/node-gyp.js', { paths: [root] }), 'rebuild', '-j', 'max', ...headers]);
fs.mkdirSync(path.dirname(target), { recursive: true });
fs.copyFileSync(path.join(root, 'build/Release/netstat_native.node'), target);
run('strip', ['--strip-debug', target]);
const layout = require(target).layoutVersion;
console.log(`prebuild: ${path.relative(root, target)} (layout ${layout}, ${fs.statSync(target).size} bytes)`);
