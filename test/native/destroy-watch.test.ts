/**
 * watchDestroyed(): the sock_diag destroy notifications, read on a thread of
 * the watch's own. The cookies of sockets closed after the watch started
 * arrive (TCP and UDP, IPv4 and IPv6; the cookies are taken beforehand from a
 * dump: low + high * 2^32 of InetField.CookieLow/High), for root and for uid
 * 65534 (the kernel lets anyone join the groups); a watch of a namespace file
 * sees that namespace's sockets only; close() is idempotent, stops delivery
 * and ends the thread; misuse is a TypeError; a flood while the main thread is
 * blocked either arrives whole or is reported as an overflow, and a reader
 * that cannot read (its process stopped) is always told of the overflow and
 * goes on.
 *
 * The namespace case needs root, ip and python3, the uid-65534 case root and
 * setpriv, the flood python3; each is skipped with its reason printed
 * otherwise.
 */
import { spawnSync } from 'node:child_process';
import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import { afterAll, describe, expect, it } from 'vitest';
import { type DestroyWatchHandle, INET_STRIDE, InetField, type NativeBinding, type NetnsPath, loadNative } from '../../src/native';
import { ADDON_PATH } from './netns';
import { runOrThrow } from '../harness/commands';
import { unavailable as missingNeed } from '../harness/needs';
import { type PythonHolder, startProcess, startPython } from '../harness/processes';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`destroy watch tests skipped: ${missing}`);
/** Why a case cannot run here: no addon, not root (when `root`), or a command missing. */
const unavailable = (root: boolean, ...commands: string[]): string | undefined => missing ?? missingNeed({ root, commands });
const noNamespace = unavailable(true, 'ip', 'python3');
const noSetpriv = unavailable(true, 'setpriv');
const noPython = unavailable(false, 'python3');
if (missing === undefined) {
  if (noNamespace !== undefined) console.warn(`destroy watch in a namespace skipped: ${noNamespace} (ip netns add needs root)`);
  if (noSetpriv !== undefined) console.warn(`destroy watch as uid 65534 skipped: ${noSetpriv} (setpriv --reuid needs root)`);
  if (noPython !== undefined) console.warn(`destroy watch flood skipped: ${noPython}`);
}

const ALL_STATES = 0x1ffe;
const cookieOf = (low: number, high: number): bigint => BigInt(low) + BigInt(high) * 2n ** 32n;
const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const taskCount = (): number => fs.readdirSync('/proc/self/task').length;

/** Waits until `done()` or `timeoutMs`; returns done()'s last value. */
async function waitFor(done: () => boolean, timeoutMs = 10_000): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!done()) {
    if (Date.now() > deadline) return false;
    await sleep(20);
  }
  return true;
}

/** Blocks the main thread for `ms` (the watch thread keeps running). */
function blockMainThread(ms: number): void {
  const cell = new Int32Array(new SharedArrayBuffer(4));
  const end = Date.now() + ms;
  while (Date.now() < end) Atomics.wait(cell, 0, 0, Math.min(50, Math.max(1, end - Date.now())));
}

/**
 * python3: N UDP sockets on 127.0.0.1; prints their inodes, closes them all at
 * once on a line from stdin, then prints how many.
 */
const FLOOD = String.raw`
import json, os, resource, socket, sys
soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
try:
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
except ValueError:
    pass
socks = []
for i in range(int(sys.argv[1])):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.bind(('127.0.0.1', 0))
    socks.append(s)
print(json.dumps([os.fstat(s.fileno()).st_ino for s in socks]), flush=True)
sys.stdin.readline()
for s in socks:
    s.close()
print(json.dumps(len(socks)), flush=True)
sys.stdin.read()
`;

/** node: a watch of its own namespace, answering "report" and "has COOKIE,…" lines. */
const WATCHER = `
const b = require(process.argv[1]);
const seen = new Set();
const errors = [];
let overflows = 0;
let batches = 0;
const watch = b.watchDestroyed(null, (c, overflow, error) => {
  batches += 1;
  for (let i = 0; i < c.length; i += 2) seen.add(String(BigInt(c[i]) + (BigInt(c[i + 1]) << 32n)));
  if (overflow) overflows += 1;
  if (error) errors.push(error.code + ' ' + error.syscall);
});
let input = '';
process.stdin.setEncoding('utf8');
process.stdin.on('data', (chunk) => {
  input += chunk;
  for (let at = input.indexOf('\\n'); at >= 0; at = input.indexOf('\\n')) {
    const line = input.slice(0, at);
    input = input.slice(at + 1);
    if (line === 'report') console.log(JSON.stringify({ overflows, batches, seen: seen.size, errors }));
    else if (line.startsWith('has ')) console.log(JSON.stringify(line.slice(4).split(',').map((c) => seen.has(c))));
    else { watch.close(); process.exit(0); }
  }
});
console.log('"ready"');
`;

interface Collector {
  watch: DestroyWatchHandle;
  seen: Set<bigint>;
  batches: number;
  overflows: number;
  errors: Error[];
  /** Batches whose cookies were not a Uint32Array of (low, high) pairs. */
  malformed: number;
  /** Calls of onBatch after close() returned. */
  afterClose: bigint[];
  closed: boolean;
  close(): void;
}

describe.skipIf(missing !== undefined)('watchDestroyed()', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  const collectors: Collector[] = [];
  const holders: PythonHolder[] = [];
  const namespaces: string[] = [];

  afterAll(async () => {
    for (const c of collectors) c.close();
    for (const h of holders) await h.stop();
    for (const name of namespaces) spawnSync('ip', ['netns', 'delete', name]);
  });

  function collect(netns: NetnsPath): Collector {
    const c: Collector = {
      watch: undefined as unknown as DestroyWatchHandle,
      seen: new Set(),
      batches: 0,
      overflows: 0,
      errors: [],
      malformed: 0,
      afterClose: [],
      closed: false,
      close() {
        c.watch.close();
        c.closed = true;
      },
    };
    c.watch = binding.watchDestroyed(netns, (cookies, overflow, error) => {
      c.batches += 1;
      if (!(cookies instanceof Uint32Array) || cookies.length % 2 !== 0 || typeof overflow !== 'boolean') c.malformed += 1;
      if (overflow) c.overflows += 1;
      if (error !== null) c.errors.push(error);
      for (let i = 0; i + 1 < cookies.length; i += 2) {
        const cookie = cookieOf(cookies[i]!, cookies[i + 1]!);
        c.seen.add(cookie);
        if (c.closed) c.afterClose.push(cookie);
      }
    });
    collectors.push(c);
    return c;
  }

  /** Cookies of the rows of a dump that `keep` selects. */
  function cookies(family: number, protocol: number, keep: (localPort: number, remotePort: number, inode: number) => boolean, netns: NetnsPath = null): bigint[] {
    const f = binding.dumpInet(family, protocol, ALL_STATES, false, null, netns, null).fields;
    const out: bigint[] = [];
    for (let o = 0; o < f.length; o += INET_STRIDE) {
      const ports = f[o + InetField.Ports]!;
      if (keep(ports >>> 16, ports & 0xffff, f[o + InetField.Inode]!)) out.push(cookieOf(f[o + InetField.CookieLow]!, f[o + InetField.CookieHigh]!));
    }
    return out;
  }

  async function udpSocket(type: 'udp4' | 'udp6', host: string): Promise<dgram.Socket> {
    const socket = dgram.createSocket(type);
    await new Promise<void>((resolve) => socket.bind(0, host, resolve));
    return socket;
  }

  /** A listener, a client connected to it and the accepted end, on `host`. */
  async function tcpPair(host: string): Promise<{ server: net.Server; client: net.Socket; accepted: net.Socket; port: number }> {
    let accept!: (socket: net.Socket) => void;
    const acceptedPromise = new Promise<net.Socket>((resolve) => (accept = resolve));
    const server = net.createServer(accept);
    await new Promise<void>((resolve) => server.listen(0, host, resolve));
    const port = (server.address() as net.AddressInfo).port;
    const client = net.connect(port, host);
    await new Promise<void>((resolve) => client.once('connect', resolve));
    const accepted = await acceptedPromise;
    return { server, client, accepted, port };
  }

  for (const [family, host, type] of [
    [2, '127.0.0.1', 'udp4'],
    [10, '::1', 'udp6'],
  ] as const) {
    it(`sees the cookies of ${type === 'udp4' ? 'IPv4' : 'IPv6'} TCP connections and UDP sockets closed after it started, and no others`, async () => {
      // Closed before the watch: never reported.
      const early = await udpSocket(type, host);
      const earlyPort = early.address().port;
      const [earlyCookie] = cookies(family, 17, (local) => local === earlyPort);
      expect(earlyCookie).toBeDefined();
      await new Promise<void>((resolve) => early.close(resolve));
      await sleep(200);

      const pair = await tcpPair(host);
      const udp = await udpSocket(type, host);
      const stays = await udpSocket(type, host);
      const tcpCookies = cookies(family, 6, (local, remote) => local === pair.port || remote === pair.port);
      expect(tcpCookies).toHaveLength(3); // listener, client, accepted
      const udpCookies = cookies(family, 17, (local) => local === udp.address().port);
      expect(udpCookies).toHaveLength(1);
      const [staysCookie] = cookies(family, 17, (local) => local === stays.address().port);

      const watch = collect(null);
      pair.client.destroy();
      pair.accepted.destroy();
      pair.server.close();
      udp.close();
      const expected = [...tcpCookies, ...udpCookies];
      const all = await waitFor(() => expected.every((c) => watch.seen.has(c)));
      expect(
        expected.filter((c) => !watch.seen.has(c)),
        `missing after 10 s (${watch.batches} batches, overflow ${watch.overflows})`,
      ).toEqual([]);
      expect(all).toBe(true);
      expect(watch.seen.has(earlyCookie!)).toBe(false);
      expect(watch.seen.has(staysCookie!)).toBe(false);
      expect([watch.malformed, watch.overflows, watch.errors]).toEqual([0, 0, []]);
      watch.close();
      stays.close();
    });
  }

  it.skipIf(noSetpriv !== undefined)('works for uid 65534 (unprivileged processes may join the destroy groups)', () => {
    const script = `
      const net = require('node:net');
      const dgram = require('node:dgram');
      const b = require(process.argv[1]);
      const cookieOf = (low, high) => String(BigInt(low) + (BigInt(high) << 32n));
      const cookies = (family, protocol, keep) => {
        const f = b.dumpInet(family, protocol, ${ALL_STATES}, false, null, null, null).fields;
        const out = [];
        for (let o = 0; o < f.length; o += ${INET_STRIDE}) {
          const ports = f[o + ${InetField.Ports}];
          if (keep(ports >>> 16, ports & 0xffff)) out.push(cookieOf(f[o + ${InetField.CookieLow}], f[o + ${InetField.CookieHigh}]));
        }
        return out;
      };
      (async () => {
        const expected = [];
        const closers = [];
        for (const [family, host, type] of [[2, '127.0.0.1', 'udp4'], [10, '::1', 'udp6']]) {
          let accepted;
          const server = net.createServer((s) => (accepted = s));
          await new Promise((r) => server.listen(0, host, r));
          const port = server.address().port;
          const client = net.connect(port, host);
          await new Promise((r) => client.once('connect', r));
          while (accepted === undefined) await new Promise((r) => setTimeout(r, 5));
          const udp = dgram.createSocket(type);
          await new Promise((r) => udp.bind(0, host, r));
          expected.push(...cookies(family, 6, (l, r) => l === port || r === port), ...cookies(family, 17, (l) => l === udp.address().port));
          closers.push(() => { client.destroy(); accepted.destroy(); server.close(); udp.close(); });
        }
        const seen = new Set();
        const errors = [];
        let overflow = false;
        const watch = b.watchDestroyed(null, (c, o, e) => {
          for (let i = 0; i < c.length; i += 2) seen.add(cookieOf(c[i], c[i + 1]));
          if (o) overflow = true;
          if (e) errors.push(e.code + ' ' + e.syscall);
        });
        for (const close of closers) close();
        const deadline = Date.now() + 10000;
        while (!expected.every((c) => seen.has(c)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
        watch.close();
        console.log(JSON.stringify({ uid: process.getuid(), expected: expected.length, missing: expected.filter((c) => !seen.has(c)), overflow, errors }));
      })();`;
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script, ADDON_PATH], {
      encoding: 'utf8',
      cwd: '/',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    // Two families: listener, client and accepted end, and a UDP socket each.
    expect(JSON.parse(child.stdout)).toEqual({ uid: 65534, expected: 8, missing: [], overflow: false, errors: [] });
  });

  it.skipIf(noNamespace !== undefined)("a watch of a namespace file sees that namespace's sockets only; the caller's watch none of them", async () => {
    const name = `nswatch-${process.pid}`;
    spawnSync('ip', ['netns', 'delete', name]);
    runOrThrow(['ip', 'netns', 'add', name]);
    namespaces.push(name);
    runOrThrow(['ip', '-n', name, 'link', 'set', 'lo', 'up']);
    const file = `/run/netns/${name}`;
    const holder = startPython(
      ['ip', 'netns', 'exec', name],
      String.raw`
import json, os, socket, sys
ino = lambda s: os.fstat(s.fileno()).st_ino
srv = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
srv.bind(('127.0.0.1', 0))
srv.listen(8)
cli = socket.create_connection(srv.getsockname())
acc, _ = srv.accept()
udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp.bind(('::1', 0))
print(json.dumps([ino(s) for s in (srv, cli, acc, udp)]), flush=True)
sys.stdin.readline()
for s in (cli, acc, srv, udp):
    s.close()
print('"closed"', flush=True)
sys.stdin.read()
`,
    );
    holders.push(holder);
    const inodes = new Set(await holder.next<number[]>());
    const inNamespace = [...cookies(2, 6, (_l, _r, inode) => inodes.has(inode), file), ...cookies(10, 17, (_l, _r, inode) => inodes.has(inode), file)];
    expect(inNamespace).toHaveLength(4);

    const pair = await tcpPair('127.0.0.1');
    const udp = await udpSocket('udp6', '::1');
    const onHost = [...cookies(2, 6, (l, r) => l === pair.port || r === pair.port), ...cookies(10, 17, (l) => l === udp.address().port)];
    expect(onHost).toHaveLength(4);

    const threads = taskCount();
    const namespaceWatch = collect(file);
    const hostWatch = collect(null);
    expect(taskCount()).toBe(threads + 2); // the namespace's helper thread is gone, its watch thread is not
    holder.send('close');
    pair.client.destroy();
    pair.accepted.destroy();
    pair.server.close();
    udp.close();
    expect(await holder.next()).toBe('closed');
    await waitFor(() => inNamespace.every((c) => namespaceWatch.seen.has(c)) && onHost.every((c) => hostWatch.seen.has(c)));
    await sleep(200); // anything late
    expect(inNamespace.filter((c) => !namespaceWatch.seen.has(c))).toEqual([]);
    expect(onHost.filter((c) => !hostWatch.seen.has(c))).toEqual([]);
    // Strict: nothing else lives in the namespace, so its watch saw exactly those four.
    expect([...namespaceWatch.seen].sort()).toEqual([...inNamespace].sort());
    expect(inNamespace.filter((c) => hostWatch.seen.has(c))).toEqual([]);
    for (const c of [namespaceWatch, hostWatch]) expect([c.malformed, c.overflows, c.errors]).toEqual([0, 0, []]);
    namespaceWatch.close();
    hostWatch.close();
    expect(taskCount()).toBe(threads);
  });

  it('close() is idempotent, stops delivery and ends the thread', async () => {
    const threads = taskCount();
    const closed = collect(null);
    expect(taskCount()).toBe(threads + 1);
    closed.close();
    expect(taskCount()).toBe(threads);
    expect(() => closed.watch.close()).not.toThrow();
    expect(() => closed.watch.close()).not.toThrow();
    expect(taskCount()).toBe(threads);

    // A socket freed after close(): a second watch sees it, the closed one does not.
    const control = collect(null);
    const socket = await udpSocket('udp4', '127.0.0.1');
    const port = socket.address().port;
    const [cookie] = cookies(2, 17, (local) => local === port);
    socket.close();
    expect(await waitFor(() => control.seen.has(cookie!))).toBe(true);
    await sleep(100);
    expect(closed.seen.has(cookie!)).toBe(false);
    control.close();
    expect(taskCount()).toBe(threads);
  });

  it('close() called unbound, or on another object, throws TypeError and leaves the watch running', async () => {
    const watch = collect(null);
    const { close } = watch.watch;
    const usage = /^Usage: watch\.close\(\) must be called on the object watchDestroyed returned/;
    expect(() => close()).toThrow(TypeError);
    expect(() => close()).toThrow(usage);
    expect(() => close.call(undefined)).toThrow(usage);
    expect(() => close.call({})).toThrow(usage);
    expect(() => close.call({ handle: {} })).toThrow(usage);
    expect(() => close.call({ handle: 1 })).toThrow(usage);
    expect(() => Reflect.apply(close, 42, [])).toThrow(usage);
    // The handle cannot be swapped for another value.
    const descriptor = Object.getOwnPropertyDescriptor(watch.watch, 'handle');
    expect(descriptor).toMatchObject({ writable: false, configurable: false });
    expect(() => {
      (watch.watch as unknown as { handle: unknown }).handle = {};
    }).toThrow(TypeError);

    const socket = await udpSocket('udp4', '127.0.0.1');
    const [cookie] = cookies(2, 17, (local) => local === socket.address().port);
    socket.close();
    expect(await waitFor(() => watch.seen.has(cookie!))).toBe(true);
    const threads = taskCount();
    close.call(watch.watch); // bound by hand: fine
    expect(taskCount()).toBe(threads - 1);
    watch.closed = true;
  });

  it('bad arguments throw TypeError', () => {
    const untyped = binding.watchDestroyed as unknown as (...args: unknown[]) => unknown;
    const threads = taskCount();
    for (const args of [[], [null], [null, 1], [null, () => {}, 1], [1, () => {}], ['', () => {}], ['a\0b', () => {}], [undefined, () => {}], [{}, () => {}]]) {
      expect(() => untyped(...args), JSON.stringify(args)).toThrow(TypeError);
      expect(() => untyped(...args), JSON.stringify(args)).toThrow(/^Usage: watchDestroyed\(/);
    }
    expect(taskCount()).toBe(threads); // no thread started for a refused call
  });

  it.skipIf(noPython !== undefined)('a flood of frees while the main thread is blocked: every cookie arrives, or an overflow is reported', async () => {
    const count = 4000;
    const holder = startPython([], FLOOD, [String(count)]);
    holders.push(holder);
    const inodes = new Set(await holder.next<number[]>());
    const expected = cookies(2, 17, (_l, _r, inode) => inodes.has(inode));
    expect(expected).toHaveLength(count);

    const watch = collect(null);
    holder.send('close');
    blockMainThread(1000); // the watch thread reads on; the kernel's notifications pile up
    expect(await holder.next()).toBe(count);
    const settled = await waitFor(() => watch.overflows > 0 || expected.every((c) => watch.seen.has(c)), 20_000);
    const arrived = expected.filter((c) => watch.seen.has(c)).length;
    watch.close();
    console.log(
      watch.overflows > 0
        ? `destroy watch flood: overflow reported ${watch.overflows} time(s); ${arrived}/${count} cookies arrived in ${watch.batches} batches`
        : `destroy watch flood: no overflow; all ${arrived}/${count} cookies arrived in ${watch.batches} batches`,
    );
    expect(settled, `neither an overflow nor every cookie: ${arrived}/${count} arrived`).toBe(true);
    expect(watch.overflows > 0 || arrived === count).toBe(true);
    expect([watch.malformed, watch.errors]).toEqual([0, []]);
  });

  it.skipIf(noPython !== undefined)('a reader that falls behind (its process stopped) gets overflow=true, then goes on', async () => {
    // Enough frees to fill the watch socket's receive buffer (rmem_default) many times over.
    const rmem = Number(fs.readFileSync('/proc/sys/net/core/rmem_default', 'utf8'));
    const count = Math.min(16_000, Math.max(4000, Math.ceil(rmem / 100)));
    const holder = startPython([], FLOOD, [String(count)]);
    holders.push(holder);
    const inodes = new Set(await holder.next<number[]>());
    expect(inodes.size).toBe(count);
    const watcher = startProcess([process.execPath, '-e', WATCHER, ADDON_PATH]);
    holders.push(watcher);
    expect(await watcher.next()).toBe('ready');
    process.kill(watcher.pid, 'SIGSTOP'); // its watch thread too: nobody reads
    try {
      holder.send('close');
      expect(await holder.next()).toBe(count);
      await sleep(500); // the kernel's broadcasts (a workqueue) finish
    } finally {
      process.kill(watcher.pid, 'SIGCONT');
    }
    type Report = { overflows: number; batches: number; seen: number; errors: string[] };
    let report: Report = { overflows: 0, batches: 0, seen: 0, errors: [] };
    for (const deadline = Date.now() + 5000; report.overflows === 0 && Date.now() < deadline; await sleep(50)) {
      watcher.send('report');
      report = await watcher.next<Report>();
    }
    console.log(`destroy watch, stopped reader: ${JSON.stringify(report)} of ${count} frees`);
    expect(report.overflows).toBeGreaterThan(0);
    expect(report.seen).toBeLessThan(count);
    expect(report.errors).toEqual([]);
    // The watch goes on after the overflow: a socket freed now arrives.
    const socket = await udpSocket('udp4', '127.0.0.1');
    const [cookie] = cookies(2, 17, (local) => local === socket.address().port);
    socket.close();
    let has = [false];
    for (const deadline = Date.now() + 10_000; !has[0] && Date.now() < deadline; await sleep(50)) {
      watcher.send(`has ${String(cookie)}`);
      has = await watcher.next<boolean[]>();
    }
    expect(has).toEqual([true]);
    watcher.send('quit');
  });

  // Batches the watch thread queued before close() are dropped, not delivered
  // (the main thread is blocked while the frees are queued, then closes the watch).
  it('no batch is delivered after close() returns, even one queued while the main thread was busy', async () => {
    const sockets = await Promise.all(Array.from({ length: 100 }, () => udpSocket('udp4', '127.0.0.1')));
    const ports = new Set(sockets.map((s) => s.address().port));
    const expected = cookies(2, 17, (local) => ports.has(local));
    expect(expected).toHaveLength(100);
    const control = collect(null);
    const watch = collect(null);
    for (const socket of sockets) socket.close(); // the descriptors close now (uv_close)
    blockMainThread(1000); // the notifications are queued for the main thread meanwhile
    watch.close();
    expect(await waitFor(() => expected.every((c) => control.seen.has(c)))).toBe(true);
    await sleep(300);
    control.close();
    const late = watch.afterClose.filter((c) => expected.includes(c)).length;
    if (late > 0) console.warn(`destroy watch: ${late} cookies delivered after close() returned`);
    expect(watch.afterClose).toEqual([]);
  });

  // A worker terminated while a batch is on its way: Deliver's N-API calls fail,
  // and nothing may escape to node-addon-api's trampoline (it would abort the process).
  it('terminating a worker whose watch has batches pending does not abort the process', () => {
    const script = `
      const { Worker } = require('node:worker_threads');
      const dgram = require('node:dgram');
      const addon = process.argv[1];
      const inWorker = "const b = require(" + JSON.stringify(addon) + "); b.watchDestroyed(null, () => {}); require('node:worker_threads').parentPort.postMessage('ready');";
      async function round() {
        const sockets = await Promise.all(Array.from({ length: 300 }, () => new Promise((resolve) => {
          const s = dgram.createSocket('udp4');
          s.bind(0, '127.0.0.1', () => resolve(s));
        })));
        const workers = Array.from({ length: 4 }, () => new Worker(inWorker, { eval: true }));
        await Promise.all(workers.map((w) => new Promise((resolve) => w.once('message', resolve))));
        for (const s of sockets) s.close();
        await new Promise((resolve) => setTimeout(resolve, Math.random() * 5));
        await Promise.all(workers.map((w) => w.terminate()));
      }
      (async () => {
        for (let i = 0; i < 40; i++) await round();
        console.log('survived');
      })();`;
    const child = spawnSync(process.execPath, ['-e', script, ADDON_PATH], { encoding: 'utf8', timeout: 120_000 });
    if (child.status !== 0) console.warn(`destroy watch: worker termination ended the process (status ${String(child.status)}, ${String(child.signal)}): ${child.stderr.trim().slice(0, 200)}`);
    expect({ status: child.status, signal: child.signal, stdout: child.stdout.trim() }).toEqual({ status: 0, signal: null, stdout: 'survived' });
  });
});
