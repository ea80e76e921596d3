'use strict';
// Where the prebuilt engine for this machine lives in the package, for the
// install and prebuild scripts. The same rule as the loader's
// (src/native.ts nativeCandidates() and runtimeLibc()), which TypeScript
// cannot share with plain scripts run before dist/ exists: the C library
// this process runs on is the one mapped into it.
const fs = require('node:fs');
const path = require('node:path');

function runtimeLibc() {
  try {
    return /\/(ld-musl-|libc\.musl-)[^/\n]*$/m.test(fs.readFileSync('/proc/self/maps', 'latin1')) ? 'musl' : 'glibc';
  } catch {
    return 'glibc';
  }
}

/** `<root>/prebuilds/<platform>-<arch>/netstat_native.<libc>.node` */
function prebuildFile(root) {
  return path.join(root, 'prebuilds', `${process.platform}-${process.arch}`, `netstat_native.${runtimeLibc()}.node`);
}

module.exports = { prebuildFile };
