'use strict';
// The library path of a `netstat -tan[p]` without the CLI around it: read the
// TCP tables (IPv4 and IPv6) through chooseSources(), optionally join owners,
// and write one line per socket. Used by bench/run.js next to the CLI, to
// tell the engine's cost from the printer's. Needs `dist/` (npm run build).
//   node bench/library.js [p]
const { chooseSources } = require('../dist/backends/choose');

const withOwners = process.argv[2] === 'p';
const sources = chooseSources();
const rows = [];
for (const family of ['inet', 'inet6']) {
  const table = sources.inet('tcp', family).inet({ protocol: 'tcp', family, selection: 'all', timers: false });
  for (const row of table.rows) rows.push(row);
}
let owners;
if (withOwners) {
  const wanted = new Set();
  for (const row of rows) if (row.inode !== 0) wanted.add(row.inode);
  owners = sources.owners.scan({ wanted }).owners;
}
const lines = [];
for (const row of rows) {
  let line = `tcp ${row.recvQueue} ${row.sendQueue} ${row.localAddress}:${row.localPort} ${row.remoteAddress}:${row.remotePort} ${row.state}`;
  if (owners !== undefined) {
    const holder = owners.get(row.inode)?.[0];
    line += holder === undefined ? ' -' : ` ${holder.pid}/${holder.program}`;
  }
  lines.push(line);
}
process.stdout.write(`${lines.join('\n')}\n`);
const choices = sources.choices();
if (choices.some((choice) => choice.backend !== 'netlink')) {
  process.stderr.write(`library.js: not all on netlink: ${JSON.stringify(choices)}\n`);
}
