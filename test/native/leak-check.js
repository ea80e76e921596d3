#!/usr/bin/env node
'use strict';
// Leak check of the native engine: runs 1,000 rounds of every entry point
// (TCP/UDP/UNIX dumps sync and async, with and without a bytecode filter and
// a cancel flag, in the caller's namespace and through a namespace file,
// owner scans sync and async, whole and PID-restricted, by /proc and by the
// BPF iterator, recorded dump decoding, rtnetlink dumps, interface ioctls,
// destroy watches created and closed, with and without a batch delivered,
// and the error paths: kernel refusals, rejected bytecode, cancellation,
// namespace files that cannot be opened or entered, usage errors) under
// valgrind, and
// fails if valgrind finds memory *definitely lost* from a stack through the
// addon (netstat_native.node). Node's own startup allocations are not ours
// and are ignored; an addon leak grows with the rounds and shows up by name.
//
//   node test/native/leak-check.js [ROUNDS]     (default 1000; needs valgrind and a built addon)
const { spawnSync } = require('node:child_process');
const dgram = require('node:dgram');
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
  // Our own namespace through its file: the dump's socket is made on a thread
  // of its own after setns(2), which needs CAP_SYS_ADMIN (else EPERM, also an
  // error path worth running).
  const ownNetns = '/proc/self/ns/net';
  const notNetns = '/proc/self/ns/uts'; // EINVAL (root) or EPERM from setns
  const noNetns = '/nonexistent/netns'; // ENOENT from open
  // A destroy watch that sees one batch: a UDP socket closed while it runs.
  const watchOneBatch = async () => {
    let delivered;
    const batch = new Promise((resolve) => (delivered = resolve));
    const watch = binding.watchDestroyed(null, (cookies, overflow, error) => delivered({ cookies, overflow, error }));
    const socket = dgram.createSocket('udp4');
    await new Promise((resolve) => socket.bind(0, '127.0.0.1', resolve));
    socket.close();
    await batch;
    watch.close();
  };
  for (let i = 0; i < rounds; i++) {
    binding.dumpInet(2, 6, 0x1ffe, true, null, null, null);
    binding.dumpInet(10, 17, 0x1ffe, false, null, null, go);
    binding.dumpInet(2, 6, 0x1ffe, false, bytecode, null, null);
    binding.dumpUnix(null, null);
    binding.dumpInetCompact(2, 6, 0x1ffe, bytecode, null, go);
    await binding.dumpInetCompactAsync(10, 17, 0x1ffe, null, null, null);
    swallow(() => binding.dumpInetCompact(2, 6, 0x1ffe, badBytecode, null, null)); // EINVAL
    await binding.dumpInetCompactAsync(2, 6, 0x1ffe, null, null, stop).catch(() => undefined); // ECANCELED
    await binding.dumpInetAsync(10, 6, 0x1ffe, false, null, null, null);
    binding.dumpInetBoth(6, 0x1ffe, true, bytecode, null, go);
    await binding.dumpInetBothAsync(6, 0x1ffe, false, null, ownNetns, null);
    swallow(() => binding.dumpInetBoth(6, 0x1ffe, false, badBytecode, null, null)); // EINVAL
    swallow(() => binding.dumpInetBoth(17, 0x1ffe, false, null, null, null)); // TypeError: only TCP
    await binding.dumpInetBothAsync(6, 0x1ffe, false, null, null, stop).catch(() => undefined); // ECANCELED
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, bytecode, null, go);
    await binding.dumpUnixAsync(null, go);
    binding.scanOwners('/proc', null, 2, null, null);
    binding.scanOwners('/proc', new Float64Array([1, 2, 3]), 1, null, go);
    binding.scanOwners('/proc', null, 2, pids, null);
    await binding.scanOwnersAsync('/proc', null, 2, null, null);
    await binding.scanOwnersAsync('/proc', null, 1, pids, go);
    // The BPF walk (as root: forced; else it gives way to /proc) and its refusals.
    const root = process.getuid() === 0;
    swallow(() => binding.scanOwnersBpf('/proc', null, 2, null, null, root));
    swallow(() => binding.scanOwnersBpf('/proc', new Float64Array([1, 2, 3]), 2, pids, go, root));
    await binding.scanOwnersBpfAsync('/proc', null, 2, pids, null, root).catch(() => undefined);
    binding.scanOwnersBpf(FIXTURES, null, 1, null, null, false); // not a proc file system: /proc walk
    swallow(() => binding.scanOwnersBpf(FIXTURES, null, 1, null, null, true)); // EXDEV
    swallow(() => binding.scanOwnersBpf('/proc', null, 2, null, stop, true)); // ECANCELED
    binding.decodeInet(tcp);
    binding.decodeUnix(unix);
    binding.recordUnix(null, null);
    binding.recordInet(2, 6, 0x1ffe, false, bytecode, null, go);
    binding.dumpRoute(18, 0); // RTM_GETLINK
    binding.dumpRoute(22, 2); // RTM_GETADDR, AF_INET
    binding.readInterfaces(['lo', 'no-such-dev', 'a-name-longer-than-15-bytes']); // SIOCGIF* ioctls: ENODEV rows, a cut name
    swallow(() => binding.readInterfaces(['lo', 7])); // TypeError
    swallow(() => binding.decodeInet(tcp.subarray(0, tcp.length - 20))); // EBADMSG
    swallow(() => binding.dumpInet(99, 6, 0x1ffe, false, null, null, null)); // kernel refusal
    swallow(() => binding.dumpInet(2, 255, 0x1ffe, false, null, null, null)); // ENOENT without raw_diag
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, badBytecode, null, null)); // EINVAL: the kernel's bytecode audit
    swallow(() => binding.dumpUnix(null, stop)); // ECANCELED
    swallow(() => binding.scanOwners('/proc', null, 2, null, stop)); // ECANCELED
    await binding.dumpInetAsync(99, 6, 0, false, null, null, null).catch(() => undefined);
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, badBytecode, null, go).catch(() => undefined);
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, bytecode, null, stop).catch(() => undefined);
    await binding.dumpUnixAsync(null, stop).catch(() => undefined);
    await binding.scanOwnersAsync('/proc', null, 2, pids, stop).catch(() => undefined);
    swallow(() => binding.dumpInet('x'));
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, null, null, new Int32Array(1))); // TypeError: not shared
    // Network namespace files.
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, true, null, ownNetns, null));
    swallow(() => binding.dumpInetCompact(10, 17, 0x1ffe, bytecode, ownNetns, go));
    swallow(() => binding.dumpUnix(ownNetns, null));
    swallow(() => binding.recordInet(2, 17, 0x1ffe, false, null, ownNetns, null));
    swallow(() => binding.recordUnix(ownNetns, go));
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, bytecode, ownNetns, go).catch(() => undefined);
    await binding.dumpInetCompactAsync(2, 6, 0x1ffe, null, ownNetns, null).catch(() => undefined);
    await binding.dumpUnixAsync(ownNetns, null).catch(() => undefined);
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, null, noNetns, null)); // ENOENT: open
    swallow(() => binding.dumpUnix(notNetns, null)); // EINVAL/EPERM: setns
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, null, ownNetns, stop)); // ECANCELED before the namespace is entered
    await binding.dumpInetAsync(2, 6, 0x1ffe, false, null, notNetns, null).catch(() => undefined);
    await binding.dumpUnixAsync(noNetns, null).catch(() => undefined);
    swallow(() => binding.dumpInet(2, 6, 0x1ffe, false, null, 'a\0b', null)); // TypeError
    // Destroy watches: created and closed (twice), of a namespace file, refused, misused.
    const watch = binding.watchDestroyed(null, () => undefined);
    watch.close();
    watch.close();
    swallow(() => binding.watchDestroyed(ownNetns, () => undefined).close());
    swallow(() => binding.watchDestroyed(noNetns, () => undefined)); // ENOENT
    swallow(() => binding.watchDestroyed(notNetns, () => undefined)); // EINVAL/EPERM
    swallow(() => binding.watchDestroyed(null, 'onBatch')); // TypeError
    const misused = binding.watchDestroyed(null, () => undefined);
    swallow(() => misused.close.call({})); // TypeError; the watch runs on
    misused.close();
    if (i % 10 === 0) await watchOneBatch();
  }
}

// A destroy watch's handle is an External whose N-API record Node frees when
// the handle is collected (not at exit): memory held until collection is not a
// leak, so once the workload is over (its suspended frame no longer holds the
// last handles) collect, and let the finalizers run (each deletes its watch).
// The child runs with --expose-gc.
async function collectGarbage() {
  for (let i = 0; i < 3 && typeof global.gc === 'function'; i++) {
    global.gc();
    await new Promise((resolve) => setImmediate(resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

function main() {
  const rounds = Number(process.argv[2] ?? 1000);
  if (process.env.NETSTAT_LEAK_CHILD === '1') {
    workload(rounds)
      .then(collectGarbage)
      .then(
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
    ['--leak-check=full', '--show-leak-kinds=definite', '--errors-for-leak-kinds=definite', '--num-callers=40', process.execPath, '--expose-gc', __filename, String(rounds)],
    { env: { ...process.env, NETSTAT_LEAK_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 28 },
  );
  if (!result.stdout.includes(`${DONE} ${rounds}`)) {
    console.error(result.stderr.slice(-4000));
    console.error(`leak-check: the workload did not complete (status ${result.status})`);
    process.exit(1);
  }
  // valgrind prints one record per leak: "N bytes in M blocks are definitely lost ..." then its stack.
  const records = result.stderr.split(/\n==\d+== \n/).filter((block) => /are definitely lost/.test(block));
  const ours = records.filter((block) => block.includes('netstat_native.node') || /\b(sock_diag|netlink|netns|destroy_monitor|proc_fds|binding)\.cc\b/.test(block));
  const summary = (result.stderr.match(/definitely lost: [^\n]*/) ?? ['definitely lost: 0 bytes'])[0];
  console.log(`leak-check: ${rounds} rounds under valgrind; whole process ${summary}; records through the addon: ${ours.length}`);
  if (ours.length > 0) {
    for (const block of ours) console.log(block);
    process.exit(1);
  }
}

main();
