#!/usr/bin/env node
/**
 * Churn: watchSockets against loopback TCP connections opened and closed at a
 * high rate (test/scenario/churn-load.py), in a private network namespace, while long-lived
 * connections — opened at known times, each held for 3 intervals — must each
 * be reported exactly once added and once removed, per side.
 *
 *   node test/watch/churn.js [--rate 2000] [--seconds 10] [--backend netlink|procfs]
 *                            [--interval MS] [--long 200] [--workers N] [--ehash N] [--json]
 *
 * Needs root (it re-runs itself under `unshare -n`), python3 and dist/ built.
 * Prints the figures (connections made, events, overflows, the watcher's CPU
 * time from process.cpuUsage) and the rule violations found; exits 1 if any.
 * With --json, one JSON object on stdout instead (for churn.test.ts).
 *
 * --ehash N: give the namespace a TCP hash table of its own with N buckets
 * (net.ipv4.tcp_child_ehash_entries, set in an intermediate namespace; the
 * host is not touched; kernels before 6.1 lack the setting and share anyway). By default the namespace shares the host's table,
 * which every dump walks whole: with a large one, a dump costs tens of ms
 * even when the namespace is empty, and far more under load.
 *
 * Checked:
 * - over the whole stream: no key removed without a prior `added`, none
 *   added twice without a removal in between, none changed while absent;
 * - every long-lived connection: exactly one `added` and one `removed` per
 *   side (on /proc only the records with the socket's inode are its own:
 *   inode-0 records — not yet accepted, orphans, TIME_WAIT — are sockets of
 *   their own there). A connection that no dump could have caught (no dump
 *   ran wholly within its life, the dumps being slower than its hold) may
 *   instead have no events at all; how many could is reported;
 * - on netlink, the TIME_WAIT remnant of a long-lived client (it keeps the
 *   socket's cookie) is never reported after its removal (counted apart:
 *   `remnantReadds`), nor left reported as a change to TIME_WAIT after the
 *   kernel dropped notifications (`overflowRemnants`);
 * - the watch ends cleanly: no error, its thread gone, the process exits by itself.
 */
'use strict';
const { spawn, spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');
const readline = require('node:readline');
const { rerunIsolated } = require('../harness/isolate');

const repo = path.resolve(__dirname, '..', '..');

function parseArgs(argv) {
  const o = { rate: 2000, seconds: 10, backend: 'netlink', interval: undefined, long: 200, workers: undefined, ehash: 0, json: false, inNetns: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, inline] = argv[i].split('=', 2);
    const value = () => (inline !== undefined ? inline : argv[++i]);
    switch (flag) {
      case '--rate': o.rate = Number(value()); break;
      case '--seconds': o.seconds = Number(value()); break;
      case '--backend': o.backend = value(); break;
      case '--interval': o.interval = Number(value()); break;
      case '--long': o.long = Number(value()); break;
      case '--workers': o.workers = Number(value()); break;
      case '--ehash': o.ehash = Number(value()); break;
      case '--json': o.json = true; break;
      case '--in-netns': o.inNetns = true; break;
      default: throw new Error(`unknown argument ${argv[i]}`);
    }
  }
  // A dump costs tens of ms even in an empty namespace sharing a big host hash table,
  // and far more under load: the default intervals leave room for that.
  if (o.interval === undefined) o.interval = o.backend === 'procfs' ? 500 : 200;
  if (o.workers === undefined) o.workers = o.rate > 4000 ? 2 : 1;
  for (const k of ['rate', 'seconds', 'interval', 'workers']) if (!(o[k] > 0)) throw new Error(`--${k}: a positive number please`);
  if (!(Number.isInteger(o.long) && o.long >= 0 && o.long <= 12000)) throw new Error('--long: 0 to 12000 (their client ports are 20000 + i)');
  if (!(Number.isInteger(o.ehash) && o.ehash >= 0)) throw new Error('--ehash: a number of buckets (0: share the host table)');
  if (!['netlink', 'procfs'].includes(o.backend)) throw new Error('--backend: netlink or procfs');
  return o;
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A time limit that does not keep the process alive. */
const limit = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());
const tasks = () => fs.readdirSync('/proc/self/task').length;

/** Outside: run this script again in a private network namespace (--ehash: with a TCP table of its own), passing its output through. */
function reexec(o, argv) {
  rerunIsolated('churn.js', __filename, [...argv, '--in-netns'], { net: true, tcpHash: o.ehash });
}

async function inside(o) {
  const up = spawnSync('ip', ['link', 'set', 'lo', 'up'], { encoding: 'utf8' });
  if (up.status !== 0) throw new Error(`ip link set lo up: ${up.stderr}`);
  // Negative: the table is the host's, shared (see --ehash).
  const ehashBuckets = Number(fs.readFileSync('/proc/sys/net/ipv4/tcp_ehash_entries', 'utf8').trim());
  const { listSockets, socketKey, watchSockets } = require(path.join(repo, 'dist', 'index.js'));
  const query = { backend: o.backend, protocols: ['tcp'], families: ['inet'] };
  const holdMs = 3 * o.interval;

  const loadArgs = ['--rate', o.rate, '--seconds', o.seconds, '--long', o.long, '--hold', holdMs, '--workers', o.workers].map(String);
  const load = spawn('python3', [path.join(repo, 'test', 'scenario', 'churn-load.py'), ...loadArgs], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  const loadExited = new Promise((resolve) => load.on('exit', (code, signal) => resolve({ code, signal })));
  const lines = readline.createInterface({ input: load.stdout });
  const messages = [];
  lines.on('line', (line) => messages.push(JSON.parse(line)));
  const message = async (test, what, ms) => {
    const deadline = Date.now() + ms;
    for (;;) {
      const found = messages.find(test);
      if (found !== undefined) return found;
      if (Date.now() > deadline) throw new Error(`load: no ${what} within ${ms} ms`);
      await sleep(20);
    }
  };
  try {
    const ready = await message((m) => m.ready, 'ready', 10_000);

    await listSockets(query);
    await sleep(20);
    const baselineTasks = tasks();

    // The watch, with the stream's rules checked as the events come.
    const present = new Set();
    const violations = [];
    const counts = { added: 0, removed: 0, changed: 0, destroyed: 0, gone: 0 };
    const longEvents = []; // events of the long-lived connections' sockets
    const watch = watchSockets(query, { intervalMs: o.interval });
    const cpuStart = process.cpuUsage();
    const wallStart = Date.now();
    const consumed = (async () => {
      for await (const e of watch) {
        const key = socketKey(e.kind, e.socket);
        const s = e.socket;
        counts[e.type]++;
        if (e.type === 'removed') counts[e.reason]++;
        const what = () => `${key} ${s.localPort}->${s.remotePort} ${s.stateName}`;
        if (e.type === 'added') {
          if (present.has(key)) violations.push(`added twice: ${what()}`);
          present.add(key);
        } else if (e.type === 'removed') {
          if (!present.has(key)) violations.push(`removed without added: ${what()} (${e.reason})`);
          present.delete(key);
        } else if (!present.has(key)) {
          violations.push(`changed while absent: ${what()}`);
        }
        if (s.localPort === ready.longPort || s.remotePort === ready.longPort) {
          longEvents.push({ type: e.type, reason: e.reason, key, localPort: s.localPort, remotePort: s.remotePort, inode: s.inode, state: s.stateName });
        }
      }
    })();
    // When each dump was applied (polled): whether a long-lived connection could be missed.
    const applied = [];
    const poll = setInterval(() => {
      while (applied.length < watch.stats.dumps) applied.push(Date.now());
    }, 5);
    while (watch.stats.dumps === 0) await sleep(5);
    load.stdin.write('go\n');

    const done = await message((m) => m.done, 'the end of the load', (o.seconds + 60) * 1000);
    // Every long-lived connection is closed by now: let the dumps catch up.
    await sleep(holdMs + 4 * o.interval);
    const duringTasks = tasks();
    clearInterval(poll);
    const stats = { ...watch.stats };
    await watch.close();
    let ended = 'ok';
    await consumed.catch((error) => (ended = `${error.code ?? ''} ${error.message}`));
    const cpu = process.cpuUsage(cpuStart);
    const wallMs = Date.now() - wallStart;
    await sleep(50);
    const afterTasks = tasks();
    const gaps = applied.slice(1).map((t, i) => t - applied[i]);

    // The long-lived connections, side by side.
    const opened = new Map(messages.filter((m) => m.open !== undefined).map((m) => [m.open, m.t]));
    const closed = new Map(messages.filter((m) => m.close !== undefined).map((m) => [m.close, m.t]));
    const longProblems = [];
    const remnantReadds = [];
    const overflowRemnants = [];
    let catchable = 0;
    let missedUncatchable = 0;
    const bySide = new Map();
    for (const e of longEvents) {
      if (o.backend === 'procfs' && e.inode === 0) continue;
      const id = `${e.localPort}>${e.remotePort}`;
      if (!bySide.has(id)) bySide.set(id, []);
      bySide.get(id).push(e);
    }
    for (const [port, openedAt] of opened) {
      const closedAt = closed.get(port);
      // Some dump ran wholly within its life: dump k+1 starts after dump k was applied.
      const mustSee = closedAt !== undefined && applied.some((a, k) => a >= openedAt && k + 1 < applied.length && applied[k + 1] <= closedAt);
      if (mustSee) catchable++;
      for (const [side, lp, rp] of [['client', port, ready.longPort], ['server', ready.longPort, port]]) {
        const mine = bySide.get(`${lp}>${rp}`) ?? [];
        const text = () => mine.map((e) => `${e.type}${e.reason ? `/${e.reason}` : ''}:${e.state}:${e.key}`).join(', ') || 'no events';
        // The netlink remnant pattern: the client removed, then its TIME_WAIT (same cookie) added.
        if (o.backend === 'netlink' && mine.length >= 3 && mine[0].type === 'added') {
          const removedAt = mine.findIndex((e) => e.type === 'removed');
          const again = mine.slice(removedAt + 1);
          if (removedAt > 0 && again.length > 0 && again[0].type === 'added' && again[0].state === 'TIME_WAIT' && again.every((e) => e.key === mine[0].key)) {
            remnantReadds.push(`${side} of ${port}: ${text()}`);
            continue;
          }
        }
        // After dropped notifications (ENOBUFS), the resynchronising dump finds the client's
        // TIME_WAIT remnant under the socket's cookie: a change, its removal only when it ends.
        if (o.backend === 'netlink' && stats.overflows > 0 && mine.length >= 2 && mine[0].type === 'added' && mine[0].state !== 'TIME_WAIT'
          && mine.slice(1).every((e) => e.type === 'changed' && e.key === mine[0].key) && mine[mine.length - 1].state === 'TIME_WAIT') {
          overflowRemnants.push(`${side} of ${port}: ${text()}`);
          continue;
        }
        const keys = new Set(mine.map((e) => e.key));
        const added = mine.filter((e) => e.type === 'added').length;
        const removed = mine.filter((e) => e.type === 'removed').length;
        const once = keys.size === 1 && added === 1 && removed === 1 && mine[0].type === 'added' && mine[mine.length - 1].type === 'removed';
        if (once) continue;
        if (mine.length === 0 && !mustSee) {
          missedUncatchable++;
          continue;
        }
        longProblems.push(`${side} of ${port}${mustSee ? '' : ' (no dump wholly within its life)'}: ${text()}`);
      }
    }

    return {
      backend: o.backend,
      intervalMs: o.interval,
      ehashBuckets,
      rateTarget: o.rate,
      seconds: o.seconds,
      connections: done.made,
      connectFailures: done.failures,
      rateAchieved: Math.round(done.made / done.seconds),
      longLived: opened.size,
      longClosed: closed.size,
      longCatchable: catchable,
      longMissedUncatchable: missedUncatchable,
      events: counts,
      dumps: stats.dumps,
      maxDumpGapMs: gaps.length === 0 ? 0 : Math.max(...gaps),
      notifications: stats.notifications,
      overflows: stats.overflows,
      notified: stats.notified,
      watcherCpuMs: Math.round((cpu.user + cpu.system) / 1000),
      watcherCpuUserMs: Math.round(cpu.user / 1000),
      watcherCpuSystemMs: Math.round(cpu.system / 1000),
      wallMs,
      tasks: { baseline: baselineTasks, during: duringTasks, after: afterTasks },
      ended,
      violations: violations.slice(0, 50),
      violationCount: violations.length,
      longProblems: longProblems.slice(0, 50),
      longProblemCount: longProblems.length,
      remnantReadds: remnantReadds.slice(0, 20),
      remnantReaddCount: remnantReadds.length,
      overflowRemnants: overflowRemnants.slice(0, 20),
      overflowRemnantCount: overflowRemnants.length,
    };
  } finally {
    load.stdin.end();
    const exited = await Promise.race([loadExited, limit(5000).then(() => undefined)]);
    if (exited === undefined && load.pid !== undefined) load.kill('SIGKILL');
  }
}

function report(r) {
  const share = ((r.watcherCpuMs / r.wallMs) * 100).toFixed(1);
  const lines = [
    `churn (${r.backend}, interval ${r.intervalMs} ms, target ${r.rateTarget}/s for ${r.seconds} s, TCP hash: ${r.ehashBuckets < 0 ? `the host's, ${-r.ehashBuckets}` : `its own, ${r.ehashBuckets}`} buckets)`,
    `  connections made: ${r.connections} (${r.rateAchieved}/s achieved, ${r.connectFailures} failed connects)`,
    `  long-lived: ${r.longLived} opened, ${r.longClosed} closed, each held ${3 * r.intervalMs} ms; ${r.longCatchable} had a dump wholly within their life, ${r.longMissedUncatchable} sides unseen without one`,
    `  events: ${r.events.added} added, ${r.events.removed} removed (${r.events.destroyed} destroyed, ${r.events.gone} gone), ${r.events.changed} changed`,
    `  dumps: ${r.dumps} (longest gap between two: ${r.maxDumpGapMs} ms); notifications: ${r.notifications}; overflows: ${r.overflows}; notified: ${r.notified}`,
    `  watcher CPU: ${r.watcherCpuMs} ms (user ${r.watcherCpuUserMs}, system ${r.watcherCpuSystemMs}) over ${r.wallMs} ms = ${share}% of a core`,
    `  threads: baseline ${r.tasks.baseline}, watching ${r.tasks.during}, after ${r.tasks.after}; watch ended: ${r.ended}`,
    `  rule violations: ${r.violationCount}; long-lived problems: ${r.longProblemCount}`,
    `  TIME_WAIT remnants re-added after their removal: ${r.remnantReaddCount}; left as "changed to TIME_WAIT" after an overflow: ${r.overflowRemnantCount}`,
    ...r.violations.slice(0, 10).map((v) => `    ${v}`),
    ...r.longProblems.slice(0, 10).map((v) => `    ${v}`),
    ...r.remnantReadds.slice(0, 5).map((v) => `    re-added remnant: ${v}`),
    ...r.overflowRemnants.slice(0, 5).map((v) => `    after overflow: ${v}`),
  ];
  return `${lines.join('\n')}\n`;
}

async function main() {
  const argv = process.argv.slice(2);
  const o = parseArgs(argv);
  if (!o.inNetns) return reexec(o, argv);
  const r = await inside(o);
  process.stdout.write(o.json ? `${JSON.stringify({ ...r, endedAt: Date.now() })}\n` : report(r));
  const clean = r.violationCount === 0 && r.longProblemCount === 0 && r.remnantReaddCount === 0 && r.overflowRemnantCount === 0 && r.ended === 'ok' && r.tasks.after <= r.tasks.baseline;
  process.exitCode = clean ? 0 : 1;
}

main().catch((error) => {
  process.stderr.write(`churn.js: ${error && error.stack ? error.stack : String(error)}\n`);
  process.exitCode = 1;
});
