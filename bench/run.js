#!/usr/bin/env node
'use strict';
// `npm run bench`: how fast is `netstat -tan[p]` here, against ss, net-tools
// and the kernel's own dump cost, at 1k/10k/100k loopback TCP connections
// (2x sockets) held by ~50 processes. Figures are medians of whole-process
// wall times (output to a pipe), measured in the same run, so ratios hold
// even when the machine's speed drifts.
//
// Every size runs in fresh private namespaces (never touching the host's
// sockets): a network namespace whose TCP hash table is sized like the
// host's (set from a throw-away parent namespace with
// net.ipv4.tcp_child_ehash_entries, so a dump walks as many buckets as on
// the host), and a PID namespace with its own /proc, so `-p` walks see only
// the generator's processes. Needs root, unshare, ip, make, gcc; `dist/`
// built (npm run build) for our rows.
//
//   node bench/run.js [--sizes 1000,10000,100000] [--processes 50] [--runs 5]
//                     [--skip-slow] [--slow-runs 1]
// --skip-slow leaves out ss -tanp and net-tools -tanp (8-26 s each at 100k).
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const here = __dirname;
const repo = path.join(here, '..');

function parseArgs(argv) {
  const options = { sizes: [1000, 10000, 100000], processes: 50, runs: 5, slowRuns: 1, skipSlow: false, inside: undefined };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--sizes') options.sizes = value().split(',').map(Number);
    else if (arg === '--processes') options.processes = Number(value());
    else if (arg === '--runs') options.runs = Number(value());
    else if (arg === '--slow-runs') options.slowRuns = Number(value());
    else if (arg === '--skip-slow') options.skipSlow = true;
    else if (arg === '--inside') options.inside = Number(value());
    else throw new Error(`unknown option ${arg} (see the header of bench/run.js)`);
  }
  const bad = (n) => !Number.isInteger(n) || n < 0;
  if (options.sizes.some(bad) || bad(options.processes) || options.processes < 1 || options.runs < 1 || options.slowRuns < 1) {
    throw new Error('sizes, processes and runs must be positive integers');
  }
  return options;
}

/** The commands measured, in table order. `slow` ones are left out by --skip-slow. */
function commands(ours) {
  const list = [
    { name: 'kernel dump (bench/diagcount)', argv: [path.join(here, 'diagcount')], kernel: true },
    { name: 'ss -tan', argv: ['ss', '-tan'] },
    { name: 'net-tools netstat -tan', argv: ['/usr/bin/netstat', '-tan'] },
  ];
  if (ours.cli) list.push({ name: 'ours: netstat -tan', argv: [process.execPath, path.join(repo, 'dist/cli.js'), '-tan'], ours: true });
  if (ours.library) list.push({ name: 'ours: library tcp tables', argv: [process.execPath, path.join(here, 'library.js')], ours: true });
  list.push({ name: 'ss -tanp', argv: ['ss', '-tanp'], slow: true });
  list.push({ name: 'net-tools netstat -tanp', argv: ['/usr/bin/netstat', '-tanp'], slow: true });
  if (ours.cli) list.push({ name: 'ours: netstat -tanp', argv: [process.execPath, path.join(repo, 'dist/cli.js'), '-tanp'], ours: true });
  if (ours.library) list.push({ name: 'ours: library tcp tables + owners', argv: [process.execPath, path.join(here, 'library.js'), 'p'], ours: true });
  list.push({ name: 'node -e 0 (startup)', argv: [process.execPath, '-e', '0'] });
  return list;
}

function which(ours) {
  // Our rows need dist/; the CLI row only if it runs at all.
  const cli = fs.existsSync(path.join(repo, 'dist/cli.js')) && spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), '-tan'], { stdio: 'ignore' }).status === 0;
  const library = fs.existsSync(path.join(repo, 'dist/backends/choose.js'));
  return { cli: ours?.cli ?? cli, library: ours?.library ?? library };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/** One timed run: wall milliseconds and output lines (the output goes through a pipe). */
function timeOnce(argv) {
  const start = process.hrtime.bigint();
  const result = spawnSync(argv[0], argv.slice(1), { stdio: ['ignore', 'pipe', 'pipe'], maxBuffer: 1 << 30, env: { ...process.env, NETSTAT_REQUIRE_NATIVE: '1' } });
  const ms = Number(process.hrtime.bigint() - start) / 1e6;
  if (result.error) throw result.error;
  let lines = 0;
  for (const byte of result.stdout) if (byte === 10) lines++;
  return { ms, lines, status: result.status, stderr: result.stderr.toString().slice(0, 300) };
}

// ---- inside the namespaces: start the generator, measure, print JSON ----

async function inside(options) {
  const size = options.inside;
  if (spawnSync('ip', ['link', 'set', 'lo', 'up']).status !== 0) throw new Error('ip link set lo up failed');
  const generator = spawn(path.join(here, 'loadgen'), ['-n', String(size), '-k', String(options.processes), '-t', '3600'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const ready = await new Promise((resolve, reject) => {
    let text = '';
    generator.stdout.on('data', (chunk) => {
      text += chunk;
      if (text.includes('\n')) resolve(text.trim());
    });
    generator.on('exit', (code) => reject(new Error(`loadgen exited (${code}) before READY`)));
  });
  const sockets = Number(ready.split(' ')[1]);
  const list = commands(which({ cli: options.cli, library: options.library })).filter((c) => !(c.slow && options.skipSlow));
  const samples = new Map(list.map((c) => [c.name, []]));
  const outputs = new Map();
  const rounds = Math.max(options.runs, options.slowRuns);
  for (let round = 0; round < rounds; round++) {
    for (const command of list) {
      if (round >= (command.slow ? options.slowRuns : options.runs)) continue;
      const run = timeOnce(command.argv);
      if (run.status !== 0) throw new Error(`${command.name} failed (${run.status}): ${run.stderr}`);
      samples.get(command.name).push(run.ms);
      outputs.set(command.name, run.lines);
    }
  }
  generator.kill('SIGTERM');
  const results = list.map((c) => ({ name: c.name, ms: median(samples.get(c.name)), runs: samples.get(c.name).length, lines: outputs.get(c.name), ours: !!c.ours, kernel: !!c.kernel }));
  process.stdout.write(`${JSON.stringify({ size, sockets, results })}\n`);
}

// ---- on the host: build, run each size in fresh namespaces, print tables ----

function hostEhash() {
  try {
    return Math.abs(Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim())) || 0;
  } catch {
    return 0;
  }
}

function runSize(size, options, ours) {
  const ehash = hostEhash();
  const forward = ['--inside', String(size), '--processes', String(options.processes), '--runs', String(options.runs), '--slow-runs', String(options.slowRuns)];
  if (options.skipSlow) forward.push('--skip-slow');
  // Stage 1 (throw-away netns): size the child's TCP hash. Stage 2: the measured namespaces.
  const script = [
    `[ ${ehash} -gt 0 ] && { sysctl -q -w net.ipv4.tcp_child_ehash_entries=${ehash} || echo "bench: no private TCP hash (kernel < 6.1?)" >&2; }`,
    'exec unshare --net --pid --fork --kill-child --mount-proc "$@"',
  ].join('\n');
  const env = { ...process.env, BENCH_OURS: JSON.stringify(ours) };
  const result = spawnSync('unshare', ['--net', 'sh', '-c', script, 'sh', process.execPath, __filename, ...forward], {
    stdio: ['ignore', 'pipe', 'inherit'],
    env,
    maxBuffer: 1 << 24,
  });
  if (result.status !== 0) throw new Error(`size ${size}: the namespace run failed (status ${result.status})`);
  return JSON.parse(result.stdout.toString().trim().split('\n').pop());
}

function printTable(report) {
  const ss = report.results.find((r) => r.name === 'ss -tan');
  const kernel = report.results.find((r) => r.kernel);
  console.log(`\n${report.size} connections (${report.sockets} TCP sockets + listeners), medians:`);
  console.log(`${'command'.padEnd(38)} ${'wall ms'.padStart(9)} ${'runs'.padStart(4)} ${'lines'.padStart(7)} ${'vs ss -tan'.padStart(10)} ${'vs kernel'.padStart(9)}`);
  for (const r of report.results) {
    const ratio = (base) => (base ? `${(r.ms / base.ms).toFixed(2)}x` : '-');
    console.log(`${r.name.padEnd(38)} ${r.ms.toFixed(1).padStart(9)} ${String(r.runs).padStart(4)} ${String(r.lines).padStart(7)} ${ratio(ss).padStart(10)} ${ratio(kernel).padStart(9)}`);
  }
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.inside !== undefined) {
    const ours = process.env.BENCH_OURS ? JSON.parse(process.env.BENCH_OURS) : {};
    return inside({ ...options, ...ours });
  }
  if (process.getuid?.() !== 0) throw new Error('needs root (unshare)');
  const make = spawnSync('make', ['-s', '-C', here], { stdio: 'inherit' });
  if (make.status !== 0) throw new Error('building bench/loadgen and bench/diagcount failed');
  const ours = which();
  if (!ours.cli) console.error('bench: dist/cli.js does not run (npm run build?); measuring the library rows only');
  if (!ours.library) console.error('bench: dist/ missing (npm run build): only the reference tools are measured');
  for (const size of options.sizes) printTable(runSize(size, options, ours));
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
