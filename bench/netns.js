#!/usr/bin/env node
'use strict';
// Every network namespace at once: what listing the TCP sockets of many
// named namespaces costs with this project (`--all-netns`, the library's
// `netns: 'all'`) against the way it is done today — one
// `ip netns exec NAME ss -tan` (or net-tools `netstat -tan`) per namespace,
// one after the other — and against the kernel's own dump cost per namespace
// (bench/diagcount under `nsenter --net=…`), all measured in the same run.
//
// Set-up: N named namespaces `nsbench-0` … (`ip netns add`, lo up), each
// holding S TCP sockets: one bench/loadgen per namespace (`-k 1`: one worker
// holding S/2 established loopback connections, both ends, plus its
// listener: S + 1 sockets). Everything (holders, namespaces) is removed on
// exit, also on SIGINT/SIGTERM/SIGHUP; `--cleanup` removes what a killed run
// left behind (namespaces named nsbench-*, and the loadgen processes in them).
//
// By default the namespaces share the host's TCP hash table (the kernel's
// default, net.ipv4.tcp_child_ehash_entries = 0, what `ip netns add`, Docker
// and the like give): every dump, in any of them, walks the whole table,
// host and the other namespaces' sockets included. `--private-hash` gives
// each a table of its own, sized like the host's (set from a throw-away
// namespace, never on the host), as bench/run.js does.
//
// Measured, round-robin, median of --runs (whole processes under
// bench/measure, stdout to /dev/null: wall ms, CPU = user + sys of the
// process and its children, peak = largest ru_maxrss); the library in one
// warm Node process (performance.now, process.cpuUsage: all its threads).
// Socket counts are checked per namespace (ours against ss) in an untimed
// pass first, whose outputs are kept; the library's counts every round.
//
//   node bench/netns.js [--namespaces 50] [--sockets 2000] [--runs 5]
//                       [--slow-runs 1] [--skip-slow] [--private-hash]
//                       [--quick] [--profile DIR] [--hold] [--cleanup]
// --quick: 4 namespaces x 200 sockets, 3 runs (a smoke run).
// --hold: set up, then wait for ^C (to measure or profile by hand), then clean up.
// --skip-slow leaves out the `-tanp` loops of ss and net-tools (each of their
// runs walks every process's fds again: 1-5 s per namespace at full size);
// they run --slow-runs times, the first with its output to a pipe (counted).
// --profile DIR: after the figures, one `node --cpu-prof` run each of the CLI's
// `--all-netns -tan` and `-tanp`, profiles written to DIR.
// Needs root, ip (iproute2), nsenter, ss, net-tools netstat, make, gcc, and
// `dist/` built (npm run build) with the native engine for our rows.
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const os = require('node:os');
const path = require('node:path');
const readline = require('node:readline');
const { performance } = require('node:perf_hooks');

const here = __dirname;
const repo = path.join(here, '..');
const PREFIX = 'nsbench-';
const NETNS_DIR = '/run/netns';

function parseArgs(argv) {
  const options = { namespaces: 50, sockets: 2000, runs: 5, slowRuns: 1, skipSlow: false, privateHash: false, cleanup: false, profile: undefined, worker: false };
  let quick = false;
  const explicit = new Set();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const value = () => {
      if (i + 1 >= argv.length) throw new Error(`${arg} needs a value`);
      return argv[++i];
    };
    if (arg === '--namespaces') (options.namespaces = Number(value())), explicit.add('namespaces');
    else if (arg === '--sockets') (options.sockets = Number(value())), explicit.add('sockets');
    else if (arg === '--runs') (options.runs = Number(value())), explicit.add('runs');
    else if (arg === '--slow-runs') options.slowRuns = Number(value());
    else if (arg === '--skip-slow') options.skipSlow = true;
    else if (arg === '--private-hash') options.privateHash = true;
    else if (arg === '--quick') quick = true;
    else if (arg === '--profile') options.profile = path.resolve(value());
    else if (arg === '--cleanup') options.cleanup = true;
    else if (arg === '--hold') options.hold = true;
    else if (arg === '--lib-worker') options.worker = true;
    else throw new Error(`unknown option ${arg} (see the header of bench/netns.js)`);
  }
  if (quick) {
    if (!explicit.has('namespaces')) options.namespaces = 4;
    if (!explicit.has('sockets')) options.sockets = 200;
    if (!explicit.has('runs')) options.runs = 3;
  }
  const positive = (n) => Number.isInteger(n) && n >= 1;
  if (!positive(options.namespaces) || options.namespaces > 1000) throw new Error('--namespaces must be an integer in 1..1000');
  if (!Number.isInteger(options.sockets) || options.sockets < 2 || options.sockets % 2 !== 0) throw new Error('--sockets must be an even integer >= 2 (two per connection)');
  if (!positive(options.runs) || !positive(options.slowRuns)) throw new Error('--runs and --slow-runs must be positive integers');
  return options;
}

function median(values) {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

const names = (count) => Array.from({ length: count }, (_, i) => `${PREFIX}${i}`);

// ---------------------------------------------------------------------------
// The library, in one warm Node process (`--lib-worker`): one line on stdin
// ("round" + the namespace names as JSON), one JSON line of results back.

async function libWorker() {
  const { listSockets } = require(path.join(repo, 'dist/index.js'));
  const { listNamespacesAsync } = require(path.join(repo, 'dist/netns/discover.js'));
  const { loadNative } = require(path.join(repo, 'dist/native.js'));
  const outcome = loadNative();
  if (!('binding' in outcome)) throw new Error(`native engine: ${outcome.message}`);
  const b = outcome.binding;
  const ALL = 0x1ffe;

  const perNamespace = (list) => {
    const counts = {};
    for (const n of list.namespaces ?? []) counts[n.netns.name ?? `net:[${n.netns.inode}]`] = n.status === 'ok' ? n.sockets : -1;
    return counts;
  };
  const backends = (list) => [...new Set(list.sources.map((s) => `${s.table === 'owners' ? 'owners:' : ''}${s.backend}`))].sort().join(',');
  const variants = (wanted) => [
    { name: "lib: listSockets({ netns: 'all', protocols: ['tcp'] })", want: 'netlink', run: () => listSockets({ netns: 'all', protocols: ['tcp'] }) },
    { name: 'lib: … owners: true', want: 'netlink,owners:native', run: () => listSockets({ netns: 'all', protocols: ['tcp'], owners: true }) },
    { name: "lib: … backend: 'procfs'", want: 'procfs', run: () => listSockets({ netns: 'all', protocols: ['tcp'], backend: 'procfs' }) },
    {
      name: 'lib: listSockets({ netns: NAME }) per namespace, in turn',
      want: 'netlink',
      run: async () => {
        const joined = { namespaces: [], sources: [] };
        for (const name of wanted) {
          const list = await listSockets({ netns: name, protocols: ['tcp'] });
          joined.namespaces.push(...list.namespaces);
          joined.sources.push(...list.sources);
        }
        return joined;
      },
    },
    // Where the time goes: the parts of a netns: 'all' listing alone.
    { name: 'part: namespace discovery (listNamespacesAsync)', part: true, run: () => listNamespacesAsync() },
    {
      name: 'part: native TCP dumps only, 4 namespaces at a time',
      part: true,
      run: async () => {
        const paths = (await listNamespacesAsync()).namespaces.map((n) => (n.current ? null : n.path));
        let next = 0;
        const worker = async () => {
          while (next < paths.length) {
            const p = paths[next++];
            // Others' short-lived namespaces (a test's process) may be gone by now: skipped, as the library reports them.
            await Promise.all([b.dumpInetAsync(2, 6, ALL, true, null, p, null), b.dumpInetAsync(10, 6, ALL, true, null, p, null)]).catch(() => undefined);
          }
        };
        await Promise.all([worker(), worker(), worker(), worker()]);
      },
    },
    { name: 'part: full fd walk (scanOwnersAsync, 2 threads)', part: true, run: () => b.scanOwnersAsync('/proc', null, 2, null, null) },
  ];

  const lines = readline.createInterface({ input: process.stdin });
  for await (const line of lines) {
    const wanted = JSON.parse(line);
    const results = [];
    for (const v of variants(wanted)) {
      const cpu0 = process.cpuUsage();
      const t0 = performance.now();
      const list = await v.run();
      const ms = performance.now() - t0;
      const cpu = process.cpuUsage(cpu0);
      const result = { name: v.name, ms, cpu: (cpu.user + cpu.system) / 1e3, part: !!v.part };
      if (!v.part) {
        result.counts = perNamespace(list);
        result.backends = backends(list);
        result.want = v.want;
      }
      results.push(result);
    }
    process.stdout.write(`${JSON.stringify({ results, rss: process.memoryUsage().rss / 2 ** 20 })}\n`);
  }
}

// ---------------------------------------------------------------------------
// Set-up and clean-up

const state = { holders: [], created: [], current: undefined, cleaned: false, worker: undefined };

function run(argv, opts = {}) {
  const r = spawnSync(argv[0], argv.slice(1), { encoding: 'utf8', ...opts });
  if (r.error) throw r.error;
  return r;
}

function must(argv, opts) {
  const r = run(argv, opts);
  if (r.status !== 0) throw new Error(`${argv.join(' ')} failed (${r.status}): ${(r.stderr ?? '').trim()}`);
  return r;
}

function existingBenchNamespaces() {
  let entries = [];
  try {
    entries = fs.readdirSync(NETNS_DIR);
  } catch {
    // no named namespaces at all
  }
  return entries.filter((n) => n.startsWith(PREFIX)).sort();
}

/** Pids inside a named namespace (`ip netns pids`). */
function pidsIn(name) {
  const r = run(['ip', 'netns', 'pids', name]);
  return r.status === 0 ? r.stdout.split(/\s+/).filter(Boolean).map(Number) : [];
}

function commOf(pid) {
  try {
    return fs.readFileSync(`/proc/${pid}/comm`, 'utf8').trim();
  } catch {
    return undefined;
  }
}

function sleepSync(ms) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Stop the holders we started (SIGTERM, then SIGKILL after 10 s), then delete the namespaces we made. */
function cleanupSync() {
  if (state.cleaned) return;
  state.cleaned = true;
  if (state.current !== undefined) {
    try {
      process.kill(-state.current, 'SIGKILL'); // the measured command's process group (bench/measure and its child)
    } catch {
      // already gone
    }
  }
  state.worker?.kill('SIGKILL');
  // Exited holders stay zombies here (no event loop turns to reap them): those count as gone.
  const running = (pid) => {
    try {
      return !/\) Z /.test(fs.readFileSync(`/proc/${pid}/stat`, 'utf8'));
    } catch {
      return false;
    }
  };
  const alive = () => state.holders.filter((h) => h.exitCode === null && h.signalCode === null && running(h.pid));
  for (const h of alive()) h.kill('SIGTERM');
  for (let waited = 0; alive().length > 0 && waited < 10000; waited += 50) sleepSync(50);
  for (const h of alive()) h.kill('SIGKILL');
  for (const name of state.created) run(['ip', 'netns', 'del', name]);
  const left = existingBenchNamespaces().filter((n) => state.created.includes(n));
  if (left.length > 0) console.error(`netns bench: could not delete ${left.join(' ')}`);
}

/** `--cleanup`: what a killed run left: loadgen processes inside nsbench-* namespaces, then the namespaces. */
function cleanupLeftovers() {
  const left = existingBenchNamespaces();
  for (const name of left) {
    for (const pid of pidsIn(name)) {
      if (commOf(pid) === 'loadgen') {
        try {
          process.kill(pid, 'SIGKILL');
        } catch {
          // gone
        }
      } else {
        console.error(`netns bench: ${name}: leaving pid ${pid} (${commOf(pid)}) alone: not a loadgen`);
      }
    }
    run(['ip', 'netns', 'del', name]);
  }
  console.error(`netns bench: removed ${left.length} namespace(s)${left.length ? `: ${left.join(' ')}` : ''}`);
}

function hostEhash() {
  try {
    return Math.abs(Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim())) || 0;
  } catch {
    return 0;
  }
}

function createNamespace(name, privateHash) {
  if (privateHash) {
    // `ip netns add` sizes the new namespace's TCP hash from the creating namespace's
    // net.ipv4.tcp_child_ehash_entries: create it from a throw-away namespace that sets it.
    const script = `sysctl -q -w net.ipv4.tcp_child_ehash_entries=${hostEhash()} && exec ip netns add "$1"`;
    must(['unshare', '--net', 'sh', '-c', script, 'sh', name]);
  } else {
    must(['ip', 'netns', 'add', name]);
  }
  state.created.push(name);
  must(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
}

/** One loadgen per namespace (one worker: S/2 connections, both ends, plus its listener); resolves when it is READY. */
function startHolder(name, connections) {
  const child = spawn('ip', ['netns', 'exec', name, path.join(here, 'loadgen'), '-n', String(connections), '-k', '1', '-t', '7200'], {
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true, // not in our process group: a terminal's ^C reaches us, and we stop them in order
  });
  state.holders.push(child);
  return new Promise((resolve, reject) => {
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk) => {
      out += chunk;
      const ready = /^READY (\d+)$/m.exec(out);
      if (ready) resolve({ name, pid: child.pid, sockets: Number(ready[1]) + Number(/^LISTEN /m.test(out)) });
    });
    child.stderr.on('data', (chunk) => (err += chunk));
    child.on('exit', (code, signal) => reject(new Error(`${name}: loadgen exited (${code ?? signal}) before READY: ${err.trim()}`)));
  });
}

// ---------------------------------------------------------------------------
// Measuring

const DEVNULL = fs.openSync('/dev/null', 'w');

/**
 * One run under bench/measure: wall ms, CPU ms (user + sys, children
 * included), peak RSS MB. `keep`: stdout to a pipe, returned; else /dev/null.
 */
function measure(argv, keep = false) {
  return new Promise((resolve, reject) => {
    const child = spawn(path.join(here, 'measure'), argv, {
      stdio: ['ignore', keep ? 'pipe' : DEVNULL, 'pipe', 'pipe'],
      env: { ...process.env, NETSTAT_REQUIRE_NATIVE: '1' },
      detached: true, // its own process group, so an interrupt can stop the command with it
    });
    state.current = child.pid;
    const out = [];
    let err = '';
    let report = '';
    if (keep) child.stdout.on('data', (c) => out.push(c));
    child.stderr.on('data', (c) => (err += c));
    child.stdio[3].on('data', (c) => (report += c));
    child.on('error', reject);
    child.on('close', () => {
      state.current = undefined;
      const fields = report.trim().split(' ').map(Number);
      if (fields.length !== 5) return reject(new Error(`${argv.join(' ')}: no report from bench/measure (${err.slice(0, 300)})`));
      const [wallNs, userUs, sysUs, maxrssKb, status] = fields;
      resolve({ ms: wallNs / 1e6, cpu: (userUs + sysUs) / 1e3, rss: maxrssKb / 1024, status, stdout: keep ? Buffer.concat(out).toString() : undefined, stderr: err });
    });
  });
}

/** A shell loop over the namespaces: `== NAME` before each one's output. */
function loop(body, list) {
  return ['sh', '-c', `for n do echo "== $n"; ${body}; done`, 'sh', ...list];
}

/** Per-namespace counts from a loop's output; `count(lines)` counts one namespace's sockets. */
function loopCounts(text, count) {
  const counts = {};
  let name;
  let lines = [];
  const flush = () => {
    if (name !== undefined) counts[name] = count(lines);
  };
  for (const line of text.split('\n')) {
    const m = /^== (\S+)$/.exec(line);
    if (m) {
      flush();
      name = m[1];
      lines = [];
    } else if (line !== '') lines.push(line);
  }
  flush();
  return counts;
}

/** Per-namespace counts from our `--all-netns` text (a `Network namespace …` header over each). */
function cliCounts(text) {
  const counts = {};
  let name;
  for (const line of text.split('\n')) {
    const m = /^Network namespace net:\[(\d+)\](?: \((.*)\))?$/.exec(line);
    if (m) {
      name = /(?:^|, )name ([^,]+)/.exec(m[2] ?? '')?.[1] ?? `net:[${m[1]}]`;
      counts[name] = 0;
    } else if (name !== undefined && /^tcp6? /.test(line)) counts[name]++;
  }
  return counts;
}

const tcpLines = (lines) => lines.filter((l) => /^tcp6? /.test(l)).length;
const ssLines = (lines) => lines.filter((l) => !l.startsWith('State ')).length;
const diagLines = (lines) => Number(lines[0]);

function commands(list, options) {
  const node = process.execPath;
  const cli = path.join(repo, 'dist/cli.js');
  const SS = 'ip netns exec N ss -tan, each namespace in turn';
  const FLOOR = 'kernel dump per namespace (nsenter + diagcount), in turn';
  const cmds = [
    { group: 'ref', name: FLOOR, argv: loop(`nsenter --net=${NETNS_DIR}/"$n" ${path.join(here, 'diagcount')}`, list), count: (t) => loopCounts(t, diagLines) },
    { group: 'ref', name: 'ip netns exec N true, in turn (exec overhead)', argv: loop('ip netns exec "$n" true', list) },
    { group: 'ref', name: SS, argv: loop('ip netns exec "$n" ss -tan', list), count: (t) => loopCounts(t, ssLines) },
    { group: 'ref', name: 'ip netns exec N netstat -tan, in turn', argv: loop('ip netns exec "$n" /usr/bin/netstat -tan', list), count: (t) => loopCounts(t, tcpLines) },
    { group: 'ref', name: 'ip netns exec N ss -tanp, in turn', argv: loop('ip netns exec "$n" ss -tanp', list), count: (t) => loopCounts(t, ssLines), slow: true },
    {
      group: 'ref',
      name: 'ip netns exec N netstat -tanp, in turn',
      argv: loop('ip netns exec "$n" /usr/bin/netstat -tanp', list),
      count: (t) => loopCounts(t, tcpLines),
      slow: true,
    },
    { group: 'ours', name: 'ours: netstat --all-netns -tan', argv: [node, cli, '--all-netns', '-tan'], count: cliCounts, ours: true },
    { group: 'ours', name: 'ours: netstat --all-netns -tanp', argv: [node, cli, '--all-netns', '-tanp'], count: cliCounts, ours: true },
    { group: 'ours', name: 'node -e 0 (start-up)', argv: [node, '-e', '0'] },
  ];
  return { list: cmds.filter((c) => !(c.slow && options.skipSlow)), SS, FLOOR };
}

// ---------------------------------------------------------------------------
// Report

function printTable(rows, refs, info) {
  const ss = rows.find((r) => r.name === refs.SS);
  const floor = rows.find((r) => r.name === refs.FLOOR);
  const titles = {
    ref: 'one command per namespace, in turn (the way it is done today); whole processes',
    ours: 'ours, every namespace at once; whole processes',
    lib: 'the library in one warm Node process (no start-up, no module loading)',
    part: 'parts of a netns: "all" listing, alone (same warm process)',
  };
  const header = `${'command'.padEnd(58)} ${'wall ms'.padStart(8)} ${'cpu ms'.padStart(8)} ${'peak MB'.padStart(8)} ${'runs'.padStart(4)} ${'sockets'.padStart(8)} ${'others'.padStart(6)} ${'vs ss loop'.padStart(10)} ${'vs dump'.padStart(8)}`;
  let group;
  for (const r of rows) {
    if (r.group !== group) {
      group = r.group;
      console.log(`-- ${titles[group]}`);
      console.log(header);
    }
    const ratio = (base) => (base ? `${(r.ms / base.ms).toFixed(2)}x` : '-');
    const num = (v, digits = 0) => (v === undefined ? '-' : v.toFixed(digits));
    console.log(
      `${r.name.padEnd(58)} ${num(r.ms, 1).padStart(8)} ${num(r.cpu).padStart(8)} ${num(r.rss, 1).padStart(8)} ${String(r.runs).padStart(4)} ${num(r.sockets).padStart(8)} ${num(r.others).padStart(6)} ${ratio(ss).padStart(10)} ${ratio(floor).padStart(8)}`,
    );
  }
  console.log(`sockets: listed in the ${info.namespaces} nsbench namespaces (${info.expected} each expected); others: in the other namespaces (host, others' tests) ours also lists`);
}

/** Per-namespace counts against ss's and the expected; returns warnings. */
function checkCounts(name, counts, list, ssCounts, expected) {
  const warnings = [];
  const bad = [];
  for (const ns of list) {
    const got = counts[ns];
    if (got !== expected || (ssCounts !== undefined && got !== ssCounts[ns])) bad.push(`${ns}: ${got} (ss ${ssCounts?.[ns]})`);
  }
  if (bad.length > 0) warnings.push(`${name}: ${bad.length} namespace(s) differ from ${expected} / ss: ${bad.slice(0, 5).join('; ')}${bad.length > 5 ? '; …' : ''}`);
  return warnings;
}

function split(counts, list) {
  let sockets = 0;
  let others = 0;
  for (const [ns, n] of Object.entries(counts)) {
    if (list.includes(ns)) sockets += Math.max(0, n);
    else others += Math.max(0, n);
  }
  return { sockets, others };
}

// ---------------------------------------------------------------------------

async function main() {
  const options = parseArgs(process.argv.slice(2));
  if (options.worker) return libWorker();
  if (process.getuid?.() !== 0) throw new Error('needs root (ip netns add)');
  if (options.cleanup) return cleanupLeftovers();

  const leftovers = existingBenchNamespaces();
  if (leftovers.length > 0) throw new Error(`${leftovers.length} ${PREFIX}* namespace(s) exist already (a killed run? another one running?): node bench/netns.js --cleanup`);
  const make = spawnSync('make', ['-s', '-C', here], { stdio: 'inherit' });
  if (make.status !== 0) throw new Error('building bench/loadgen, bench/diagcount and bench/measure failed');
  for (const f of ['dist/cli.js', 'dist/index.js']) if (!fs.existsSync(path.join(repo, f))) throw new Error(`${f} missing: npm run build`);

  for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP']) {
    process.on(signal, () => {
      console.error(`\nnetns bench: ${signal}: cleaning up`);
      cleanupSync();
      process.exit(128 + os.constants.signals[signal]);
    });
  }
  process.on('exit', cleanupSync);

  const list = names(options.namespaces);
  const connections = options.sockets / 2;
  const expected = options.sockets + 1;
  console.log(`netns bench: ${os.cpus().length} CPUs (${os.cpus()[0]?.model ?? '?'}), Linux ${os.release()}, Node ${process.versions.node}, ${new Date().toISOString()}`);
  console.log(
    `netns bench: ${options.namespaces} namespaces x ${options.sockets} TCP sockets (+1 listener each), TCP hash ${options.privateHash ? `private to each namespace (${hostEhash()} buckets)` : "shared with the host's (kernel default)"}`,
  );
  const t0 = performance.now();
  for (const name of list) createNamespace(name, options.privateHash);
  const holders = [];
  for (let i = 0; i < list.length; i += 8) holders.push(...(await Promise.all(list.slice(i, i + 8).map((n) => startHolder(n, connections)))));
  console.log(`netns bench: set up in ${((performance.now() - t0) / 1000).toFixed(1)} s (${holders.reduce((n, h) => n + h.sockets, 0)} sockets)`);

  if (options.hold) {
    console.log('netns bench: --hold: namespaces ready; ^C (or SIGTERM) removes them');
    await new Promise(() => undefined); // until a signal: its handler cleans up and exits
  }
  const { list: cmds, SS, FLOOR } = commands(list, options);

  // Untimed pass: outputs kept, per-namespace counts checked (and a warm-up).
  const warnings = [];
  const counts = new Map();
  for (const c of cmds) {
    if (!c.count || c.slow) continue; // the slow loops are counted from their timed run
    const r = await measure(c.argv, true);
    if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.slice(0, 300)}`);
    counts.set(c.name, c.count(r.stdout));
  }
  const ssCounts = counts.get(SS);
  for (const [name, cnt] of counts) warnings.push(...checkCounts(name, cnt, list, name === SS ? undefined : ssCounts, expected));

  // The library's warm process.
  const worker = spawn(process.execPath, [__filename, '--lib-worker'], { stdio: ['pipe', 'pipe', 'inherit'], env: { ...process.env, NETSTAT_REQUIRE_NATIVE: '1' } });
  state.worker = worker;
  const replies = readline.createInterface({ input: worker.stdout })[Symbol.asyncIterator]();
  const libRound = async () => {
    worker.stdin.write(`${JSON.stringify(list)}\n`);
    const next = await replies.next();
    if (next.done) throw new Error('the library worker ended');
    return JSON.parse(next.value);
  };
  await libRound(); // warm-up

  const samples = new Map(cmds.map((c) => [c.name, []]));
  const libSamples = new Map();
  const libInfo = new Map();
  const load = [os.loadavg()[0]];
  const rounds = Math.max(options.runs, options.slowRuns);
  for (let round = 0; round < rounds; round++) {
    for (const c of cmds) {
      if (round >= (c.slow ? options.slowRuns : options.runs)) continue;
      const keep = c.slow && c.count !== undefined && round === 0;
      const r = await measure(c.argv, keep);
      if (r.status !== 0) throw new Error(`${c.name} failed (${r.status}): ${r.stderr.slice(0, 300)}`);
      samples.get(c.name).push(r);
      if (keep) {
        counts.set(c.name, c.count(r.stdout));
        warnings.push(...checkCounts(c.name, counts.get(c.name), list, ssCounts, expected));
      }
    }
    if (round < options.runs) {
      const reply = await libRound();
      for (const r of reply.results) {
        if (!libSamples.has(r.name)) libSamples.set(r.name, []);
        libSamples.get(r.name).push(r);
        libInfo.set(r.name, r);
        if (r.counts) {
          warnings.push(...checkCounts(r.name, r.counts, list, ssCounts, expected).map((w) => `round ${round + 1}: ${w}`));
          if (r.backends !== r.want) warnings.push(`${r.name}: served by ${r.backends}, expected ${r.want}`);
        }
      }
      libInfo.set('rss', reply.rss);
    }
    load.push(os.loadavg()[0]);
    process.stderr.write(`netns bench: round ${round + 1}/${rounds} done\n`);
  }
  worker.stdin.end();

  const rows = [];
  for (const c of cmds) {
    const runs = samples.get(c.name);
    const row = { group: c.group, name: c.name, ms: median(runs.map((r) => r.ms)), cpu: median(runs.map((r) => r.cpu)), rss: Math.max(...runs.map((r) => r.rss)), runs: runs.length };
    if (counts.has(c.name)) Object.assign(row, split(counts.get(c.name), list));
    rows.push(row);
  }
  for (const [name, runs] of libSamples) {
    const last = libInfo.get(name);
    const row = { group: last.part ? 'part' : 'lib', name, ms: median(runs.map((r) => r.ms)), cpu: median(runs.map((r) => r.cpu)), runs: runs.length };
    if (last.counts) Object.assign(row, split(last.counts, list));
    rows.push(row);
  }
  console.log(`\nload average ${load.map((l) => l.toFixed(1)).join(' → ')}; medians in ms; lib worker RSS after the last round ${libInfo.get('rss')?.toFixed(0)} MB`);
  printTable(rows, { SS, FLOOR }, { namespaces: options.namespaces, expected });
  for (const w of warnings) console.log(`warning: ${w}`);
  if (warnings.length === 0) console.log(`counts agree: every nsbench namespace lists ${expected} TCP sockets in every row that lists (ss, net-tools, the dump, ours)`);

  if (options.profile !== undefined) {
    fs.mkdirSync(options.profile, { recursive: true });
    for (const flags of ['-tan', '-tanp']) {
      const dir = path.join(options.profile, `all-netns${flags}`);
      const r = spawnSync(process.execPath, ['--cpu-prof', `--cpu-prof-dir=${dir}`, path.join(repo, 'dist/cli.js'), '--all-netns', flags], { stdio: ['ignore', DEVNULL, 'inherit'] });
      console.log(`profile of --all-netns ${flags}: ${dir} (status ${r.status})`);
    }
  }
}

main()
  .then(() => {
    if (!parseArgs(process.argv.slice(2)).worker) cleanupSync();
  })
  .catch((err) => {
    console.error(`netns bench: ${err.stack ?? err.message}`);
    cleanupSync();
    process.exit(1); // the worker's stdin, or a holder's pipe, would keep the loop alive
  });
