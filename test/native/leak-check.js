#!/usr/bin/env node
'use strict';
// Leak check of the native engine: runs 1,000 rounds of every entry point
// (TCP/UDP/UNIX dumps sync and async, with and without a bytecode filter and
// a cancel flag, owner scans sync and async, whole and PID-restricted,
// recorded dump decoding, rtnetlink dumps, and the error paths: kernel
// refusals, rejected bytecode, cancellation, usage errors) under valgrind, and
// fails if valgrind finds memory *definitely lost* from a stack through the
// addon (netstat_native.node). Node's own startup allocations are not ours
// and are ignored; an addon leak grows with the rounds and shows up by name.
//
//   node test/native/leak-check.js [ROUNDS]     (default 1000; needs valgrind and a built addon)
const { spawnSync } = require('node:child_process');
const fs = require('node:fs');
const path = require('node:path');

const ADDON = path.join(__dirname, '../../build/Release/netstat_native.node');
const FIXTURES = path.join(__dirname, '../../fixtures/netlink');
const DONE = 'leak-check workload done:';

async function workload(rounds) {
  const binding = require(ADDON);
  const tcp = fs.readFileSync(path.join(FIXTURES, 'tcp4-all-info.bin'));
  const unix = fs.readFileSync(path.join(FIXTURES, 'unix.bin'));
  const swallow = (run) => {
    try {
      run();
    } catch {
      // error paths are part of the workload
    }
  };
  // A filter for source port 22 (INET_DIAG_BC_S_COND, AF_UNSPEC, any address),
  // an invalid filter (EINVAL), and the cancel flags (one set, one not).
  const bytecode = Buffer.from([7, 12, 16, 0, 0, 0, 0, 0, 22, 0, 0, 0]);
  const badBytecode = Buffer.from([0xff, 0, 0, 0]);
  const go = new Int32Array(new SharedArrayBuffer(4));
  const stop = new Int32Array(new SharedArrayBuffer(4));
  stop[0] = 1;
  const pids = new Int32Array([process.pid, 1, 0x7fffffff]);
  for (let i = 0; i < rounds; i++) {
    binding.dumpInet(2, 6, 0x1ffe, true, null, null);
    binding.dumpInet(10, 17, 0x1ffe, false, null, go);
    binding.dumpInet(2, 6, 0x1ffe, false, bytecode, null);
    binding.dumpUnix(null);
    binding.dumpInetCompact(2, 6, 0x1ffe, bytecode, go);
    await binding.dumpInetCompactAsync(10, 17, 0x1ffe, null, null);
    swallow(() => binding.dumpInetCompact(2, 6, 0x1ffe, badBytecode, null)); // EINVAL
    await binding.dumpInetCompactAsync(2, 6, 0x1ffe, null, stop).catch(() => undefined); // ECANCELED
    await binding.dumpInetAsync(10, 6, 0x1ffe, false, null, null);
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, bytecode, go);
    await binding.dumpUnixAsync(go);
    binding.scanOwners('/proc', null, 2, null, null);
    binding.scanOwners('/proc', new Float64Array([1, 2, 3]), 1, null, go);
    binding.scanOwners('/proc', null, 2, pids, null);
    await binding.scanOwnersAsync('/proc', null, 2, null, null);
    await binding.scanOwnersAsync('/proc', null, 1, pids, go);
    binding.decodeInet(tcp);
    binding.decodeUnix(unix);
    binding.recordUnix(null);
    binding.recordInet(2, 6, 0x1ffe, false, bytecode, go);
    binding.dumpRoute(18, 0); // RTM_GETLINK
    binding.dumpRoute(22, 2); // RTM_GETADDR, AF_INET
    swallow(() => binding.decodeInet(tcp.subarray(0, tcp.length - 20))); // EBADMSG
    swallow(() => binding.dumpInet(99, 6, 0x1ffe, false, null, null)); // kernel refusal
    swallow(() => binding.dumpInet(2, 255, 0x1ffe, false, null, null)); // ENOENT without raw_diag
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, badBytecode, null)); // EINVAL: the kernel's bytecode audit
    swallow(() => binding.dumpUnix(stop)); // ECANCELED
    swallow(() => binding.scanOwners('/proc', null, 2, null, stop)); // ECANCELED
    await binding.dumpInetAsync(99, 6, 0, false, null, null).catch(() => undefined);
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, badBytecode, go).catch(() => undefined);
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, bytecode, stop).catch(() => undefined);
    await binding.dumpUnixAsync(stop).catch(() => undefined);
    await binding.scanOwnersAsync('/proc', null, 2, pids, stop).catch(() => undefined);
    swallow(() => binding.dumpInet('x'));
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, null, new Int32Array(1))); // TypeError: not shared
  }
}

function main() {
  const rounds = Number(process.argv[2] ?? 1000);
  if (process.env.NETSTAT_LEAK_CHILD === '1') {
    workload(rounds).then(
      () => console.log(`${DONE} ${rounds}`),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
    return;
  }
  if (!fs.existsSync(ADDON)) {
    console.error('leak-check: the addon is not built (npm run build:native)');
    process.exit(2);
  }
  if (spawnSync('valgrind', ['--version']).status !== 0) {
    console.error('leak-check: valgrind is not installed');
    process.exit(2);
  }
  const result = spawnSync(
    'valgrind',
    ['--leak-check=full', '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite', '--num-callers=40', process.execPath, __filename, String(rounds)],
    { env: { ...process.env, NETSTAT_LEAK_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (!result.stdout.includes(`${DONE} ${rounds}`)) {
    console.error(result.stderr.slice(-4000));
    console.error(`leak-check: the workload did not complete (status ${result.status})`);
    process.exit(1);
  }
  // valgrind prints one record per leak: "N bytes in M blocks are definitely lost ..." then its stack.
  const records = result.stderr.split(/\n==\d+== \n/).filter((block) => /are definitely lost/.test(block));
  const ours = records.filter((block) => block.includes('netstat_native.node') || /\b(sock_diag|netlink|proc_fds|binding)\.cc\b/.test(block));
  const summary = (result.stderr.match(/definitely lost: [^\n]*/) ?? ['definitely lost: 0 bytes'])[0];
  console.log(`leak-check: ${rounds} rounds under valgrind; whole process ${summary}; records through the addon: ${ours.length}`);
  if (ours.length > 0) {
    for (const block of ours) console.log(block);
    process.exit(1);
  }
}

main();
