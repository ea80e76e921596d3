'use strict';
// In-process costs of the library's calls, next to the engine's raw dump, in
// one Node process (no start-up in any figure): what an agent that imports the
// library pays per call. Run inside a namespace holding the load (see
// bench/README.md, "In-process figures"):
//
//   node bench/in-process.js [--runs 7] [--port N]
//
// Prints, per measurement, the median ms of `--runs` calls after one warm-up:
// the raw native TCP dump (both families: the kernel's work plus packing, the
// floor any call pays), listSockets({ protocols: ['tcp'] }),
// countSockets(tcp, by state), findListeners(N) and findListeners(N, no owners);
// listSockets and countSockets with verify false and true (one read, two).
const { performance } = require('node:perf_hooks');
const { countSockets, findListeners, listSockets } = require('../dist/index.js');
const { loadNative } = require('../dist/native.js');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? Number(process.argv[at + 1]) : fallback;
}

async function median(runs, work) {
  await work();
  const times = [];
  for (let i = 0; i < runs; i++) {
    const start = performance.now();
    await work();
    times.push(performance.now() - start);
  }
  times.sort((a, b) => a - b);
  return times[Math.floor(times.length / 2)];
}

async function main() {
  const runs = option('--runs', 7);
  const port = option('--port', undefined);
  const outcome = loadNative();
  if (!('binding' in outcome)) throw new Error(`native engine: ${outcome.message}`);
  const b = outcome.binding;
  const ALL = 0x1ffe;
  const rows = [];
  const dump = await median(runs, () => Promise.all([b.dumpInetAsync(2, 6, ALL, true, null, null, null), b.dumpInetAsync(10, 6, ALL, true, null, null, null)]));
  rows.push(['native TCP dump (both families)', dump, 1]);
  const bare = await median(runs, () => Promise.all([b.dumpInetAsync(2, 6, ALL, false, null, null, null), b.dumpInetAsync(10, 6, ALL, false, null, null, null)]));
  rows.push(['  … without tcp_info', bare, bare / dump]);
  const compact = await median(runs, () => Promise.all([b.dumpInetCompactAsync(2, 6, ALL, null, null, null), b.dumpInetCompactAsync(10, 6, ALL, null, null, null)]));
  rows.push(['  … compact rows (what counts read)', compact, compact / dump]);
  const list = await median(runs, () => listSockets({ protocols: ['tcp'] }));
  rows.push(["listSockets({ protocols: ['tcp'] })", list, list / dump]);
  const lean = await median(runs, () => listSockets({ protocols: ['tcp'], timers: false }));
  rows.push(['  … timers: false', lean, lean / dump]);
  // The second read (verify; native/dump_check.h): by default only tables of up to 16,384 sockets.
  const once = await median(runs, () => listSockets({ protocols: ['tcp'], verify: false }));
  rows.push(['  … verify: false (one read)', once, once / dump]);
  const twice = await median(runs, () => listSockets({ protocols: ['tcp'], verify: true }));
  rows.push(['  … verify: true (two reads)', twice, twice / dump]);
  const count = await median(runs, () => countSockets({ protocols: ['tcp'] }, { by: 'state' }));
  rows.push(["countSockets(tcp, { by: 'state' })", count, count / dump]);
  const countTwice = await median(runs, () => countSockets({ protocols: ['tcp'], verify: true }, { by: 'state' }));
  rows.push(['  … verify: true', countTwice, countTwice / dump]);
  if (port !== undefined) {
    const listen = await median(runs, () => findListeners(port));
    rows.push([`findListeners(${port})`, listen, listen / dump]);
    const noOwners = await median(runs, () => findListeners(port, { owners: false }));
    rows.push([`findListeners(${port}, { owners: false })`, noOwners, noOwners / dump]);
  }
  const sockets = (await listSockets({ protocols: ['tcp'] })).inet.length;
  console.log(`${sockets} TCP sockets; medians of ${runs} calls after a warm-up (ms, ratio to the native dump)`);
  for (const [name, ms, ratio] of rows) console.log(`${name.padEnd(44)} ${ms.toFixed(1).padStart(8)}  ${ratio.toFixed(2)}x`);
}

main().catch((err) => {
  console.error(`in-process.js: ${err.stack ?? err}`);
  process.exit(1);
});
