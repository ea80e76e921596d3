'use strict';
// The Internet listing's per-row cost, without the kernel: mapping + formatting
// + writing of a synthetic packed TCP dump, the old way (inetRows() records,
// InetRowFormatter.row() strings, the CLI's Output) against the packed writer
// (src/print/packed-inet.ts: bytes straight from the Uint32Array into one
// reused buffer). Needs `npm run build`; no root, no addon.
//
//   node bench/packed-format.js [--rows 200000] [--runs 7] [--addresses 300] [--columns tan|taneop|tanW]
//
// Each run is a fresh child process (`--child VARIANT`), the variants
// interleaved, so neither inherits the other's heap or JIT state; output goes
// to /dev/null. Per variant: median CPU ms (user + sys of the child, from
// process.cpuUsage around the work, which does not count the building of the
// table), median wall ms of the same span, and the largest peak RSS and heap
// in use after the work (before any GC could run: what the rows held). The
// `table` variant only builds the table: its RSS is the floor of the others.
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const dist = path.join(__dirname, '..', 'dist');

function option(name, fallback) {
  const at = process.argv.indexOf(name);
  return at >= 0 ? process.argv[at + 1] : fallback;
}

/**
 * A dump like bench/loadgen's: K listeners on 127.0.0.1, and established
 * pairs between 127.0.0.1:port and 127.0.W.x:ephemeral, both ends listed;
 * `addresses` distinct client addresses. Every tenth socket has a pending
 * retransmission timer, every hundredth a queue.
 */
function syntheticTable(rows, addresses) {
  const { INET_STRIDE, InetField } = require(path.join(dist, 'native.js'));
  const names = ['0.0.0.0', '127.0.0.1'];
  for (let i = 0; i < addresses; i++) names.push(`127.0.${1 + (i >> 8)}.${i & 255}`);
  const fields = new Uint32Array(rows * INET_STRIDE);
  let seed = 12345;
  const random = (n) => {
    seed = (seed * 1103515245 + 12345) >>> 0;
    return seed % n;
  };
  for (let i = 0; i < rows; i++) {
    const o = i * INET_STRIDE;
    const listener = i < 50;
    const server = 20000 + random(50);
    const client = 32768 + random(28000);
    const peer = 2 + random(addresses);
    const serverSide = (i & 1) === 0;
    fields[o + InetField.State] = listener ? 10 : 1;
    fields[o + InetField.RecvQueue] = i % 100 === 0 ? random(100000) : 0;
    fields[o + InetField.SendQueue] = listener ? 4096 : i % 100 === 1 ? random(2000000) : 0;
    fields[o + InetField.Uid] = 1000;
    fields[o + InetField.Inode] = 100000 + i;
    fields[o + InetField.Timer] = i % 10 === 0 ? 1 : 0;
    fields[o + InetField.ExpiresMs] = i % 10 === 0 ? random(1000) : 0;
    fields[o + InetField.HasInfo] = 1;
    fields[o + InetField.LocalAddress] = listener || serverSide ? 1 : peer;
    fields[o + InetField.RemoteAddress] = listener ? 0 : serverSide ? peer : 1;
    fields[o + InetField.Ports] = listener ? (server << 16) >>> 0 : serverSide ? ((server << 16) | client) >>> 0 : ((client << 16) | server) >>> 0;
    fields[o + InetField.CookieLow] = i;
  }
  return { fields, addresses: names };
}

function columnsOf(spec) {
  return {
    extended: spec.includes('e'),
    programs: spec.includes('p'),
    timers: spec.includes('o'),
    wide: spec.includes('W'),
    numericHosts: true,
    numericPorts: true,
    numericUsers: true,
  };
}

function child(variant) {
  const rows = Number(option('--rows', '200000'));
  const packed = syntheticTable(rows, Number(option('--addresses', '300')));
  const columns = columnsOf(option('--columns', 'tan'));
  const { createResolvers } = require(path.join(dist, 'resolve/index.js'));
  const resolvers = createResolvers();
  const ownerLabel = (inode) => `${inode >> 4}/loadgen`;
  const fd = fs.openSync('/dev/null', 'w');
  const filter = { selection: 'all' };
  // Load the modules before the clock starts.
  const { inetRows } = require(path.join(dist, 'backends/netlink.js'));
  const { InetRowFormatter } = require(path.join(dist, 'print/sockets.js'));
  const { Output } = require(path.join(dist, 'cli/output.js'));
  const { PackedInetWriter } = require(path.join(dist, 'print/packed-inet.js'));
  let written = 0;
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  if (variant === 'old') {
    const out = new Output(fd, 2);
    const formatter = new InetRowFormatter(columns, null, resolvers);
    for (const socket of inetRows(packed, 'tcp', 'inet', filter)) {
      if (columns.programs) socket.owners = [{ pid: socket.inode >> 4, program: 'loadgen' }];
      const row = formatter.row(socket);
      written += row.length;
      out.out(row);
    }
    out.flush();
  } else if (variant === 'packed') {
    const writer = new PackedInetWriter({ columns, hostNames: null, resolvers, ownerLabel }, (chunk) => {
      written += chunk.length;
      fs.writeSync(fd, chunk);
    });
    writer.table(packed, 'tcp', 'inet', filter);
    writer.flush();
  }
  const wallMs = Number(process.hrtime.bigint() - start) / 1e6;
  const used = process.cpuUsage(cpu);
  const heapMB = process.memoryUsage().heapUsed / 2 ** 20;
  const result = {
    cpuMs: (used.user + used.system) / 1000,
    wallMs,
    heapMB,
    rssMB: process.resourceUsage().maxRSS / 1024,
    bytes: written,
  };
  process.stdout.write(JSON.stringify(result) + '\n');
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

function main() {
  const runs = Number(option('--runs', '7'));
  const variants = ['table', 'old', 'packed'];
  const passThrough = ['--rows', '--addresses', '--columns'].flatMap((name) => (option(name) === undefined ? [] : [name, option(name)]));
  const results = Object.fromEntries(variants.map((v) => [v, []]));
  for (let run = 0; run < runs; run++) {
    for (const variant of variants) {
      const done = spawnSync(process.execPath, [__filename, '--child', variant, ...passThrough], { encoding: 'utf8' });
      if (done.status !== 0) throw new Error(`${variant}: ${done.stderr}`);
      results[variant].push(JSON.parse(done.stdout));
    }
  }
  const load = fs.readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
  const rows = Number(option('--rows', '200000'));
  console.log(`${rows} rows, -${option('--columns', 'tan')}, ${runs} runs per variant, load ${load}`);
  console.log('variant   CPU ms  wall ms  ns/row(CPU)  heap MB  peak RSS MB  bytes');
  for (const variant of variants) {
    const r = results[variant];
    const cpu = median(r.map((x) => x.cpuMs));
    const wall = median(r.map((x) => x.wallMs));
    const heap = Math.max(...r.map((x) => x.heapMB));
    const rss = Math.max(...r.map((x) => x.rssMB));
    const bytes = r[0].bytes;
    console.log(
      `${variant.padEnd(8)} ${cpu.toFixed(1).padStart(7)} ${wall.toFixed(1).padStart(8)} ${((cpu * 1e6) / rows).toFixed(0).padStart(12)} ${heap.toFixed(1).padStart(8)} ${rss.toFixed(1).padStart(12)}  ${bytes}`,
    );
  }
  if (results.old[0].bytes !== results.packed[0].bytes) console.log('warning: the two paths wrote different byte counts');
}

if (process.argv[2] === '--child') child(process.argv[3]);
else main();
