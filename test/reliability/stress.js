#!/usr/bin/env node
/**
 * Stress: listings under heavy socket churn. In a private network and PID
 * namespace, test/scenario/churn-load.py opens and resets loopback TCP
 * connections at --rate a second from several processes, holds long-lived
 * connections, and starts and SIGKILLs processes that hold sockets, while this
 * process enumerates in a loop:
 *
 * - the CLI, one run after another: `netstat -tanp`, `-anp`, `-s` (ours), and
 *   `-tanp` as uid 65534 (ours), plus net-tools' `-tanp` as root and as uid
 *   65534 for comparison (its duplicates and losses are figures, not failures);
 * - the library, one call after another: listSockets, countSockets (by state
 *   and pid), listSocketsSync, countSocketsSync;
 * - a watchSockets stream, all along.
 *
 *   node test/reliability/stress.js [--backend netlink|procfs] [--seconds 20] [--rate 10000]
 *        [--workers 3] [--long 40] [--hold 4000] [--holders 16] [--holder-life 1500]
 *        [--ehash 16384] [--no-reference] [--json]
 *
 * Checked (checks.js): no crash, hang (a run over 30 s) or stack trace, stderr
 * empty (as root) or net-tools' own notice (as uid 65534); no socket twice in
 * one listing; every long-lived socket and every holder's sockets in each
 * listing they lived through, with their owner's PID and program; no owner
 * PID that could not be; counts within bounds; the watch's stream consistent
 * and ending cleanly. Needs root, python3, setpriv (for the uid 65534 runs)
 * and dist/ built. Prints the figures and problems; exits 1 if any problem.
 *
 * --ehash N: the TCP hash table's buckets (test/harness/isolate.js; 0: share the host's).
 * A small one (--ehash 128: long chains) makes the kernel's slips likelier: it
 * resumes each read of a table (a sock_diag datagram, a /proc page) by counting
 * entries into a bucket, so it repeats one after an insertion earlier in that
 * bucket and skips one after a removal. Listings drop the repeats and read a
 * table a second time for the skipped (native/dump_check.h; the /proc
 * backend's wantsSecondRead); net-tools reads once and shows both.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { rowsOfCliText, rowsOfList, duplicateKeys } = require('./listing-rows');
const { loadStory, checkListing, checkCount } = require('./checks');
const { rerunIsolated } = require('../harness/isolate');

const repo = path.resolve(__dirname, '..', '..');
const CLI = path.join(repo, 'dist', 'cli.js');
const REFERENCE = '/usr/bin/netstat';
const LOAD = path.join(repo, 'test', 'scenario', 'churn-load.py');
/** A CLI run taking longer than this is a hang. */
const HANG_MS = 30_000;
const NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];
/** What net-tools 2.10 may print on stderr for -p when not root (and nothing else). */
const NOTICES = new Set([
  '(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n',
  '(No info could be read for "-p": geteuid()=65534 but you should be root.)\n',
]);

function parseArgs(argv) {
  const o = { backend: 'netlink', seconds: 20, rate: 10000, workers: 3, long: 40, hold: 4000, holders: 16, holderLife: 1500, ehash: 16384, reference: true, json: false, inside: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--backend': o.backend = value(); break;
      case '--seconds': o.seconds = Number(value()); break;
      case '--rate': o.rate = Number(value()); break;
      case '--workers': o.workers = Number(value()); break;
      case '--long': o.long = Number(value()); break;
      case '--hold': o.hold = Number(value()); break;
      case '--holders': o.holders = Number(value()); break;
      case '--holder-life': o.holderLife = Number(value()); break;
      case '--ehash': o.ehash = Number(value()); break;
      case '--no-reference': o.reference = false; break;
      case '--json': o.json = true; break;
      case '--inside': o.inside = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  for (const k of ['seconds', 'rate', 'workers', 'hold', 'holderLife']) if (!(o[k] > 0)) throw new Error(`--${k}: a positive number please`);
  for (const k of ['long', 'holders', 'ehash']) if (!(Number.isInteger(o[k]) && o[k] >= 0)) throw new Error(`--${k}: a whole number please`);
  if (!['netlink', 'procfs'].includes(o.backend)) throw new Error('--backend: netlink or procfs');
  return o;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The program name net-tools shows for a process: argv[0], after its last '/' when it starts with one. */
function programOf(pid) {
  const argv0 = fs.readFileSync(`/proc/${pid}/cmdline`, 'latin1').split('\0')[0];
  return argv0.startsWith('/') ? argv0.slice(argv0.lastIndexOf('/') + 1) : argv0;
}

/** Runs a command to its end (killed after HANG_MS), with its output and window. */
function runCommand(argv, env) {
  return new Promise((resolve) => {
    const start = Date.now();
    const child = spawn(argv[0], argv.slice(1), { env, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    let hung = false;
    child.stdout.setEncoding('utf8').on('data', (c) => (stdout += c));
    child.stderr.setEncoding('utf8').on('data', (c) => (stderr += c));
    const timer = setTimeout(() => {
      hung = true;
      child.kill('SIGKILL');
    }, HANG_MS);
    child.on('error', (error) => {
      clearTimeout(timer);
      resolve({ pid: child.pid, start, end: Date.now(), status: null, signal: null, stdout, stderr: `${stderr}${error.message}`, hung });
    });
    child.on('close', (status, signal) => {
      clearTimeout(timer);
      resolve({ pid: child.pid, start, end: Date.now(), status, signal, stdout, stderr, hung });
    });
  });
}

async function inside(o) {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up: ${up.stderr}`);
  const api = require(path.join(repo, 'dist', 'index.js'));
  const env = { ...process.env, NETSTAT_BACKEND: o.backend, ...(o.backend === 'netlink' ? { NETSTAT_REQUIRE_NATIVE: '1' } : {}) };
  delete env.NETSTAT_PROC_ROOT;
  const nobodyCan = spawnSync(NOBODY[0], [...NOBODY.slice(1), 'test', '-r', CLI]).status === 0;

  const loadArgs = ['--rate', o.rate, '--seconds', o.seconds, '--long', o.long, '--hold', o.hold, '--workers', o.workers, '--holders', o.holders, '--holder-life', o.holderLife].map(String);
  const load = spawn('python3', [LOAD, ...loadArgs], { stdio: ['pipe', 'pipe', 'pipe'] });
  let loadStderr = '';
  load.stderr.setEncoding('utf8').on('data', (c) => (loadStderr += c));
  const messages = [];
  readline.createInterface({ input: load.stdout }).on('line', (line) => messages.push(JSON.parse(line)));
  const waitFor = async (test, what, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find(test);
      if (found !== undefined) return found;
      if (Date.now() > deadline || load.exitCode !== null) throw new Error(`load: no ${what} within ${ms} ms: ${loadStderr}`);
      await sleep(20);
    }
  };

  const listings = []; // { source, start, end, rows, duplicates, owners, reference }
  const counts = []; // { source, start, end, groups }
  const failures = { stderr: [], status: [], hangs: [], unreadable: [], libraryErrors: [], watch: [] };
  const others = new Set([process.pid]); // PIDs of this process and the programs it ran
  const figures = { cliRuns: 0, referenceRuns: 0, libraryCalls: 0 };
  let loadDone = false;

  try {
    const ready = await waitFor((m) => m.ready, 'ready', 10_000);
    const program = programOf(ready.pids.main);

    // The watch, all along: its stream's rules checked as the events come.
    const watch = api.watchSockets({ backend: o.backend, protocols: ['tcp'], families: ['inet'] }, { intervalMs: o.backend === 'netlink' ? 200 : 500 });
    const present = new Set();
    const watched = (async () => {
      for await (const e of watch) {
        const key = api.socketKey(e.kind, e.socket);
        if (e.type === 'added') {
          if (present.has(key)) failures.watch.push(`added twice: ${key}`);
          present.add(key);
        } else if (e.type === 'removed') {
          if (!present.delete(key)) failures.watch.push(`removed without added: ${key}`);
        } else if (!present.has(key)) {
          failures.watch.push(`changed while absent: ${key}`);
        }
      }
    })().catch((error) => failures.watch.push(`ended with ${error.code ?? ''} ${error.stack}`));

    load.stdin.write('go\n');
    const loadEnded = waitFor((m) => m.done, 'the end of the load', (o.seconds + 60) * 1000).finally(() => (loadDone = true));

    const cliRuns = [
      { source: 'ours -tanp', argv: [process.execPath, CLI, '-tanp'], list: true, owners: true },
      { source: 'ours -anp', argv: [process.execPath, CLI, '-anp'], list: true, owners: true },
      { source: 'ours -s', argv: [process.execPath, CLI, '-s'], list: false },
      ...(nobodyCan ? [{ source: 'ours -tanp as uid 65534', argv: [...NOBODY, process.execPath, CLI, '-tanp'], list: true, owners: false, nobody: true }] : []),
      ...(o.reference ? [{ source: 'net-tools -tanp', argv: [REFERENCE, '-tanp'], list: true, owners: true, reference: true }] : []),
      ...(o.reference && nobodyCan ? [{ source: 'net-tools -tanp as uid 65534', argv: [...NOBODY, REFERENCE, '-tanp'], list: true, owners: false, nobody: true, reference: true }] : []),
    ];
    const cliLoop = (async () => {
      for (let i = 0; !loadDone; i++) {
        const c = cliRuns[i % cliRuns.length];
        const r = await runCommand(c.argv, env);
        others.add(r.pid);
        figures[c.reference ? 'referenceRuns' : 'cliRuns']++;
        if (r.hung) failures.hangs.push(`${c.source}: still running after ${HANG_MS} ms`);
        const allowed = r.stderr === '' || (c.nobody && NOTICES.has(r.stderr));
        if (!allowed) failures.stderr.push(`${c.source}: ${JSON.stringify(r.stderr.slice(0, 2000))}`);
        if (r.status !== 0) failures.status.push(`${c.source}: status ${r.status}, signal ${r.signal}`);
        if (!c.list) {
          if (!r.stdout.includes('Tcp:')) failures.status.push(`${c.source}: no Tcp: section in ${JSON.stringify(r.stdout.slice(0, 200))}`);
          continue;
        }
        const { rows, unreadable } = rowsOfCliText(r.stdout);
        for (const line of unreadable) failures.unreadable.push(`${c.source}: ${JSON.stringify(line)}`);
        listings.push({ source: c.source, start: r.start, end: r.end, rows, duplicates: duplicateKeys(rows), owners: c.owners, reference: c.reference === true });
      }
    })();

    const query = { backend: o.backend, owners: true };
    const countQuery = { backend: o.backend, protocols: ['tcp'] };
    const by = { by: ['state', 'pid'] };
    const calls = [
      ['listSockets', async () => ({ list: await api.listSockets(query) })],
      ['countSockets', async () => ({ count: await api.countSockets(countQuery, by) })],
      ['listSocketsSync', async () => ({ list: api.listSocketsSync(query) })],
      ['countSocketsSync', async () => ({ count: api.countSocketsSync(countQuery, by) })],
    ];
    const libraryLoop = (async () => {
      for (let i = 0; !loadDone; i++) {
        const [source, call] = calls[i % calls.length];
        const start = Date.now();
        try {
          const { list, count } = await call();
          const end = Date.now();
          figures.libraryCalls++;
          if (list !== undefined) {
            const rows = rowsOfList(list, api.socketKey);
            listings.push({ source, start, end, rows, duplicates: duplicateKeys(rows), owners: true, reference: false });
          } else {
            counts.push({ source, start, end, groups: count.groups });
          }
        } catch (error) {
          failures.libraryErrors.push(`${source}: ${error && error.code} ${error && error.stack}`);
        }
        await sleep(0); // let the CLI loop's output in between two sync calls
      }
    })();

    const done = await loadEnded;
    await Promise.all([cliLoop, libraryLoop]);
    const watchStats = { ...watch.stats };
    await watch.close();
    await watched;

    // Judge every listing by what the load said it did.
    const story = loadStory(messages);
    story.others = others;
    const problems = { duplicates: [], lost: [], wrongOwner: [], counts: [] };
    const reference = { listings: 0, withDuplicates: 0, duplicateRows: 0, lost: 0, wrongOwner: 0, examples: [] };
    let expectations = 0;
    for (const listing of listings) {
      const { problems: p, expected } = checkListing(story, listing, program);
      if (listing.reference) {
        reference.listings++;
        if (listing.duplicates.length > 0) reference.withDuplicates++;
        reference.duplicateRows += listing.duplicates.reduce((n, d) => n + d.times - 1, 0);
        reference.lost += p.lost.length;
        reference.wrongOwner += p.wrongOwner.length;
        reference.examples.push(...[...p.duplicates, ...p.lost, ...p.wrongOwner].slice(0, 3 - reference.examples.length));
        continue;
      }
      expectations += expected;
      for (const k of ['duplicates', 'lost', 'wrongOwner']) problems[k].push(...p[k]);
    }
    for (const count of counts) {
      const { problems: p, expected } = checkCount(story, count);
      expectations += expected;
      problems.counts.push(...p);
    }
    if (loadStderr !== '') failures.status.push(`load: ${loadStderr}`);

    const all = { ...problems, ...failures };
    return {
      backend: o.backend,
      seconds: o.seconds,
      rateTarget: o.rate,
      connections: done.made,
      connectFailures: done.failures,
      rateAchieved: Math.round(done.made / done.seconds),
      longLived: story.longs.size,
      holders: story.holders.length,
      listings: listings.filter((l) => !l.reference).length,
      counts: counts.length,
      ...figures,
      expectations,
      watch: watchStats,
      nobodyRuns: nobodyCan,
      reference,
      problemCount: Object.values(all).reduce((n, list) => n + list.length, 0),
      problems: Object.fromEntries(Object.entries(all).map(([k, list]) => [k, { count: list.length, examples: list.slice(0, 10) }])),
    };
  } finally {
    load.stdin.end();
    await Promise.race([new Promise((resolve) => load.once('exit', resolve)), sleep(5000)]);
    if (load.exitCode === null && load.signalCode === null) load.kill('SIGKILL');
  }
}

function report(r) {
  const lines = [
    `stress (${r.backend}, ${r.seconds} s): ${r.connections} connections (${r.rateAchieved}/s of ${r.rateTarget}/s, ${r.connectFailures} failed), ${r.longLived} long-lived, ${r.holders} holder processes`,
    `  ${r.listings} listings (${r.cliRuns} CLI runs, ${r.libraryCalls} library calls, ${r.counts} of them counts), ${r.expectations} expectations checked`,
    `  watch: ${r.watch.dumps} dumps, ${r.watch.notifications} notifications, ${r.watch.overflows} overflows`,
    `  net-tools: ${r.reference.listings} listings, ${r.reference.withDuplicates} with duplicates (${r.reference.duplicateRows} duplicate rows), ${r.reference.lost} sockets lost or without owner, ${r.reference.wrongOwner} wrong owners`,
    ...r.reference.examples.map((e) => `    net-tools: ${e}`),
    `  problems: ${r.problemCount}${r.nobodyRuns ? '' : ' (the uid 65534 runs were left out: the checkout is not readable by uid 65534)'}`,
  ];
  for (const [k, { count, examples }] of Object.entries(r.problems)) {
    if (count === 0) continue;
    lines.push(`  ${k}: ${count}`, ...examples.map((e) => `    ${e}`));
  }
  return `${lines.join('\n')}\n`;
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  // Private network and PID namespaces with a /proc of their own, and (--ehash) a TCP table of their own.
  if (!o.inside) return rerunIsolated('stress.js', __filename, [...argv, '--inside'], { net: true, pid: true, mountProc: true, tcpHash: o.ehash });
  const r = await inside(o);
  process.stdout.write(o.json ? `${JSON.stringify(r)}\n` : report(r));
  process.exitCode = r.problemCount === 0 ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`stress.js: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
