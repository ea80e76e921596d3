#!/usr/bin/env node
'use strict';
// The exporter's cost per scrape against the kernel's own dump, at 1k/10k/100k
// established loopback TCP connections (2x sockets) held by bench/loadgen, each
// size in a fresh private network namespace (TCP hash sized like the host's, as
// bench/run.js does). Per size:
//   - the kernel dump: bench/diagcount (one sock_diag TCP dump per family,
//     counting messages), whole process under bench/measure, median of --runs;
//   - a scrape: GET /metrics from a running `netstat-exporter` (dist/), wall
//     time of the request over a keep-alive connection, median of --runs after
//     a warm-up; and the exporter's own netstat_scrape_duration_seconds;
//   - the exporter's peak RSS (VmHWM) after the scrapes, and its RSS at start;
//   - a cross-check: the exposition's TCP sockets against diagcount's count;
//   - in the same namespace and the same round-robin, node_exporter with only
//     its tcpstat collector (`--collector.disable-defaults --collector.tcpstat
//     --web.disable-exporter-metrics`: TCP states and queued bytes from one
//     sock_diag dump per family, no Go runtime metrics): the same scrape wall
//     time, its node_scrape_collector_duration_seconds, its peak RSS, and its
//     TCP count against diagcount's. Left out (with a note) when it is not
//     installed (Debian: prometheus-node-exporter; --node-exporter PATH).
// Needs root, unshare, ip, make, gcc and `dist/` built (npm run build).
//
//   node bench/exporter.js [--sizes 1000,10000,100000] [--processes 50] [--runs 9] [--node-exporter PATH]
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const http = require('node:http');
const path = require('node:path');

const here = __dirname;
const repo = path.join(here, '..');
const EXPORTER = path.join(repo, 'dist/exporter/main.js');

function parseArgs(argv) {
  const options = { sizes: [1000, 10000, 100000], processes: 50, runs: 9, inside: undefined, nodeExporter: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--sizes') options.sizes = value().split(',').map(Number);
    else if (arg === '--processes') options.processes = Number(value());
    else if (arg === '--runs') options.runs = Number(value());
    else if (arg === '--inside') options.inside = Number(value());
    else if (arg === '--node-exporter') options.nodeExporter = value();
    else throw new Error(`unknown option ${arg} (see the header of bench/exporter.js)`);
  }
  const bad = (n) => !Number.isInteger(n) || n < 1;
  if (options.sizes.some((n) => !Number.isInteger(n) || n < 0) || bad(options.processes) || bad(options.runs)) {
    throw new Error('sizes, processes and runs must be positive integers');
  }
  return options;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** bench/diagcount under bench/measure: wall ms and the count it printed. */
function diagcount() {
  const r = spawnSync(path.join(here, 'measure'), [path.join(here, 'diagcount')], { stdio: ['ignore', 'pipe', 'pipe', 'pipe'] });
  if (r.error) throw r.error;
  const [wallNs, , , , status] = r.output[3].toString().trim().split(' ').map(Number);
  if (status !== 0) throw new Error(`diagcount failed: ${r.stderr}`);
  return { ms: wallNs / 1e6, count: Number(r.stdout.toString().trim()) };
}

/** The node_exporter binary: the one given, else the first on PATH (Debian's name, then upstream's), else undefined. */
function findNodeExporter(given) {
  if (given !== undefined) return given;
  for (const name of ['prometheus-node-exporter', 'node_exporter']) {
    const r = spawnSync('sh', ['-c', 'command -v "$1"', 'sh', name], { encoding: 'utf8' });
    if (r.status === 0) return r.stdout.trim();
  }
  return undefined;
}

/** `node_exporter, version 1.5.0 (…)`: the first line it prints for --version (on stdout or stderr, by version). */
function versionOf(binary) {
  const r = spawnSync(binary, ['--version'], { encoding: 'utf8' });
  return `${r.stdout}${r.stderr}`.split('\n')[0];
}

/** node_exporter's port inside the private namespace (nothing else listens there). */
const NODE_EXPORTER_PORT = 9100;

/** Start node_exporter with the tcpstat collector alone; resolves once it answers /metrics. */
async function startNodeExporter(binary) {
  const args = ['--collector.disable-defaults', '--collector.tcpstat', '--web.disable-exporter-metrics', `--web.listen-address=127.0.0.1:${NODE_EXPORTER_PORT}`, '--log.level=warn'];
  const child = spawn(binary, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let log = '';
  child.stderr.on('data', (chunk) => (log += chunk));
  const deadline = Date.now() + 20000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${binary} exited (${child.exitCode}): ${log}`);
    try {
      await scrape(undefined, NODE_EXPORTER_PORT);
      return child;
    } catch (err) {
      if (Date.now() > deadline) throw new Error(`${binary} did not answer within 20 s: ${err.message}; ${log}`);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }
}

function scrape(agent, port) {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    http
      .get({ host: '127.0.0.1', port, path: '/metrics', agent }, (res) => {
        let body = '';
        res.setEncoding('utf8');
        res.on('data', (chunk) => (body += chunk));
        res.on('end', () => {
          const ms = Number(process.hrtime.bigint() - start) / 1e6;
          if (res.statusCode !== 200) reject(new Error(`status ${res.statusCode}: ${body}`));
          else resolve({ ms, body });
        });
      })
      .on('error', reject);
  });
}

function sample(body, prefix) {
  let sum = 0;
  for (const line of body.split('\n')) if (line.startsWith(prefix)) sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  return sum;
}

function memory(pid) {
  const status = fs.readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  return { hwm: kb('VmHWM') / 1024, rss: kb('VmRSS') / 1024 };
}

// ---- inside the namespace ----

async function inside(options) {
  if (spawnSync('ip', ['link', 'set', 'lo', 'up']).status !== 0) throw new Error('ip link set lo up failed');
  const generator = spawn(path.join(here, 'loadgen'), ['-n', String(options.inside), '-k', String(options.processes), '-t', '3600'], { stdio: ['ignore', 'pipe', 'inherit'] });
  await new Promise((resolve, reject) => {
    let text = '';
    generator.stdout.on('data', (chunk) => {
      text += chunk;
      if (/^READY \d+$/m.test(text)) resolve();
    });
    generator.on('exit', (code) => reject(new Error(`loadgen exited (${code}) before READY`)));
  });
  const exporter = spawn(process.execPath, [EXPORTER, '--listen', '127.0.0.1:0'], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, NETSTAT_REQUIRE_NATIVE: '1' } });
  const port = await new Promise((resolve, reject) => {
    let text = '';
    exporter.stderr.on('data', (chunk) => {
      text += chunk;
      const m = /listening on http:\/\/[^ ]+:(\d+)\/metrics/.exec(text);
      if (m) resolve(Number(m[1]));
    });
    exporter.on('exit', (code) => reject(new Error(`exporter exited (${code}): ${text}`)));
  });
  const startRss = memory(exporter.pid).rss;
  const nodeExporter = options.nodeExporter === undefined ? undefined : await startNodeExporter(options.nodeExporter);
  const neStartRss = nodeExporter === undefined ? undefined : memory(nodeExporter.pid).rss;
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  const neAgent = new http.Agent({ keepAlive: true, maxSockets: 1 });
  try {
    const dumps = [];
    const scrapes = [];
    const collections = [];
    const neScrapes = [];
    const neCollections = [];
    let body = (await scrape(agent, port)).body; // warm-up
    let neBody = nodeExporter === undefined ? '' : (await scrape(neAgent, NODE_EXPORTER_PORT)).body;
    // Round-robin, so all see the same machine.
    for (let i = 0; i < options.runs; i++) {
      dumps.push(diagcount());
      const s = await scrape(agent, port);
      scrapes.push(s.ms);
      collections.push(sample(s.body, 'netstat_scrape_duration_seconds') * 1000);
      body = s.body;
      if (nodeExporter !== undefined) {
        const n = await scrape(neAgent, NODE_EXPORTER_PORT);
        neScrapes.push(n.ms);
        neCollections.push(sample(n.body, 'node_scrape_collector_duration_seconds{collector="tcpstat"}') * 1000);
        neBody = n.body;
      }
    }
    const mem = memory(exporter.pid);
    const tcp = sample(body, 'netstat_sockets{protocol="tcp"');
    const dumpCount = dumps[dumps.length - 1].count;
    const warnings = [];
    // The exporter's own listener and the scrape connections are TCP sockets diagcount may or may not see.
    if (Math.abs(tcp - dumpCount) > 6) warnings.push(`the exposition counts ${tcp} TCP sockets, diagcount ${dumpCount}`);
    let ne;
    if (nodeExporter !== undefined) {
      // Its states, less the two queue sums it exports under the same metric.
      const neTcp = sample(neBody, 'node_tcp_connection_states{') - sample(neBody, 'node_tcp_connection_states{state="rx_queued_bytes"}') - sample(neBody, 'node_tcp_connection_states{state="tx_queued_bytes"}');
      if (Math.abs(neTcp - dumpCount) > 6) warnings.push(`node_exporter counts ${neTcp} TCP sockets, diagcount ${dumpCount}`);
      if (sample(neBody, 'node_scrape_collector_success{collector="tcpstat"}') !== 1) warnings.push('node_exporter\'s tcpstat collector failed');
      const neMem = memory(nodeExporter.pid);
      ne = { scrapeMs: median(neScrapes), collectMs: median(neCollections), startRssMb: neStartRss, peakRssMb: neMem.hwm, sockets: neTcp };
    }
    const result = {
      size: options.inside,
      sockets: dumpCount,
      dumpMs: median(dumps.map((d) => d.ms)),
      scrapeMs: median(scrapes),
      collectMs: median(collections),
      startRssMb: startRss,
      peakRssMb: mem.hwm,
      runs: options.runs,
      nodeExporter: ne,
      warnings,
    };
    process.stdout.write(`${JSON.stringify(result)}\n`);
  } finally {
    agent.destroy();
    neAgent.destroy();
    nodeExporter?.kill('SIGTERM');
    exporter.kill('SIGTERM');
    generator.kill('SIGTERM');
  }
}

// ---- on the host ----

function hostEhash() {
  try {
    return Math.abs(Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim())) || 0;
  } catch {
    return 0;
  }
}

function runSize(size, options) {
  const ehash = hostEhash();
  const script = [
    `[ ${ehash} -gt 0 ] && { sysctl -q -w net.ipv4.tcp_child_ehash_entries=${ehash} || echo "bench: no private TCP hash (kernel < 6.1?)" >&2; }`,
    'exec unshare --net "$@"',
  ].join('\n');
  const forward = ['--inside', String(size), '--processes', String(options.processes), '--runs', String(options.runs)];
  if (options.nodeExporter !== undefined) forward.push('--node-exporter', options.nodeExporter);
  const r = spawnSync('unshare', ['--net', 'sh', '-c', script, 'sh', process.execPath, __filename, ...forward], { stdio: ['ignore', 'pipe', 'inherit'], maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`size ${size}: the namespace run failed (status ${r.status})`);
  return JSON.parse(r.stdout.toString().trim().split('\n').pop());
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.inside !== undefined) return inside(options);
  if (process.getuid?.() !== 0) throw new Error('needs root (unshare)');
  if (!fs.existsSync(EXPORTER)) throw new Error('dist/exporter/main.js not built (npm run build)');
  const make = spawnSync('make', ['-s', '-C', here], { stdio: 'inherit' });
  if (make.status !== 0) throw new Error('building bench/loadgen, bench/diagcount and bench/measure failed');
  options.nodeExporter = findNodeExporter(options.nodeExporter);
  const os = require('node:os');
  console.log(`bench/exporter: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.versions.node}, ${new Date().toISOString()}, load average ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
  if (options.nodeExporter === undefined) console.log('node_exporter not found (prometheus-node-exporter / node_exporter, or --node-exporter PATH): its rows are left out');
  else console.log(`node_exporter: ${versionOf(options.nodeExporter)} (${options.nodeExporter}), tcpstat collector only`);
  console.log(`medians of ${options.runs} runs, round-robin; scrape = GET /metrics wall time (keep-alive); collection = netstat_scrape_duration_seconds`);
  const header = `${'connections'.padStart(11)} ${'TCP sockets'.padStart(11)} ${'dump ms'.padStart(8)} ${'scrape ms'.padStart(9)} ${'x dump'.padStart(7)} ${'collect ms'.padStart(10)} ${'x dump'.padStart(7)} ${'RSS MB start'.padStart(12)} ${'peak MB'.padStart(8)}`;
  console.log(header);
  for (const size of options.sizes) {
    const r = runSize(size, options);
    console.log(
      `${String(r.size).padStart(11)} ${String(r.sockets).padStart(11)} ${r.dumpMs.toFixed(1).padStart(8)} ${r.scrapeMs.toFixed(1).padStart(9)} ${`${(r.scrapeMs / r.dumpMs).toFixed(2)}x`.padStart(7)} ${r.collectMs.toFixed(1).padStart(10)} ${`${(r.collectMs / r.dumpMs).toFixed(2)}x`.padStart(7)} ${r.startRssMb.toFixed(1).padStart(12)} ${r.peakRssMb.toFixed(1).padStart(8)}`,
    );
    if (r.nodeExporter !== undefined) {
      const n = r.nodeExporter;
      console.log(
        `${'node_exporter tcpstat:'.padStart(23)} ${n.scrapeMs.toFixed(1).padStart(18)} ${`${(n.scrapeMs / r.dumpMs).toFixed(2)}x`.padStart(7)} ${n.collectMs.toFixed(1).padStart(10)} ${`${(n.collectMs / r.dumpMs).toFixed(2)}x`.padStart(7)} ${n.startRssMb.toFixed(1).padStart(12)} ${n.peakRssMb.toFixed(1).padStart(8)}` +
          `   ours/node_exporter: scrape ${(r.scrapeMs / n.scrapeMs).toFixed(2)}x, peak RSS ${(r.peakRssMb / n.peakRssMb).toFixed(2)}x`,
      );
    }
    for (const w of r.warnings) console.log(`warning: ${w}`);
  }
  console.log(`load average at the end ${os.loadavg().map((l) => l.toFixed(1)).join(' ')}`);
}

main().catch((err) => {
  console.error(`bench/exporter: ${err.message}`);
  process.exit(1);
});
