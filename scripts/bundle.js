#!/usr/bin/env node
'use strict';
// Part of `npm run build`, after tsc: bundles the CLI program (dist/cli/main.js
// and every module it can load) into dist/cli.bundle.js with esbuild, then runs
// the CLI once so that dist/cli.js writes the V8 code cache of the bundle
// (dist/cli.bundle.<build id>.cache) with the functions a socket listing uses.
// Why: see src/cli.ts; the figures are in bench/README.md ("Start-up").
//
// Without esbuild (a consumer building from a git checkout without dev
// dependencies) it says so and leaves dist/ as tsc made it: the CLI then loads
// its modules one by one, slower to start but the same program.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');
const bundle = path.join(dist, 'cli.bundle.js');

// Each build gets an id, written on the bundle's first line; the launcher
// names the code cache after it (cli.bundle.<id>.cache). V8 itself checks
// only its version, flags and the source's length, so without the id a cache
// of an older bundle of the same length would be accepted.
const id = require('node:crypto').randomBytes(6).toString('hex');

let esbuild;
try {
  esbuild = require('esbuild');
} catch {
  fs.rmSync(bundle, { force: true });
  console.error('bundle: esbuild is not installed; the CLI will load its modules one by one');
  process.exit(0);
}

const result = esbuild.buildSync({
  entryPoints: [path.join(dist, 'cli/main.js')],
  outfile: bundle,
  write: false,
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  banner: { js: `// netstat-native CLI bundle ${id}` },
  // Smaller source is less to scan when there is no usable cache. Names are
  // not kept: keepNames wraps every function in a defineProperty call (~530,
  // ~9 ms of each start-up, measured), and nothing depends on them — the
  // error classes set `name` themselves (NetstatError, AbortError).
  minify: true,
  keepNames: false,
  legalComments: 'none',
  logLevel: 'warning',
});

// Replace the bundle atomically (a CLI started meanwhile reads the old one or
// the new one, never half a file), then drop the caches of older bundles.
const temporary = `${bundle}.${process.pid}.tmp`;
fs.writeFileSync(temporary, result.outputFiles[0].contents);
fs.renameSync(temporary, bundle);
for (const name of fs.readdirSync(dist)) {
  if (/^cli\.bundle\..*\.cache$/.test(name) && name !== `cli.bundle.${id}.cache`) fs.rmSync(path.join(dist, name), { force: true });
}

// One listing with most columns compiles the functions a run needs; stdout is
// not looked at. A failure here only means no cache.
const warm = spawnSync(process.execPath, [path.join(dist, 'cli.js'), '-tanpeo'], { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8' });
if (!fs.existsSync(path.join(dist, `cli.bundle.${id}.cache`))) {
  console.error(`bundle: no code cache was written (${warm.error?.message ?? `status ${warm.status}: ${warm.stderr.trim()}`})`);
}
