#!/usr/bin/env node
'use strict';
// `npm run bench`: how fast is `netstat -tan[p]` here, against ss, net-tools
// and the kernel's own dump cost, at 1k/10k/100k loopback TCP connections
// (2x sockets) held by ~50 processes — and, in the same run, the library's
// public API (listSockets, countSockets, findListeners; bench/library.js),
// "who listens on port N" against ss, and the CLI's --json/--ndjson output.
// Figures are medians of whole-process wall times (output to a pipe),
// measured round-robin in the same run, so ratios hold even when the
// machine's speed drifts; next to them CPU time (user + sys) and peak RSS
// (ru_maxrss), all taken by bench/measure (fork, exec, wait4).
//
// Every size runs in fresh private namespaces (never touching the host's
// sockets): a network namespace whose TCP hash table is sized like the
// host's (set from a throw-away parent namespace with
// net.ipv4.tcp_child_ehash_entries, so a dump walks as many buckets as on
// the host), and a PID namespace with its own /proc, so `-p` walks see only
// the generator's processes. Needs root, unshare, ip, make, gcc; `dist/`
// built (npm run build) and the native engine loading for our rows (they
// run with NETSTAT_REQUIRE_NATIVE=1: netlink or an error, never /proc).
//
//   node bench/run.js [--sizes 1000,10000,100000] [--processes 50] [--runs 5]
//                     [--skip-slow] [--slow-runs 1]
// --skip-slow leaves out ss -tanp, net-tools -tanp (8-30 s each at 100k) and
// ss -tlnp 'sport = :N' (ss reads every process's fds before filtering).
// --realtime runs the measuring side (the generator, every command and the
// reader of their output) under `chrt -f 50` (SCHED_FIFO): on a machine busy
// with other work, each command still gets the cores as on a quiet one
// (the kernel keeps 5% for ordinary tasks: sched_rt_runtime_us).
//   node bench/run.js [--sizes …] [--realtime]
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const crypto = require('node:crypto');
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
    else if (arg === '--realtime') options.realtime = true;
    else if (arg === '--inside') options.inside = Number(value());
    else throw new Error(`unknown option ${arg} (see the header of bench/run.js)`);
  }
  const bad = (n) => !Number.isInteger(n) || n < 0;
  if (options.sizes.some(bad) || bad(options.processes) || options.processes < 1 || options.runs < 1 || options.slowRuns < 1) {
    throw new Error('sizes, processes and runs must be positive integers');
  }
  return options;
}

/**
 * The commands measured, in table order, each with the reference its ratio
 * is taken against (`ref`, a command name). `slow` ones are left out by
 * --skip-slow and run --slow-runs times. `port` and `firstPort` are
 * listening ports of the generator (the "who listens on N" rows): the
 * listeners of its last and of its first worker in /proc order.
 */
/** The environment of the rows that force the /proc fd walk (the way owners were read before the BPF iterator). */
const PROC_WALK = { NETSTAT_OWNER_WALK: 'proc' };

function commands(ours, port, firstPort) {
  const node = process.execPath;
  const cli = path.join(repo, 'dist/cli.js');
  const lib = path.join(here, 'library.js');
  const DUMP = 'kernel dump (bench/diagcount)';
  const SS = 'ss -tan';
  const OURS = 'ours: netstat -tan';
  const SSP = `ss -tlnp 'sport = :${port}'`;
  const list = [
    { group: 'listing', name: DUMP, argv: [path.join(here, 'diagcount')], ref: SS, kernel: true },
    { group: 'listing', name: SS, argv: ['ss', '-tan'], ref: SS },
    { group: 'listing', name: 'net-tools netstat -tan', argv: ['/usr/bin/netstat', '-tan'], ref: SS },
  ];
  if (ours.cli) {
    list.push({ group: 'listing', name: OURS, argv: [node, cli, '-tan'], ref: SS, ours: true });
    list.push({ group: 'listing', name: 'ours: netstat -tan --json', argv: [node, cli, '-tan', '--json'], ref: OURS, ours: true });
    list.push({ group: 'listing', name: 'ours: netstat -tan --ndjson', argv: [node, cli, '-tan', '--ndjson'], ref: OURS, ours: true });
  }
  list.push({ group: 'listing', name: 'ss -tanp', argv: ['ss', '-tanp'], ref: SS, slow: true });
  list.push({ group: 'listing', name: 'net-tools netstat -tanp', argv: ['/usr/bin/netstat', '-tanp'], ref: SS, slow: true });
  if (ours.cli) list.push({ group: 'listing', name: 'ours: netstat -tanp', argv: [node, cli, '-tanp'], ref: SS, ours: true });
  // The same with the fd walk through /proc (readlink per fd) instead of the BPF iterator.
  if (ours.cli) list.push({ group: 'listing', name: 'ours: netstat -tanp, /proc walk', argv: [node, cli, '-tanp'], env: PROC_WALK, ref: SS, ours: true });
  // Every socket family (-an: UNIX too) against ss's, and the statistics against net-tools' own.
  list.push({ group: 'listing', name: 'ss -an', argv: ['ss', '-an'], ref: 'ss -an' });
  list.push({ group: 'listing', name: 'net-tools netstat -an', argv: ['/usr/bin/netstat', '-an'], ref: 'ss -an' });
  if (ours.cli) list.push({ group: 'listing', name: 'ours: netstat -an', argv: [node, cli, '-an'], ref: 'ss -an', ours: true });
  list.push({ group: 'listing', name: 'net-tools netstat -s', argv: ['/usr/bin/netstat', '-s'], ref: 'net-tools netstat -s' });
  if (ours.cli) list.push({ group: 'listing', name: 'ours: netstat -s', argv: [node, cli, '-s'], ref: 'net-tools netstat -s', ours: true });

  // The library's default listing asks tcp_info (its timer columns): the kernel's cost of that same request.
  const DUMP_INFO = 'kernel dump with tcp_info (diagcount --info)';
  list.push({ group: 'library', name: DUMP_INFO, argv: [path.join(here, 'diagcount'), '--info'], ref: DUMP, kernel: true });
  list.push({ group: 'library', name: 'node -e 0 (startup)', argv: [node, '-e', '0'], ref: DUMP });
  if (ours.library) {
    list.push({ group: 'library', name: 'lib: listSockets tcp (count rows)', argv: [node, lib, 'rows'], ref: DUMP_INFO, ours: true, check: 'rows' });
    list.push({ group: 'library', name: 'lib: listSockets tcp, timers:false', argv: [node, lib, 'rows-lean'], ref: DUMP, ours: true, check: 'rows' });
    list.push({ group: 'library', name: 'lib: listSockets tcp, line/socket', argv: [node, lib, 'lines'], ref: DUMP_INFO, ours: true });
    list.push({ group: 'library', name: 'lib: listSockets tcp+owners, line/socket', argv: [node, lib, 'p'], ref: DUMP, ours: true });
    list.push({ group: 'library', name: 'lib: listSockets tcp+owners, line/socket, /proc walk', argv: [node, lib, 'p'], env: PROC_WALK, ref: DUMP, ours: true });
    list.push({ group: 'library', name: 'lib: countSockets tcp by state', argv: [node, lib, 'count'], ref: DUMP, ours: true, check: 'count' });
  }

  if (port !== undefined) {
    list.push({ group: 'listeners', name: `ss -tln 'sport = :${port}'`, argv: ['ss', '-tln', `sport = :${port}`], ref: SSP, check: 'listen-ss' });
    list.push({ group: 'listeners', name: SSP, argv: ['ss', '-tlnp', `sport = :${port}`], ref: SSP, slow: true, check: 'listen-ssp' });
    if (ours.library) {
      list.push({ group: 'listeners', name: `lib: findListeners(${port}) (owner last)`, argv: [node, lib, 'listen', String(port)], ref: SSP, ours: true, check: 'listen' });
      list.push({ group: 'listeners', name: `lib: findListeners(${port}) (owner last), /proc walk`, argv: [node, lib, 'listen', String(port)], env: PROC_WALK, ref: SSP, ours: true, check: 'listen' });
      list.push({ group: 'listeners', name: `lib: findListeners(${firstPort}) (owner first)`, argv: [node, lib, 'listen', String(firstPort)], ref: SSP, ours: true, check: 'listen-first' });
      list.push({ group: 'listeners', name: `lib: findListeners(${port}, owners:false)`, argv: [node, lib, 'listen-bare', String(port)], ref: SSP, ours: true, check: 'listen-bare' });
    }
  }
  return list;
}

function which(ours) {
  // Our rows need dist/ and the native engine (NETSTAT_REQUIRE_NATIVE=1 makes a missing one an error).
  const env = { ...process.env, NETSTAT_REQUIRE_NATIVE: '1' };
  const cli = fs.existsSync(path.join(repo, 'dist/cli.js')) && spawnSync(process.execPath, [path.join(repo, 'dist/cli.js'), '-tan'], { stdio: 'ignore', env }).status === 0;
  const library =
    fs.existsSync(path.join(repo, 'dist/index.js')) && spawnSync(process.execPath, [path.join(here, 'library.js'), 'rows'], { stdio: 'ignore', env }).status === 0;
  return { cli: ours?.cli ?? cli, library: ours?.library ?? library };
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

/**
 * One measured run through bench/measure: wall ms (fork to reaping), CPU ms
 * (user + sys), peak RSS in MB, output lines (the output goes through a pipe).
 */
function timeOnce(argv, env = {}) {
  const result = spawnSync(path.join(here, 'measure'), argv, {
    stdio: ['ignore', 'pipe', 'pipe', 'pipe'],
    maxBuffer: 1 << 30,
    env: { ...process.env, NETSTAT_REQUIRE_NATIVE: '1', ...env },
  });
  if (result.error) throw result.error;
  const report = result.output[3].toString().trim().split(' ').map(Number);
  if (report.length !== 5) throw new Error(`${argv.join(' ')}: no report from bench/measure (${result.stderr.toString().slice(0, 300)})`);
  const [wallNs, userUs, sysUs, maxrssKb, status] = report;
  let lines = 0;
  for (const byte of result.stdout) if (byte === 10) lines++;
  const small = result.stdout.length <= 4096 ? result.stdout.toString() : undefined;
  return { ms: wallNs / 1e6, cpu: (userUs + sysUs) / 1e3, rss: maxrssKb / 1024, lines, status, stdout: small, stderr: result.stderr.toString().slice(0, 300) };
}

/** The generator's listening ports (ss -tlnH in the namespace), lowest first. */
function listeningPorts() {
  const ss = spawnSync('ss', ['-tlnH'], { encoding: 'utf8' });
  if (ss.status !== 0) throw new Error(`ss -tlnH failed: ${ss.stderr}`);
  const ports = ss.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => Number(l.trim().split(/\s+/)[3].split(':').pop()));
  return ports.sort((a, b) => a - b);
}

/**
 * Do the rows agree? The library's row count and countSockets' total against
 * the dump's; findListeners' and ss -p's owners against the pids loadgen reported.
 * Returns warnings (printed with the table), never throws.
 */
function crossCheck(list, outputs, listeners, port, firstPort) {
  const warnings = [];
  const text = (name) => outputs.get(name)?.stdout;
  const dump = Number(text('kernel dump (bench/diagcount)'));
  for (const c of list) {
    const out = text(c.name);
    if (c.check === undefined || out === undefined) continue;
    if (c.check === 'rows' && Number(out) !== dump) warnings.push(`${c.name}: ${out.trim()} rows, the dump ${dump}`);
    if (c.check === 'count' && Number(/total (\d+)/.exec(out)?.[1]) !== dump) warnings.push(`${c.name}: ${out.split('\n')[0]}, the dump ${dump}`);
    if (c.check === 'listen-ss' && !out.includes(`:${port} `)) warnings.push(`${c.name}: no listener on ${port}`);
  }
  // The owner findListeners names must be the worker loadgen says listens there (and the one ss -p names).
  const ownerPid = (out) => / (\d+)\/\S+$/m.exec(out ?? '')?.[1];
  for (const [check, p] of [['listen', port], ['listen-first', firstPort]]) {
    for (const c of list.filter((x) => x.check === check)) {
      const pid = ownerPid(text(c.name));
      const expected = listeners.find((l) => l.port === p)?.pid;
      if (String(expected) !== pid) warnings.push(`${c.name}: owner pid ${pid}, loadgen says ${expected} (output ${JSON.stringify(text(c.name))})`);
    }
  }
  const ssp = list.find((c) => c.check === 'listen-ssp');
  const sspPid = ssp && /pid=(\d+)/.exec(text(ssp.name) ?? '')?.[1];
  const expected = listeners.find((l) => l.port === port)?.pid;
  if (sspPid && String(expected) !== sspPid) warnings.push(`${ssp.name}: pid ${sspPid}, loadgen says ${expected}`);
  return warnings;
}

/**
 * Our -p rows read owners by the BPF iterator unless named ", /proc walk":
 * a warning when `--sources` says otherwise (e.g. bpf() refused here).
 */
function walkWarnings(list) {
  const cli = list.find((c) => c.name === 'ours: netstat -tanp');
  if (cli === undefined) return [];
  const warnings = [];
  for (const [expected, env] of [['bpf', {}], ['proc', PROC_WALK]]) {
    const run = spawnSync(cli.argv[0], [cli.argv[1], '-tlnp', '--sources'], { encoding: 'utf8', env: { ...process.env, ...env } });
    const line = /^netstat: owners: .*$/m.exec(run.stderr)?.[0] ?? `no owners line (${run.stderr.slice(0, 200)})`;
    if (!line.includes(`fd walk: ${expected} `)) warnings.push(`the ${expected === 'bpf' ? 'BPF' : '/proc'} walk rows did not walk that way: ${line}`);
  }
  return warnings;
}

// ---- inside the namespaces: start the generator, measure, print JSON ----

async function inside(options) {
  const size = options.inside;
  if (spawnSync('ip', ['link', 'set', 'lo', 'up']).status !== 0) throw new Error('ip link set lo up failed');
  const generator = spawn(path.join(here, 'loadgen'), ['-n', String(size), '-k', String(options.processes), '-t', '3600'], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  // loadgen prints "LISTEN <pid> <port>" per worker, then "READY <sockets>".
  const ready = await new Promise((resolve, reject) => {
    let text = '';
    generator.stdout.on('data', (chunk) => {
      text += chunk;
      if (/^READY \d+$/m.test(text)) resolve(text);
    });
    generator.on('exit', (code) => reject(new Error(`loadgen exited (${code}) before READY`)));
  });
  const sockets = Number(/^READY (\d+)$/m.exec(ready)[1]);
  const listeners = [...ready.matchAll(/^LISTEN (\d+) (\d+)$/gm)].map((m) => ({ pid: Number(m[1]), port: Number(m[2]) })).sort((a, b) => a.pid - b.pid);
  const listed = listeningPorts();
  if (listeners.length !== options.processes || listeners.some((l) => !listed.includes(l.port))) {
    throw new Error(`loadgen's listeners ${JSON.stringify(listeners)} do not match ss -tlnH's ports ${listed}`);
  }
  // findListeners' fd walk goes through /proc in pid order and stops once the
  // listener's owner is found: N is the port of the highest-pid worker (the
  // walk's worst case: every worker's fds read), first the lowest's (best case).
  const port = listeners[listeners.length - 1].port;
  const firstPort = listeners[0].port;
  const list = commands(which({ cli: options.cli, library: options.library }), port, firstPort).filter((c) => !(c.slow && options.skipSlow));
  const samples = new Map(list.map((c) => [c.name, []]));
  const outputs = new Map();
  const load = [os.loadavg()[0]];
  const rounds = Math.max(options.runs, options.slowRuns);
  for (let round = 0; round < rounds; round++) {
    for (const command of list) {
      if (round >= (command.slow ? options.slowRuns : options.runs)) continue;
      const run = timeOnce(command.argv, command.env);
      if (run.status !== 0) throw new Error(`${command.name} failed (${run.status}): ${run.stderr}`);
      samples.get(command.name).push(run);
      outputs.set(command.name, run);
    }
    load.push(os.loadavg()[0]);
  }
  const walks = walkWarnings(list); // while the generator's fds are there
  generator.kill('SIGTERM');
  const warnings = [...crossCheck(list, outputs, listeners, port, firstPort), ...walks];
  const results = list.map((c) => {
    const runs = samples.get(c.name);
    return {
      name: c.name,
      group: c.group,
      ref: c.ref,
      ms: median(runs.map((r) => r.ms)),
      cpu: median(runs.map((r) => r.cpu)),
      rss: Math.max(...runs.map((r) => r.rss)),
      runs: runs.length,
      lines: outputs.get(c.name).lines,
      ours: !!c.ours,
      kernel: !!c.kernel,
    };
  });
  process.stdout.write(`${JSON.stringify({ size, sockets, listeners: listeners.length, port, firstPort, load, warnings, results })}\n`);
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
    // --realtime: everything measured (and the reader of its output) at SCHED_FIFO, ahead of every
    // ordinary task, so a machine busy with other work still gives each command its cores.
    `exec ${options.realtime ? 'chrt -f 50 ' : ''}unshare --net --pid --fork --kill-child --mount-proc "$@"`,
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

/**
 * A hash of the .js files under dist/ and the native addon: other work may rebuild them
 * while the benchmark runs, and figures taken across a change mix two
 * versions (run.js warns). Contents, not times: a rebuild that emits the
 * same files changes nothing.
 */
function buildStamp() {
  const hash = crypto.createHash('sha256');
  const visit = (dir) => {
    let entries;
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1));
    } catch {
      return;
    }
    for (const e of entries) {
      const full = path.join(dir, e.name);
      if (e.isDirectory()) visit(full);
      else if (e.name.endsWith('.js')) hash.update(full).update(fs.readFileSync(full));
    }
  };
  visit(path.join(repo, 'dist'));
  try {
    hash.update(fs.readFileSync(path.join(repo, 'build/Release/netstat_native.node')));
  } catch {
    // no addon: our rows are left out anyway
  }
  return hash.digest('hex').slice(0, 12);
}

const GROUP_TITLES = {
  listing: 'listing all TCP sockets (CLI)',
  library: 'the library, one Node process per run (ratio: to the dump)',
  listeners: 'who listens on one port, with owner',
};

function printTable(report) {
  const byName = new Map(report.results.map((r) => [r.name, r]));
  const ss = byName.get('ss -tan');
  const load = report.load.map((l) => l.toFixed(1)).join(' → ');
  console.log(`\n${report.size} connections (${report.sockets} TCP sockets + ${report.listeners} listeners), port N = ${report.port} (last worker in /proc order; ${report.firstPort} the first's), load average ${load}`);
  console.log('medians of wall and CPU (user+sys) ms; peak RSS = largest ru_maxrss over the runs');
  const header = `${'command'.padEnd(44)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'peak MB'.padStart(8)} ${'runs'.padStart(4)} ${'lines'.padStart(7)} ${'ratio'.padStart(8)}  ${'vs ss -tan'.padStart(10)}  reference`;
  let group;
  for (const r of report.results) {
    if (r.group !== group) {
      group = r.group;
      console.log(`-- ${GROUP_TITLES[group] ?? group}`);
      console.log(header);
    }
    const ref = byName.get(r.ref);
    const ratio = (base) => (base ? `${(r.ms / base.ms).toFixed(2)}x` : '-');
    const refText = r.ref === r.name ? '(reference)' : ref ? r.ref : `${r.ref} (not run)`;
    console.log(
      `${r.name.padEnd(44)} ${r.ms.toFixed(1).padStart(8)} ${r.cpu.toFixed(0).padStart(8)} ${r.rss.toFixed(1).padStart(8)} ${String(r.runs).padStart(4)} ${String(r.lines).padStart(7)} ${ratio(ref).padStart(8)}  ${ratio(ss).padStart(10)}  ${refText}`,
    );
  }
  for (const w of report.warnings) console.log(`warning: ${w}`);
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.inside !== undefined) {
    const ours = process.env.BENCH_OURS ? JSON.parse(process.env.BENCH_OURS) : {};
    return inside({ ...options, ...ours });
  }
  if (process.getuid?.() !== 0) throw new Error('needs root (unshare)');
  const make = spawnSync('make', ['-s', '-C', here], { stdio: 'inherit' });
  if (make.status !== 0) throw new Error('building bench/loadgen, bench/diagcount and bench/measure failed');
  const ours = which();
  if (!ours.cli) console.error('bench: dist/cli.js -tan does not run with NETSTAT_REQUIRE_NATIVE=1 (npm run build? native engine?): no CLI rows');
  if (!ours.library) console.error('bench: bench/library.js does not run with NETSTAT_REQUIRE_NATIVE=1 (npm run build? native engine?): no library rows');
  console.log(`bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.versions.node}, ${new Date().toISOString()}${options.realtime ? ', measured at SCHED_FIFO 50 (--realtime)' : ''}`);
  for (const size of options.sizes) {
    const before = buildStamp();
    const report = runSize(size, options, ours);
    const after = buildStamp();
    if (after !== before) {
      report.warnings.push(`dist/ or the native addon changed during this size's run (build ${before} → ${after}): our rows may mix two builds`);
    }
    console.log(`\nbuild ${after} (hash of dist/**/*.js and the addon)`);
    printTable(report);
  }
}

main().catch((err) => {
  console.error(`bench: ${err.message}`);
  process.exit(1);
});
