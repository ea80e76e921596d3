#!/usr/bin/env node
'use strict';
// The checker run by owners-bpf-scenario.py inside its namespace:
//   node owners-bpf-check.js ADDON static|churn LAST_STABLE_PID
// compares the addon's /proc walk (scanOwners, one thread: a deterministic
// early stop) with its BPF walk (scanOwnersBpf, forced and automatic, sync and
// async) over whole walks, `wanted` subsets and PID lists, and prints one
// JSON line: every case with whether the two agreed, plus facts about the
// scenario that the test checks it really holds. `churn`: rows of PIDs above
// LAST_STABLE_PID (processes born and dying meanwhile) are left out of the
// comparison, and each case runs several times.
const fs = require('node:fs');

const [addon, phase, lastStableText] = process.argv.slice(2);
const binding = require(addon);
const lastStable = Number(lastStableText);
const churn = phase === 'churn';

/** The fields both walks must agree on, rows as `pid inode program` texts. */
function comparable(packed) {
  const rows = [];
  for (let i = 0; i < packed.inodes.length; i++) {
    const pid = packed.pids[i];
    if (churn && pid > lastStable) continue;
    const start = packed.programOffsets[i];
    const program = packed.programs.subarray(start, start + packed.programLengths[i]).toString('latin1');
    rows.push(`${pid} ${packed.inodes[i]} ${program}`);
  }
  const facts = { rows, procUnreadable: packed.procUnreadable, denied: packed.denied, deniedPids: Array.from(packed.deniedPids ?? []) };
  // Under churn a process may vanish between the /proc walk's readdir and readlink: not comparable.
  if (!churn) facts.vanished = packed.vanished;
  return facts;
}

function firstDifference(a, b) {
  const x = JSON.stringify(a);
  const y = JSON.stringify(b);
  if (x === y) return undefined;
  const rows = a.rows.findIndex((row, i) => row !== b.rows[i]);
  return { procRows: a.rows.length, bpfRows: b.rows.length, at: rows, proc: a.rows.slice(Math.max(0, rows - 2), rows + 3), bpf: b.rows.slice(Math.max(0, rows - 2), rows + 3), procRest: { ...a, rows: undefined }, bpfRest: { ...b, rows: undefined } };
}

const f64 = (values) => (values === null ? null : Float64Array.from(values));
const i32 = (values) => (values === null ? null : Int32Array.from(values));

/** A deterministic pseudo-random subset (LCG), so a failure can be rerun. */
function subset(values, size, seed) {
  let state = seed;
  const pool = [...values];
  const out = [];
  while (out.length < size && pool.length > 0) {
    state = (state * 1103515245 + 12345) % 2147483648;
    out.push(pool.splice(state % pool.length, 1)[0]);
  }
  return out;
}

const whole = binding.scanOwners('/proc', null, 1, null, null);
const inodes = [...new Set(Array.from(whole.inodes))].filter((inode, i) => !churn || whole.pids[i] <= lastStable);
const stableInodes = [...new Set(Array.from(whole.inodes).filter((_, i) => whole.pids[i] <= (churn ? lastStable : Infinity)))];
const pidsInOrder = [...new Set(Array.from(whole.pids))].filter((pid) => !churn || pid <= lastStable);
const allPids = fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name)).map(Number);

const cases = [
  ['whole walk', null, null],
  ['wanted: every inode', inodes, null],
  ['wanted: the first row', [whole.inodes[0]], null],
  ['wanted: the last row', [whole.inodes[whole.inodes.length - 1]], null],
  ['wanted: 1 at random', subset(stableInodes, 1, 7), null],
  ['wanted: 5 at random', subset(stableInodes, 5, 11), null],
  ['wanted: 50 at random', subset(stableInodes, 50, 13), null],
  ['wanted: 500 at random', subset(stableInodes, 500, 17), null],
  ['wanted: none held', [1, 2, 3, 4294967295], null],
  ['wanted: empty', [], null],
  ['wanted: duplicates', [...subset(stableInodes, 3, 19), ...subset(stableInodes, 3, 19)], null],
  ['pids: every process, reversed', null, [...allPids].filter((pid) => !churn || pid <= lastStable).reverse()],
  ['pids: the holders in walk order', null, pidsInOrder],
  ['pids: duplicates, 0, -1, absent', null, [pidsInOrder[3], 0, -1, 999999, pidsInOrder[3], pidsInOrder[1], 4194305]],
  ['pids: one', null, [pidsInOrder[pidsInOrder.length - 1]]],
  ['pids: empty', null, []],
  ['pids and wanted', subset(stableInodes, 20, 23), [...pidsInOrder].reverse()],
];

const results = [];
const rounds = churn ? 5 : 1;
async function main() {
  for (let round = 0; round < rounds; round++) {
    for (const [name, wanted, pids] of cases) {
      const proc = comparable(binding.scanOwners('/proc', f64(wanted), 1, i32(pids), null));
      const variants = {
        forced: () => binding.scanOwnersBpf('/proc', f64(wanted), 2, i32(pids), null, true),
        'forced async': () => binding.scanOwnersBpfAsync('/proc', f64(wanted), 2, i32(pids), null, true),
        automatic: () => binding.scanOwnersBpf('/proc', f64(wanted), 2, i32(pids), null, false),
      };
      for (const [variant, run] of Object.entries(variants)) {
        let outcome;
        try {
          const packed = await run();
          const difference = firstDifference(proc, comparable(packed));
          outcome = { equal: difference === undefined, method: packed.method, reason: packed.methodReason, difference };
        } catch (err) {
          outcome = { equal: false, error: `${err.code} ${err.message}` };
        }
        results.push({ name: `${name} (${variant})`, round, ...outcome });
      }
    }
    // A PID list naming a thread: /proc/TID/fd is that thread's table, which the
    // iterator does not list, so the engine leaves the list to the /proc walk.
    const thread = threadIds()[0];
    if (thread !== undefined) {
      const pids = Int32Array.from([pidsInOrder[0], thread]);
      const proc = comparable(binding.scanOwners('/proc', null, 1, pids, null));
      const auto = binding.scanOwnersBpf('/proc', null, 2, pids, null, false);
      results.push({ name: 'pids: a thread (automatic)', round, equal: firstDifference(proc, comparable(auto)) === undefined && auto.method === 'proc', method: auto.method, reason: auto.methodReason });
      let refused;
      try {
        binding.scanOwnersBpf('/proc', null, 2, pids, null, true);
      } catch (err) {
        refused = `${err.code} ${err.message}`;
      }
      results.push({ name: 'pids: a thread (forced)', round, equal: /^EINVAL PID \d+ is a thread of process \d+/.test(refused ?? ''), error: refused });
    }
    // The /proc walk on two threads gives the same whole walk.
    const two = comparable(binding.scanOwners('/proc', null, 2, null, null));
    const bpf = comparable(binding.scanOwnersBpf('/proc', null, 2, null, null, true));
    results.push({ name: 'whole walk, /proc on two threads', round, equal: firstDifference(two, bpf) === undefined, difference: firstDifference(two, bpf) });
  }
  process.stdout.write(`${JSON.stringify({ phase, results, facts: churn ? {} : facts() })}\n`);
}

/** Threads that are not their process's leader (each has a /proc/TID of its own, not listed). */
function threadIds() {
  return allPids.filter((pid) => !churn || pid <= lastStable).flatMap((pid) => {
    try {
      return fs.readdirSync(`/proc/${pid}/task`).filter((tid) => tid !== String(pid)).map(Number);
    } catch {
      return [];
    }
  });
}

/** What the scenario holds, seen through /proc directly (for the test to check it holds what it says). */
function facts() {
  const socketOf = (link) => /^socket:\[(\d+)\]$/.exec(link)?.[1];
  const fdsOf = (dir) => {
    try {
      return fs.readdirSync(dir).map((fd) => ({ fd, link: fs.readlinkSync(`${dir}/${fd}`) }));
    } catch {
      return [];
    }
  };
  const threadOnly = [];
  const opathSockets = [];
  for (const pid of allPids) {
    const leader = new Set(fdsOf(`/proc/${pid}/fd`).map((e) => e.link));
    for (const tid of fs.readdirSync(`/proc/${pid}/task`)) {
      if (tid === String(pid)) continue;
      for (const { link } of fdsOf(`/proc/${pid}/task/${tid}/fd`)) if (socketOf(link) && !leader.has(link)) threadOnly.push(Number(socketOf(link)));
    }
    for (const { fd, link } of fdsOf(`/proc/${pid}/fd`)) {
      if (!link.startsWith('/')) continue;
      try {
        const stat = fs.statSync(`/proc/${pid}/fd/${fd}`);
        if (stat.isSocket()) opathSockets.push({ pid, inode: stat.ino });
      } catch {}
    }
  }
  const holders = new Map();
  const perProcess = new Map();
  for (let i = 0; i < whole.inodes.length; i++) {
    const inode = whole.inodes[i];
    holders.set(inode, new Set([...(holders.get(inode) ?? []), whole.pids[i]]));
    const key = `${whole.pids[i]} ${inode}`;
    perProcess.set(key, (perProcess.get(key) ?? 0) + 1);
  }
  const programs = new Set();
  for (let i = 0; i < whole.inodes.length; i++) {
    programs.add(whole.programs.subarray(whole.programOffsets[i], whole.programOffsets[i] + whole.programLengths[i]).toString());
  }
  const walked = new Set(Array.from(whole.inodes));
  const threads = threadIds().length;
  const zombies = allPids.filter((pid) => /^State:\s+Z/m.test(fs.readFileSync(`/proc/${pid}/status`, 'utf8')));
  return {
    rows: whole.inodes.length,
    processes: new Set(Array.from(whole.pids)).size,
    fds: allPids.reduce((n, pid) => n + fdsOf(`/proc/${pid}/fd`).length, 0),
    sharedInodes: [...holders.values()].filter((set) => set.size > 1).length,
    mostFdsForOneSocket: Math.max(...perProcess.values()),
    programs: [...programs].sort(),
    threadOnlySockets: threadOnly.length,
    threadOnlyWalked: threadOnly.filter((inode) => walked.has(inode)).length,
    opathSockets: opathSockets.length,
    opathWalked: opathSockets.filter(({ pid, inode }) => Array.from(whole.pids).some((p, i) => p === pid && whole.inodes[i] === inode)).length,
    threads,
    zombies: zombies.length,
    zombieRows: Array.from(whole.pids).filter((pid) => zombies.includes(pid)).length,
  };
}

main().catch((err) => {
  process.stdout.write(`${JSON.stringify({ phase, error: String(err?.stack ?? err) })}\n`);
});
