#!/usr/bin/env node
/**
 * Memory: the library's calls, repeated, must not grow the process. In
 * private network and PID namespaces (test/harness/isolate.js: the tables and the fd
 * walk hold only what this process makes), this process holds --sockets TCP sockets
 * (a listener and connections to it, both ends) plus a few UDP and UNIX ones, then
 * calls each of listSocketsSync, listSockets, countSocketsSync and
 * countSockets (all tables, with owners: the dump and the fd walk) --dumps
 * times in a row, after --warmup calls that let the heap, the JIT and the
 * allocator settle. Memory is sampled every --every calls after a full GC.
 *
 *   node test/reliability/memory.js [--backend netlink|procfs] [--dumps 2500]
 *        [--warmup 500] [--every 250] [--sockets 300] [--calls listSocketsSync,...]
 *        [--max-rss-growth 8] [--max-heap-growth 1] [--json]
 *
 * It re-runs itself in the namespaces, with --expose-gc and V8's young
 * generation fixed at its largest (16 MiB semi-spaces): left to grow, it
 * does so in steps of 8 to 16 MiB at some point of a run, which would look
 * like growth; with it fixed the resident set is flat within a few MiB. Prints, per
 * call, the resident set size and the JS heap after warm-up and at the end,
 * the growth in between (for the JS heap the median of the last three
 * samples less that of the first three, so one outlier sample moves nothing;
 * for the resident set the lowest of the last three less the lowest of the
 * first three, as it swings above its floor), and the open fds and
 * threads before and after (a window whose resident set grew past the bound
 * is followed by a second, judged one: a leak grows every window, a settling
 * step only one); with --json, one JSON object instead. Exits 1
 * when a call grew the resident set or the JS heap by more than the given
 * MiB, or changed the number of open fds or threads (memory.test.ts says why
 * these bounds for its 800 calls). `npm run test:memory` does 10,000 calls of
 * each after 2,000 of warm-up with a bound of 16 MiB: it catches a leak of
 * 1.9 KB a call (the floors are 9,000 calls apart); the resident set of the async /proc path still settles
 * slowly there (Node's own fs.promises.readFile of the /proc tables, alone,
 * grows it by 3 MiB over 40,000 calls, ever more slowly). Needs root
 * (unshare) and dist/ built.
 */
'use strict';
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const net = require('node:net');
const dgram = require('node:dgram');
const path = require('node:path');

const { rerunIsolated } = require('../harness/isolate');

const repo = path.resolve(__dirname, '..', '..');
const CALLS = ['listSocketsSync', 'listSockets', 'countSocketsSync', 'countSockets'];

function parseArgs(argv) {
  const o = { backend: process.env.NETSTAT_BACKEND === 'procfs' ? 'procfs' : 'netlink', dumps: 2500, warmup: 500, every: 250, sockets: 300, calls: CALLS, maxRss: 8, maxHeap: 1, json: false, inside: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--backend': o.backend = value(); break;
      case '--dumps': o.dumps = Number(value()); break;
      case '--warmup': o.warmup = Number(value()); break;
      case '--every': o.every = Number(value()); break;
      case '--sockets': o.sockets = Number(value()); break;
      case '--calls': o.calls = value().split(','); break;
      case '--max-rss-growth': o.maxRss = Number(value()); break;
      case '--max-heap-growth': o.maxHeap = Number(value()); break;
      case '--json': o.json = true; break;
      case '--inside': o.inside = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  for (const k of ['dumps', 'warmup', 'every', 'sockets']) if (!(Number.isInteger(o[k]) && o[k] > 0)) throw new Error(`--${k}: a positive whole number please`);
  if (!(o.maxRss > 0 && o.maxHeap > 0)) throw new Error('--max-rss-growth, --max-heap-growth: MiB, more than 0');
  if (o.dumps < 6 * o.every) throw new Error('--dumps: at least 6 times --every (three samples at each end)');
  if (!['netlink', 'procfs'].includes(o.backend)) throw new Error('--backend: netlink or procfs');
  const unknown = o.calls.find((c) => !CALLS.includes(c));
  if (unknown !== undefined || o.calls.length === 0) throw new Error(`--calls: some of ${CALLS.join(',')}`);
  return o;
}

const listen = (server, ...args) => new Promise((resolve, reject) => server.once('error', reject).listen(...args, resolve));

/** Listener, connections (both ends held), 4 UDP sockets and a UNIX listener with 4 connections, all in this process. */
async function holdSockets(count) {
  const held = [];
  const server = net.createServer((socket) => held.push(socket));
  await listen(server, 0, '127.0.0.1');
  const { port } = server.address();
  for (let i = 0; i < Math.floor((count - 1) / 2); i++) {
    await new Promise((resolve, reject) => held.push(net.connect(port, '127.0.0.1', resolve).once('error', reject)));
  }
  for (let i = 0; i < 4; i++) {
    const udp = dgram.createSocket('udp4');
    await new Promise((resolve) => udp.bind(0, '127.0.0.1', resolve));
    held.push(udp);
  }
  const unix = net.createServer((socket) => held.push(socket));
  await listen(unix, '\0netstat-memory-test');
  for (let i = 0; i < 4; i++) {
    await new Promise((resolve, reject) => held.push(net.connect('\0netstat-memory-test', resolve).once('error', reject)));
  }
  // Let the accepts land.
  await new Promise((resolve) => setTimeout(resolve, 100));
  return { servers: [server, unix], held };
}

const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
const MIB = 1024 * 1024;
const count = (dir) => fs.readdirSync(dir).length;

/** `o.dumps` calls of `call`, memory sampled every `o.every` after a full GC, and what they grew. */
async function measureWindow(name, call, o) {
  let seen = 0;
  const samples = [];
  const sample = () => {
    global.gc();
    const m = process.memoryUsage();
    samples.push({ rss: m.rss, heapUsed: m.heapUsed, heapTotal: m.heapTotal, external: m.external + m.arrayBuffers });
  };
  const fdsBefore = count('/proc/self/fd');
  const threadsBefore = count('/proc/self/task');
  sample();
  const started = process.hrtime.bigint();
  for (let i = 1; i <= o.dumps; i++) {
    seen = await call();
    if (i % o.every === 0) sample();
  }
  const ms = Number(process.hrtime.bigint() - started) / 1e6;
  const first = samples.slice(0, 3);
  const last = samples.slice(-3);
  const growth = (key) => median(last.map((s) => s[key])) - median(first.map((s) => s[key]));
  // The resident set can swing above its floor between samples: array buffers the collector
  // frees on its own schedule after global.gc() (until 2026-12-02 each async listing left a
  // batch-sized array per stream, and samples swung by ~25 MiB). Its growth is taken between
  // floors: a leak raises the floor, a swing above it does not.
  const floorGrowth = (key) => Math.min(...last.map((s) => s[key])) - Math.min(...first.map((s) => s[key]));
  return {
    call: name,
    dumps: o.dumps,
    socketsSeen: seen,
    msPerCall: Number((ms / o.dumps).toFixed(3)),
    rssStartMiB: Number((samples[0].rss / MIB).toFixed(1)),
    rssEndMiB: Number((samples[samples.length - 1].rss / MIB).toFixed(1)),
    rssMaxMiB: Number((Math.max(...samples.map((s) => s.rss)) / MIB).toFixed(1)),
    rssGrowthMiB: Number((floorGrowth('rss') / MIB).toFixed(2)),
    heapGrowthMiB: Number((growth('heapUsed') / MIB).toFixed(2)),
    externalGrowthMiB: Number((growth('external') / MIB).toFixed(2)),
    rssSamplesMiB: samples.map((s) => Number((s.rss / MIB).toFixed(1))),
    heapTotalSamplesMiB: samples.map((s) => Number((s.heapTotal / MIB).toFixed(1))),
    fds: { before: fdsBefore, after: count('/proc/self/fd') },
    threads: { before: threadsBefore, after: count('/proc/self/task') },
  };
}

async function inside(o) {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up: ${up.stderr}`);
  const api = require(path.join(repo, 'dist', 'index.js'));
  const sockets = await holdSockets(o.sockets);
  const query = { backend: o.backend, owners: true };
  const by = { by: ['protocol', 'state', 'pid'] };
  const calls = {
    listSocketsSync: () => api.listSocketsSync(query).inet.length,
    listSockets: async () => (await api.listSockets(query)).inet.length,
    countSocketsSync: () => api.countSocketsSync(query, by).total,
    countSockets: async () => (await api.countSockets(query, by)).total,
  };
  const results = [];
  for (const name of o.calls) {
    const call = calls[name];
    for (let i = 0; i < o.warmup; i++) await call();
    // A leak grows the process in every window of calls; a settling step (the process reaching
    // the level other runs start at, late) grows one. So a window whose resident set grew past
    // the bound is followed by a second one, which is the one judged; both are reported, and
    // the first's fds and threads count.
    const first = await measureWindow(name, call, o);
    if (first.rssGrowthMiB < o.maxRss) {
      results.push(first);
    } else {
      const second = await measureWindow(name, call, o);
      results.push({ ...second, firstWindow: { rssGrowthMiB: first.rssGrowthMiB, rssSamplesMiB: first.rssSamplesMiB, fds: first.fds, threads: first.threads } });
    }
  }
  for (const server of sockets.servers) server.close();
  for (const s of sockets.held) (s.destroy ?? s.close).call(s);
  const problems = results.flatMap((x) => [
    ...(x.rssGrowthMiB < o.maxRss ? [] : [`${x.call}: the resident set grew by ${x.rssGrowthMiB} MiB (bound: ${o.maxRss})`]),
    ...(x.heapGrowthMiB < o.maxHeap ? [] : [`${x.call}: the JS heap grew by ${x.heapGrowthMiB} MiB (bound: ${o.maxHeap})`]),
    ...[x, x.firstWindow].flatMap((w) => (w === undefined || w.fds.after === w.fds.before ? [] : [`${x.call}: open fds ${w.fds.before} -> ${w.fds.after}`])),
    ...[x, x.firstWindow].flatMap((w) => (w === undefined || w.threads.after === w.threads.before ? [] : [`${x.call}: threads ${w.threads.before} -> ${w.threads.after}`])),
  ]);
  return { backend: o.backend, sockets: o.sockets, warmup: o.warmup, every: o.every, results, problems };
}

function report(r) {
  const lines = [`memory (${r.backend}, ${r.sockets} TCP sockets and 12 others, ${r.warmup} calls of warm-up, a sample every ${r.every})`];
  for (const x of r.results) {
    lines.push(
      `  ${x.call}: ${x.dumps} calls of ${x.msPerCall} ms (${x.socketsSeen} inet sockets each); RSS ${x.rssStartMiB} -> ${x.rssEndMiB} MiB (max ${x.rssMaxMiB}), ` +
        `growth: RSS ${x.rssGrowthMiB} MiB, JS heap ${x.heapGrowthMiB} MiB, buffers ${x.externalGrowthMiB} MiB; fds ${x.fds.before} -> ${x.fds.after}, threads ${x.threads.before} -> ${x.threads.after}` +
        (x.firstWindow === undefined ? '' : ` (a second window: the first grew RSS by ${x.firstWindow.rssGrowthMiB} MiB, samples ${x.firstWindow.rssSamplesMiB.join(' ')})`),
    );
  }
  lines.push(r.problems.length === 0 ? '  flat' : `  problems:\n${r.problems.map((p) => `    ${p}`).join('\n')}`);
  return `${lines.join('\n')}\n`;
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  // Private network and PID namespaces with a /proc of their own, so the fd walk sees only this
  // script and what it starts; a TCP table of their own, so what is measured does not depend on the host.
  const isolation = { net: true, pid: true, mountProc: true, tcpHash: 16384 };
  if (!o.inside) return rerunIsolated('memory.js', __filename, [...argv, '--inside'], isolation, ['--expose-gc', '--min-semi-space-size=16', '--max-semi-space-size=16']);
  const r = await inside(o);
  process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : report(r));
  process.exitCode = r.problems.length === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`memory.js: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
