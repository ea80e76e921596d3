'use strict';
// The library's public API (`dist/index.js`, what `require('netstat-native')`
// gives) in one whole Node process, for bench/run.js: how much of a listing's
// cost is the engine's and how much the CLI's, and what the library's other
// questions cost. Every mode prints little unless it is asked to write lines.
// Needs `dist/` (npm run build).
//
//   node bench/library.js rows        listSockets({ protocols: ['tcp'] }); prints the row count
//   node bench/library.js rows-lean   the same with timers: false (netlink skips tcp_info)
//   node bench/library.js lines       listSockets({ protocols: ['tcp'] }); one line per socket
//   node bench/library.js p           the same with owners: true; one line per socket with pid/program
//   node bench/library.js count       countSockets({ protocols: ['tcp'] }, { by: 'state' }); one line per state
//   node bench/library.js listen N    findListeners(N) (owners by default); one line per listener
//   node bench/library.js listen-bare N   findListeners(N, { owners: false })
//
// Exits 3 (after its output) if a table or the owner walk did not come from
// the native engine: the benchmark's rows are about the netlink backend.
const { countSockets, findListeners, listSockets } = require('../dist/index.js');

function line(s, owners) {
  let text = `tcp ${s.recvQueue} ${s.sendQueue} ${s.localAddress}:${s.localPort} ${s.remoteAddress}:${s.remotePort} ${s.stateName}`;
  if (owners) text += s.pid == null ? ' -' : ` ${s.pid}/${s.program}`;
  return text;
}

/** Backend choices other than the native engine (`netlink` tables, `native` owner walk). */
function notNative(sources) {
  return sources.filter((c) => c.backend !== 'netlink' && c.backend !== 'native');
}

async function main() {
  const [mode = 'rows', arg] = process.argv.slice(2);
  let sources;
  if (mode === 'rows' || mode === 'rows-lean') {
    const list = await listSockets({ protocols: ['tcp'], ...(mode === 'rows-lean' ? { timers: false } : {}) });
    sources = list.sources;
    process.stdout.write(`${list.inet.length}\n`);
  } else if (mode === 'lines' || mode === 'p') {
    const owners = mode === 'p';
    const list = await listSockets({ protocols: ['tcp'], owners });
    sources = list.sources;
    const lines = new Array(list.inet.length);
    for (let i = 0; i < lines.length; i++) lines[i] = line(list.inet[i], owners);
    process.stdout.write(`${lines.join('\n')}\n`);
  } else if (mode === 'count') {
    const counts = await countSockets({ protocols: ['tcp'] }, { by: 'state' });
    sources = counts.sources;
    process.stdout.write(`total ${counts.total}\n`);
    for (const g of counts.groups) process.stdout.write(`${g.state} ${g.count}\n`);
  } else if (mode === 'listen' || mode === 'listen-bare') {
    const port = Number(arg);
    if (!Number.isInteger(port)) throw new Error(`${mode} needs a port`);
    const found = await findListeners(port, mode === 'listen-bare' ? { owners: false } : {});
    // findListeners gives records only; a record's own backend is not in it, so trust the env (run.js sets
    // NETSTAT_REQUIRE_NATIVE=1, which makes a missing engine an error rather than a /proc fallback).
    sources = [];
    for (const s of found) process.stdout.write(`${line(s, mode === 'listen')}\n`);
  } else {
    throw new Error(`unknown mode ${mode} (rows, rows-lean, lines, p, count, listen N, listen-bare N)`);
  }
  const other = notNative(sources);
  if (other.length > 0) {
    process.stderr.write(`library.js: not all on the native engine: ${JSON.stringify(other)}\n`);
    process.exitCode = 3;
  }
}

main().catch((err) => {
  process.stderr.write(`library.js: ${err.stack ?? err}\n`);
  process.exit(1);
});
