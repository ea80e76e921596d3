#!/usr/bin/env node
'use strict';
// `netstat -i…` through the compiled library (dist/) with a chosen source of
// interface facts, for the namespace tests of -i (interfaces-namespace.test.ts,
// interfaces-hardware.test.ts). The CLI picks its source in
// src/backends/interfaces/choose.ts, never these two while the engine loads;
// this runs them on the same machine state:
//
// - default: the pure-TypeScript facts (sysfs + getifaddrs);
// - RTNL_DIR=dir: rtnetlink facts decoded from dumps recorded in dir
//   (link.bin: RTM_GETLINK, addr.bin: RTM_GETADDR), without the engine.
const { readFileSync } = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '../../dist');
const { parseArgs } = require(`${dist}/cli/args.js`);
const { Output } = require(`${dist}/cli/output.js`);
const { createResolvers } = require(`${dist}/resolve/index.js`);
const { procRoot } = require(`${dist}/procfs/root.js`);
const { createInterfacesPass } = require(`${dist}/modes/interfaces/index.js`);
const { rtnetlinkFacts, RTM_GETLINK } = require(`${dist}/backends/interfaces/rtnetlink.js`);
const { sysfsFacts } = require(`${dist}/backends/interfaces/sysfs.js`);

const recorded = process.env.RTNL_DIR;
const pass = createInterfacesPass(
  recorded ? rtnetlinkFacts((type) => readFileSync(path.join(recorded, type === RTM_GETLINK ? 'link.bin' : 'addr.bin'))) : sysfsFacts(),
);

(async () => {
  const out = new Output();
  const parsed = parseArgs(process.argv.slice(2), 'netstat');
  if (parsed.kind === 'exit') {
    out.err(parsed.stderr);
    out.out(parsed.stdout);
    out.flush();
    process.exitCode = parsed.status;
    return;
  }
  for (const warning of parsed.warnings) out.err(warning);
  const ctx = { options: parsed.options, out, resolvers: createResolvers(), procRoot: procRoot(), pass: 0 };
  const status = await pass(ctx);
  out.flush();
  process.exitCode = status;
})();
