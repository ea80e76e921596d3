/**
 * The native engine's query helpers (layout 2): inet_diag bytecode filters
 * (INET_DIAG_REQ_BYTECODE), the shared cancel flag, and the PID-restricted
 * fd walk. Called on the binding directly, not through the backends.
 *
 * Most checks need no privilege (sock_diag dumps of this process's own
 * sockets, fixture proc trees); the exact bytecode check runs in a private
 * network namespace holding nothing but two listeners, as root, and is
 * skipped with the reason printed otherwise.
 */
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_STRIDE, INET_STRIDE, InetField, type NativeBinding, type PackedOwners, loadNative } from '../../src/native';
import { isolated, runCommand } from '../harness/commands';
import { ADDON_PATH, namespaceUnavailable } from './netns';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`native query tests skipped: ${missing}`);
const noNamespace = missing ?? namespaceUnavailable();
if (noNamespace !== undefined) console.warn(`native bytecode test in a private namespace skipped: ${noNamespace}`);

const AF_INET = 2;
const IPPROTO_TCP = 6;
const LISTEN_ONLY = 1 << 10;
const ALL_TCP_STATES = 0x1ffe;
const ECANCELED = os.constants.errno.ECANCELED;
const FIXTURE_OWNERS = path.join(__dirname, '../../fixtures/proc/owners');

/**
 * One INET_DIAG_BC_S_COND op: accept (jump to the end, yes = 12) a socket
 * whose source port is `port`, any family and address (AF_UNSPEC, prefix 0);
 * reject (jump past the end, no = 16) any other. struct inet_diag_bc_op
 * {u8 code, u8 yes, u16 no} then struct inet_diag_hostcond {u8 family,
 * u8 prefix_len, (2 bytes padding), int port}, host byte order.
 */
function sourcePortFilter(port: number): Uint8Array {
  const bytes = Buffer.alloc(12);
  bytes.writeUInt8(7, 0); // INET_DIAG_BC_S_COND
  bytes.writeUInt8(12, 1);
  bytes.writeUInt16LE(16, 2);
  bytes.writeUInt8(0, 4); // AF_UNSPEC
  bytes.writeUInt8(0, 5); // prefix_len
  bytes.writeInt32LE(port, 8);
  return bytes;
}

/** A cancel flag as the library creates it; `set` raises it beforehand. */
function cancelFlag(set = false): Int32Array {
  const flag = new Int32Array(new SharedArrayBuffer(4));
  if (set) Atomics.store(flag, 0, 1);
  return flag;
}

function rows(fields: Uint32Array): Array<{ port: number; inode: number; state: number }> {
  const out = [];
  for (let at = 0; at < fields.length; at += INET_STRIDE) {
    out.push({ port: fields[at + InetField.Ports]! >>> 16, inode: fields[at + InetField.Inode]!, state: fields[at + InetField.State]! });
  }
  return out;
}

/** The owner rows as [pid, inode] pairs, in walk order. */
function pairs(scan: PackedOwners): Array<[number, number]> {
  return Array.from(scan.pids, (pid, i) => [pid, scan.inodes[i]!]);
}

async function settle<T>(promise: Promise<T>): Promise<unknown> {
  return promise.then(
    () => 'resolved',
    (err: unknown) => err,
  );
}

const cancelled = (syscall: string) => expect.objectContaining({ code: 'ECANCELED', errno: ECANCELED, syscall });

describe.skipIf(missing !== undefined)('native query helpers', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  const servers: net.Server[] = [];
  let ports: number[] = [];

  beforeAll(async () => {
    for (let i = 0; i < 2; i++) {
      const server = net.createServer();
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      servers.push(server);
    }
    ports = servers.map((s) => (s.address() as net.AddressInfo).port);
  });
  afterAll(async () => {
    for (const server of servers) await new Promise((resolve) => server.close(resolve));
  });

  describe('compact rows', () => {
    it('hold the full dump\'s state, local port, uid, inode, queues and cgroup, row for row; bytecode and cancel apply', async () => {
      const full = binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, null);
      const expected: number[][] = [];
      for (let o = 0; o < full.fields.length; o += INET_STRIDE) {
        const f = full.fields;
        expected.push([
          f[o + InetField.State]!,
          f[o + InetField.Ports]! >>> 16,
          f[o + InetField.Uid]!,
          f[o + InetField.Inode]!,
          f[o + InetField.RecvQueue]!,
          f[o + InetField.SendQueue]!,
          f[o + InetField.CgroupLow]!,
          f[o + InetField.CgroupHigh]!,
        ]);
      }
      const rows = (fields: Uint32Array) => Array.from({ length: fields.length / COMPACT_STRIDE }, (_, i) => Array.from(fields.subarray(i * COMPACT_STRIDE, (i + 1) * COMPACT_STRIDE)));
      const compact = binding.dumpInetCompact(AF_INET, IPPROTO_TCP, LISTEN_ONLY, null, null, null);
      expect(rows(compact.fields)).toEqual(expected);
      expect(rows((await binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, null, null, null)).fields)).toEqual(expected);
      expect(expected.some((row) => row[1] === ports[0])).toBe(true);
      // S_COND on the first listener's port: only its row.
      const bytecode = new Uint8Array(12);
      const view = new DataView(bytecode.buffer);
      view.setUint8(0, 7); // INET_DIAG_BC_S_COND
      view.setUint8(1, 12);
      view.setUint16(2, 16, true);
      view.setUint8(4, 0); // AF_UNSPEC
      view.setUint8(5, 0);
      view.setInt32(8, ports[0]!, true);
      expect(rows(binding.dumpInetCompact(AF_INET, IPPROTO_TCP, LISTEN_ONLY, bytecode, null, null).fields).map((r) => r[1])).toEqual([ports[0]]);
      const stop = new Int32Array(new SharedArrayBuffer(4));
      stop[0] = 1;
      expect(() => binding.dumpInetCompact(AF_INET, IPPROTO_TCP, ALL_TCP_STATES, null, null, stop)).toThrow(cancelled('recvmsg'));
      await expect(binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, ALL_TCP_STATES, null, null, stop)).rejects.toEqual(cancelled('recvmsg'));
    });
  });

  describe('bytecode', () => {
    it('a source-port filter returns only the sockets on that port (this namespace)', async () => {
      const [first, second] = ports as [number, number];
      const all = rows(binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, null).fields);
      expect(all.map((r) => r.port)).toEqual(expect.arrayContaining([first, second]));
      for (const [dump, label] of [
        [binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, sourcePortFilter(second), null, null), 'sync'],
        [await binding.dumpInetAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, sourcePortFilter(second), null, cancelFlag()), 'async'],
        [binding.decodeInet(binding.recordInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, sourcePortFilter(second), null, null)), 'recorded'],
      ] as const) {
        const filtered = rows(dump.fields);
        expect(filtered.length, label).toBe(1); // a listener's port is unique in its namespace
        expect(filtered[0], label).toEqual(all.find((r) => r.port === second));
      }
    });

    it('an empty bytecode is no filter; the filter composes with the state mask', () => {
      const [first] = ports as [number];
      const listening = (bytecode: Uint8Array | null) => rows(binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, bytecode, null, null).fields);
      expect(listening(new Uint8Array(0)).some((r) => r.port === first)).toBe(true);
      // Our listener is not in the non-LISTEN states: the filter cannot bring it back.
      const established = rows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_TCP_STATES & ~LISTEN_ONLY, false, sourcePortFilter(first), null, null).fields);
      expect(established.every((r) => r.port === first && r.state !== 10)).toBe(true);
    });

    it('a bytecode the kernel rejects is EINVAL from sock_diag, sync and async', async () => {
      const invalid = [
        new Uint8Array([0xff, 0, 0, 0]), // unknown op code
        new Uint8Array([7, 12, 16, 0]), // S_COND without its hostcond
        Uint8Array.from([...sourcePortFilter(1)].map((b, i) => (i === 1 ? 13 : b))), // yes not a multiple of 4
      ];
      const refused = expect.objectContaining({ code: 'EINVAL', errno: os.constants.errno.EINVAL, syscall: 'sock_diag' });
      for (const bytecode of invalid) {
        expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, bytecode, null, null)).toThrow(refused);
        expect(await settle(binding.dumpInetAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, bytecode, null, null))).toEqual(refused);
        expect(() => binding.recordInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, bytecode, null, null)).toThrow(refused);
      }
    });

    it('the bytes are copied when the call is made', async () => {
      const [first, second] = ports as [number, number];
      const bytecode = sourcePortFilter(second);
      const pending = binding.dumpInetAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, bytecode, null, null);
      bytecode.set(sourcePortFilter(first)); // too late: the request already holds its own copy
      expect(rows((await pending).fields).map((r) => r.port)).toEqual([second]);
    });
  });

  describe.skipIf(noNamespace !== undefined)('bytecode in a private namespace', () => {
    it('of two listeners, the filter keeps exactly the one on its port', () => {
      // Fixed ports are safe: nothing else lives in this namespace.
      const script = `
        const net = require('node:net');
        const b = require(process.argv[1]);
        const filter = Buffer.from(process.argv[2], 'hex');
        const ports = (p) => Array.from({ length: p.fields.length / ${INET_STRIDE} }, (_, i) => p.fields[i * ${INET_STRIDE} + ${InetField.Ports}] >>> 16);
        const listen = (port) => new Promise((resolve) => { const s = net.createServer(); s.listen(port, '127.0.0.1', () => resolve(s)); });
        (async () => {
          const servers = [await listen(41001), await listen(41002)];
          const out = {
            all: ports(b.dumpInet(2, 6, ${ALL_TCP_STATES}, false, null, null, null)),
            sync: ports(b.dumpInet(2, 6, ${ALL_TCP_STATES}, false, filter, null, null)),
            async: ports(await b.dumpInetAsync(2, 6, ${ALL_TCP_STATES}, true, filter, null, null)),
          };
          try { b.dumpInet(2, 6, ${ALL_TCP_STATES}, false, Buffer.from([0xff, 0, 0, 0]), null, null); } catch (err) { out.invalid = err.code; }
          for (const s of servers) s.close();
          console.log(JSON.stringify(out));
        })();`;
      const run = runCommand(isolated([process.execPath, '-e', script, ADDON_PATH, Buffer.from(sourcePortFilter(41002)).toString('hex')], { net: true, loUp: true }), { encoding: 'utf8' });
      expect(run.stderr).toBe('');
      expect(JSON.parse(run.stdout)).toEqual({ all: expect.arrayContaining([41001, 41002]), sync: [41002], async: [41002], invalid: 'EINVAL' });
      expect((JSON.parse(run.stdout) as { all: number[] }).all).toHaveLength(2);
    });
  });

  describe('cancel', () => {
    it('a flag already set: every dump and walk throws (sync) or rejects (async) ECANCELED', async () => {
      const flag = cancelFlag(true);
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, flag)).toThrow(cancelled('recvmsg'));
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, sourcePortFilter(1), null, flag)).toThrow(cancelled('recvmsg'));
      expect(() => binding.dumpUnix(null, flag)).toThrow(cancelled('recvmsg'));
      expect(() => binding.recordInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, flag)).toThrow(cancelled('recvmsg'));
      expect(() => binding.recordUnix(null, flag)).toThrow(cancelled('recvmsg'));
      expect(() => binding.scanOwners('/proc', null, 2, null, flag)).toThrow(cancelled('getdents64'));
      expect(() => binding.scanOwners(FIXTURE_OWNERS, new Float64Array([7001]), 1, new Int32Array([1]), flag)).toThrow(cancelled('getdents64'));
      expect(await settle(binding.dumpInetAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, flag))).toEqual(cancelled('recvmsg'));
      expect(await settle(binding.dumpUnixAsync(null, flag))).toEqual(cancelled('recvmsg'));
      expect(await settle(binding.scanOwnersAsync('/proc', null, 2, null, flag))).toEqual(cancelled('getdents64'));
      expect(await settle(binding.scanOwnersAsync(FIXTURE_OWNERS, null, 1, new Int32Array([1, 12]), flag))).toEqual(cancelled('getdents64'));
      expect(Atomics.load(flag, 0)).toBe(1); // read, never reset
    });

    it('the flag is element 0 of the view, wherever the view starts in its buffer', () => {
      const buffer = new SharedArrayBuffer(16);
      const flag = new Int32Array(buffer, 8, 1);
      expect(() => binding.dumpUnix(null, flag)).not.toThrow();
      flag[0] = 1;
      expect(new Int32Array(buffer, 0, 2)).toEqual(new Int32Array(2)); // nothing set before the view
      expect(() => binding.dumpUnix(null, flag)).toThrow(cancelled('recvmsg'));
    });

    it('a flag that is not set changes nothing', async () => {
      const flag = cancelFlag();
      const [first] = ports as [number];
      const ours = (fields: Uint32Array) => rows(fields).find((r) => r.port === first);
      const expected = ours(binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, null).fields);
      expect(expected).toBeDefined();
      expect(ours(binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, flag).fields)).toEqual(expected);
      expect(ours((await binding.dumpInetAsync(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, flag)).fields)).toEqual(expected);
      expect(binding.dumpUnix(null, flag).fields).toBeInstanceOf(Uint32Array);
      expect((await binding.dumpUnixAsync(null, flag)).fields).toBeInstanceOf(Uint32Array);
      expect(binding.recordUnix(null, flag).length).toBeGreaterThan(0);
      const plain = binding.scanOwners(FIXTURE_OWNERS, null, 2, null, null);
      expect(plain.inodes.length).toBeGreaterThan(0);
      for (const threads of [1, 2]) {
        expect(binding.scanOwners(FIXTURE_OWNERS, null, threads, null, flag)).toEqual(plain);
        expect(await binding.scanOwnersAsync(FIXTURE_OWNERS, null, threads, null, flag)).toEqual(plain);
      }
      expect(Atomics.load(flag, 0)).toBe(0);
    });

    describe('raised during a walk', () => {
      // Two processes whose cmdline is a FIFO: the walk blocks reading the
      // first one it meets (it reads cmdline at a process's first socket),
      // which tells the test exactly where the walk is. The flag is raised
      // there; had the walk gone on, it would block on the other FIFO, which
      // must never get a reader.
      let root: string;
      const fifo = (pid: number) => path.join(root, String(pid), 'cmdline');
      beforeAll(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-cancel-'));
        for (const pid of [10, 20]) {
          fs.mkdirSync(path.join(root, String(pid), 'fd'), { recursive: true });
          fs.symlinkSync(`socket:[${9000 + pid}]`, path.join(root, String(pid), 'fd', '3'));
          expect(spawnSync('mkfifo', [fifo(pid)]).status).toBe(0);
        }
      });
      afterAll(() => {
        unblock();
        fs.rmSync(root, { recursive: true, force: true });
      });
      /** Opens a FIFO's writing end if a reader waits on it (else undefined: ENXIO). */
      const writer = (pid: number): number | undefined => {
        try {
          return fs.openSync(fifo(pid), fs.constants.O_WRONLY | fs.constants.O_NONBLOCK);
        } catch {
          return undefined;
        }
      };
      /** Lets any reader still blocked go (it reads end of file): never leave a pool thread stuck. */
      const unblock = () => {
        for (const pid of [10, 20]) {
          const fd = writer(pid);
          if (fd !== undefined) fs.closeSync(fd);
        }
      };

      it('async: the main thread raises it, the walk stops before the next process', async () => {
        const flag = cancelFlag();
        // pids fixes the order; one thread (two processes are below the two-thread threshold anyway).
        const pending = settle(binding.scanOwnersAsync(root, null, 1, new Int32Array([10, 20]), flag));
        const deadline = Date.now() + 20_000;
        let fd: number | undefined;
        while ((fd = writer(10)) === undefined && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 5));
        expect(fd).toBeDefined(); // the walk is in process 10, reading its cmdline
        Atomics.store(flag, 0, 1);
        fs.writeSync(fd!, 'prog\0');
        fs.closeSync(fd!);
        let timer: NodeJS.Timeout | undefined;
        const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve('timed out'), 20_000)));
        const result = await Promise.race([pending, timeout]);
        clearTimeout(timer);
        const reachedNext = writer(20);
        if (reachedNext !== undefined) fs.closeSync(reachedNext);
        expect(reachedNext).toBeUndefined(); // process 20 was never opened
        expect(result).toEqual(cancelled('getdents64'));
      });

      it('sync: another thread raises the SharedArrayBuffer flag while the main thread is in the walk', () => {
        const flag = cancelFlag();
        // The worker waits for the walk to block on whichever FIFO comes first
        // in readdir order, raises the flag, then lets the read finish; if the
        // walk wrongly goes on, the worker releases the second FIFO too, so a
        // failure fails instead of hanging.
        const worker = new Worker(
          `const fs = require('node:fs');
          const { workerData: { flag, fifos } } = require('node:worker_threads');
          const open = (p) => { try { return fs.openSync(p, fs.constants.O_WRONLY | fs.constants.O_NONBLOCK); } catch { return undefined; } };
          const sleep = (ms) => Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
          let released = 0;
          for (const deadline = Date.now() + 20000; Date.now() < deadline && released < fifos.length; sleep(5)) {
            for (const p of fifos) {
              const fd = open(p);
              if (fd === undefined) continue;
              Atomics.store(flag, 0, 1);
              fs.writeSync(fd, 'prog\\0');
              fs.closeSync(fd);
              released++;
            }
          }`,
          { eval: true, workerData: { flag, fifos: [fifo(10), fifo(20)] } },
        );
        try {
          expect(() => binding.scanOwners(root, null, 2, null, flag)).toThrow(cancelled('getdents64'));
          expect(Atomics.load(flag, 0)).toBe(1);
        } finally {
          void worker.terminate();
          unblock();
        }
      });
    });
  });

  describe('pids', () => {
    it('[process.pid]: only this process, our listeners included, nobody else', async () => {
      const inodes = rows(binding.dumpInet(AF_INET, IPPROTO_TCP, LISTEN_ONLY, false, null, null, null).fields)
        .filter((r) => ports.includes(r.port))
        .map((r) => r.inode);
      expect(inodes).toHaveLength(2);
      // Another process holding sockets of its own: libuv gives a child's stdio pipes as socketpairs.
      const child = spawn('sleep', ['60'], { stdio: 'pipe' });
      try {
        await new Promise((resolve) => child.once('spawn', resolve));
        const everyone = binding.scanOwners('/proc', null, 2, null, null);
        const ours = pairs(everyone).filter(([pid]) => pid === process.pid);
        const theirs = pairs(everyone).filter(([pid]) => pid === child.pid);
        expect(theirs.length).toBeGreaterThan(0);
        for (const scan of [
          binding.scanOwners('/proc', null, 2, new Int32Array([process.pid]), null),
          await binding.scanOwnersAsync('/proc', null, 2, new Int32Array([process.pid]), cancelFlag()),
        ]) {
          expect(new Set(scan.pids)).toEqual(new Set([process.pid]));
          expect(Array.from(scan.inodes)).toEqual(expect.arrayContaining(inodes));
          for (const [, inode] of theirs) expect(scan.inodes).not.toContain(inode);
          // The rows the whole walk gives this process, in the same order.
          expect(pairs(scan)).toEqual(ours);
        }
        expect(pairs(binding.scanOwners('/proc', null, 1, new Int32Array([child.pid!]), null))).toEqual(theirs);
      } finally {
        child.kill('SIGKILL');
      }
    });

    it('a pid with no directory is skipped, uncounted; one without fd or cmdline counts as now', () => {
      const walk = (pids: number[] | null, wanted: number[] | null = null, threads = 1) =>
        binding.scanOwners(FIXTURE_OWNERS, wanted && Float64Array.from(wanted), threads, pids && Int32Array.from(pids), null);
      const whole = walk(null);
      const of = (pid: number) => pairs(whole).filter(([p]) => p === pid);
      expect(of(1).length).toBeGreaterThan(0);
      // Given order, not readdir order; every row as the whole walk has it.
      for (const order of [
        [1, 12, 20],
        [20, 12, 1],
        [60, 1, 70],
      ]) {
        for (const threads of [1, 2]) expect(pairs(walk(order, null, threads))).toEqual(order.flatMap(of));
      }
      const missingPids = walk([99, 2147483647, 1, 98]);
      expect(pairs(missingPids)).toEqual(of(1));
      expect([missingPids.vanished, missingPids.denied]).toEqual([0, 0]);
      expect(walk([99]).vanished).toBe(0);
      expect(walk([40]).vanished).toBe(1); // exists, no fd directory: vanished, as in the whole walk
      expect(walk([50]).vanished).toBe(1); // no cmdline: its sockets skipped, counted once
      expect(walk([0, -1, -12])).toMatchObject({ vanished: 0, denied: 0, procUnreadable: false }); // cannot name a process directory
      // A pid listed twice is walked once, where it first appears.
      expect(pairs(walk([12, 1, 12]))).toEqual([...of(12), ...of(1)]);
      // Early stop: once the wanted inode is found, later processes are not walked.
      expect(pairs(walk([20, 1], [7004]))).toEqual(of(20)); // 7004: held by 20 only
      expect(walk([], [7001]).inodes).toHaveLength(0);
      expect(binding.scanOwners('/nonexistent/proc', null, 2, new Int32Array([1]), null).procUnreadable).toBe(true);
    });

    it('on the live /proc with two threads, rows follow the given order', () => {
      const live = fs
        .readdirSync('/proc')
        .filter((name) => /^\d+$/.test(name))
        .map(Number)
        .sort((a, b) => b - a); // descending: not readdir order
      expect(live.length).toBeGreaterThanOrEqual(1);
      const scan = binding.scanOwners('/proc', null, 2, Int32Array.from(live), null);
      const seen = [...new Set(scan.pids)];
      expect(seen).toEqual([...seen].sort((a, b) => b - a));
      expect(seen).toContain(process.pid);
    });
  });
});
