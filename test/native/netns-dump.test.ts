/**
 * Dumps of another network namespace (layout 5's `netns` argument): a named
 * namespace (`ip netns add`) holding a python3 process with a TCP listener on
 * a known port, a UDP socket and an abstract UNIX socket. Every dump given the
 * namespace's file (`/run/netns/NAME` or `/proc/PID/ns/net`) lists exactly
 * those, the caller's own dump none of them; the error contract (ENOENT and
 * EACCES from open, EINVAL and EPERM from setns); and that hundreds of calls
 * leave the process where it was: every thread in its own namespace, no
 * descriptor more.
 *
 * Needs root (ip netns add), ip and python3; skipped with the reason printed
 * otherwise. The uid-65534 case also needs setpriv.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_STRIDE, CompactField, INET_STRIDE, InetField, type NativeBinding, type PackedInet, type PackedUnix, UNIX_STRIDE, UnixField, loadNative } from '../../src/native';
import { ADDON_PATH } from './netns';
import { runOrThrow } from '../harness/commands';
import { unavailable as missingNeed } from '../harness/needs';
import { type PythonHolder, startPython } from '../harness/processes';

const outcome = loadNative();

const skip = 'binding' in outcome ? missingNeed({ root: true, commands: ['ip', 'python3'] }) : `native addon ${outcome.reason}`;
if (skip !== undefined) console.warn(`netns dump tests skipped: ${skip}`);
const noSetpriv = skip ?? missingNeed({ commands: ['setpriv'] });
if (skip === undefined && noSetpriv !== undefined) console.warn(`netns EPERM test (uid 65534) skipped: ${noSetpriv}`);

const AF_INET = 2;
const AF_INET6 = 10;
const IPPROTO_TCP = 6;
const IPPROTO_UDP = 17;
const ALL_STATES = 0x1ffe;
const LISTEN = 10;
const PORT = 7777; // nothing else lives in the namespace
const NAME = `nstest-${process.pid}`;
const NETNS_FILE = `/run/netns/${NAME}`;
const ABSTRACT = `nstest-${process.pid}-unix`;

/** The python3 side: the three sockets, their inodes, then wait for EOF. */
const HOLDER = String.raw`
import json, os, socket, sys
port, abstract = int(sys.argv[1]), sys.argv[2]
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
tcp.bind(('127.0.0.1', port))
tcp.listen(8)
udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
udp.bind(('127.0.0.1', 0))
unix = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
unix.bind('\0' + abstract)
unix.listen(8)
ino = lambda s: os.fstat(s.fileno()).st_ino
print(json.dumps({'tcp': ino(tcp), 'udp': ino(udp), 'udpPort': udp.getsockname()[1], 'unix': ino(unix)}), flush=True)
sys.stdin.read()
`;

interface Held {
  tcp: number;
  udp: number;
  udpPort: number;
  unix: number;
}

interface InetRow {
  state: number;
  local: string;
  localPort: number;
  remotePort: number;
  inode: number;
  uid: number;
}
function inetRows(packed: PackedInet): InetRow[] {
  const rows: InetRow[] = [];
  const f = packed.fields;
  for (let o = 0; o < f.length; o += INET_STRIDE) {
    rows.push({
      state: f[o + InetField.State]!,
      local: packed.addresses[f[o + InetField.LocalAddress]!]!,
      localPort: f[o + InetField.Ports]! >>> 16,
      remotePort: f[o + InetField.Ports]! & 0xffff,
      inode: f[o + InetField.Inode]!,
      uid: f[o + InetField.Uid]!,
    });
  }
  return rows;
}
function compactRows(fields: Uint32Array): Array<{ state: number; localPort: number; inode: number }> {
  return Array.from({ length: fields.length / COMPACT_STRIDE }, (_, i) => ({
    state: fields[i * COMPACT_STRIDE + CompactField.State]!,
    localPort: fields[i * COMPACT_STRIDE + CompactField.LocalPort]!,
    inode: fields[i * COMPACT_STRIDE + CompactField.Inode]!,
  }));
}
function unixRows(packed: PackedUnix): Array<{ inode: number; state: number; name: string }> {
  const f = packed.fields;
  return Array.from({ length: f.length / UNIX_STRIDE }, (_, i) => {
    const o = i * UNIX_STRIDE;
    const at = f[o + UnixField.NameOffset]!;
    return { inode: f[o + UnixField.Inode]!, state: f[o + UnixField.State]!, name: packed.names.toString('utf8', at, at + f[o + UnixField.NameLength]!) };
  });
}

/** `net:[N]` of every thread of this process. */
function threadNamespaces(): string[] {
  return fs.readdirSync('/proc/self/task').map((tid) => {
    try {
      return fs.readlinkSync(`/proc/self/task/${tid}/ns/net`);
    } catch {
      return 'gone'; // a thread that ended while we looked
    }
  });
}
const fdCount = (): number => fs.readdirSync('/proc/self/fd').length;

const systemError = (code: string, syscall: string) => expect.objectContaining({ code, errno: os.constants.errno[code as keyof typeof os.constants.errno], syscall });
const settle = (promise: Promise<unknown>): Promise<unknown> =>
  promise.then(
    () => 'resolved',
    (err: unknown) => err,
  );

describe.skipIf(skip !== undefined)('dumps of another network namespace', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  let holder: PythonHolder | undefined;
  let held: Held;
  let hostServer: net.Server;
  let hostPort: number;
  let namespaceCreated = false;
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-netns-dump-'));

  beforeAll(async () => {
    spawnSync('ip', ['netns', 'delete', NAME]); // a leftover of a killed run, if any
    runOrThrow(['ip', 'netns', 'add', NAME]);
    namespaceCreated = true;
    runOrThrow(['ip', '-n', NAME, 'link', 'set', 'lo', 'up']);
    holder = startPython(['ip', 'netns', 'exec', NAME], HOLDER, [String(PORT), ABSTRACT]);
    held = await holder.next<Held>();
    hostServer = net.createServer();
    await new Promise<void>((resolve) => hostServer.listen(0, '127.0.0.1', resolve));
    hostPort = (hostServer.address() as net.AddressInfo).port;
  });

  afterAll(async () => {
    await holder?.stop();
    if (namespaceCreated) spawnSync('ip', ['netns', 'delete', NAME]);
    await new Promise((resolve) => hostServer?.close(resolve));
    fs.rmSync(temp, { recursive: true, force: true });
  });

  it('the python3 process is inside the namespace', () => {
    expect(fs.readlinkSync(`/proc/${holder!.pid}/ns/net`)).toBe(`net:[${fs.statSync(NETNS_FILE).ino}]`);
    expect(fs.readlinkSync(`/proc/${holder!.pid}/ns/net`)).not.toBe(fs.readlinkSync('/proc/self/ns/net'));
  });

  for (const which of ['named', 'process'] as const) {
    const file = (): string => (which === 'named' ? NETNS_FILE : `/proc/${holder!.pid}/ns/net`);

    it(`${which} (${which === 'named' ? '/run/netns/NAME' : '/proc/PID/ns/net'}): every dump lists exactly the namespace's sockets`, async () => {
      const netns = file();
      const tcp = [{ state: LISTEN, local: '127.0.0.1', localPort: PORT, remotePort: 0, inode: held.tcp, uid: 0 }];
      expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, true, null, netns, null))).toEqual(tcp);
      expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, netns, null))).toEqual(tcp);
      expect(inetRows(await binding.dumpInetAsync(AF_INET, IPPROTO_TCP, ALL_STATES, true, null, netns, null))).toEqual(tcp);
      expect(inetRows(binding.decodeInet(binding.recordInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, netns, null)))).toEqual(tcp);
      const compact = [{ state: LISTEN, localPort: PORT, inode: held.tcp }];
      expect(compactRows(binding.dumpInetCompact(AF_INET, IPPROTO_TCP, ALL_STATES, null, netns, null).fields)).toEqual(compact);
      expect(compactRows((await binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, ALL_STATES, null, netns, null)).fields)).toEqual(compact);

      const udp = [{ state: 7, local: '127.0.0.1', localPort: held.udpPort, remotePort: 0, inode: held.udp, uid: 0 }];
      expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_UDP, ALL_STATES, false, null, netns, null))).toEqual(udp);
      expect(inetRows(await binding.dumpInetAsync(AF_INET, IPPROTO_UDP, ALL_STATES, false, null, netns, null))).toEqual(udp);
      expect(compactRows(binding.dumpInetCompact(AF_INET, IPPROTO_UDP, ALL_STATES, null, netns, null).fields)).toEqual([
        { state: 7, localPort: held.udpPort, inode: held.udp },
      ]);
      for (const protocol of [IPPROTO_TCP, IPPROTO_UDP]) {
        expect(binding.dumpInet(AF_INET6, protocol, ALL_STATES, false, null, netns, null).fields).toHaveLength(0);
      }

      const unix = [{ inode: held.unix, state: LISTEN, name: `@${ABSTRACT}` }];
      expect(unixRows(binding.dumpUnix(netns, null))).toEqual(unix);
      expect(unixRows(await binding.dumpUnixAsync(netns, null))).toEqual(unix);
      expect(unixRows(binding.decodeUnix(binding.recordUnix(netns, null)))).toEqual(unix);
    });

    it(`${which}: the bytecode filter and the cancel flag apply inside the namespace`, async () => {
      const netns = file();
      const sourcePort = (port: number): Uint8Array => {
        const bytes = Buffer.alloc(12);
        bytes.writeUInt8(7, 0); // INET_DIAG_BC_S_COND, accept: jump to the end, reject: past it
        bytes.writeUInt8(12, 1);
        bytes.writeUInt16LE(16, 2);
        bytes.writeInt32LE(port, 8);
        return bytes;
      };
      expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, sourcePort(PORT), netns, null)).map((r) => r.inode)).toEqual([held.tcp]);
      expect(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, sourcePort(PORT + 1), netns, null).fields).toHaveLength(0);
      expect(binding.dumpInetCompact(AF_INET, IPPROTO_TCP, ALL_STATES, sourcePort(hostPort), netns, null).fields).toHaveLength(0);
      const stop = new Int32Array(new SharedArrayBuffer(4));
      stop[0] = 1;
      const cancelled = systemError('ECANCELED', 'recvmsg');
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, netns, stop)).toThrow(cancelled);
      expect(() => binding.dumpUnix(netns, stop)).toThrow(cancelled);
      expect(await settle(binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, ALL_STATES, null, netns, stop))).toEqual(cancelled);
    });
  }

  it("the caller's own dump (null, or its own namespace file) has none of the namespace's sockets", () => {
    for (const own of [null, '/proc/self/ns/net', `/proc/${process.pid}/ns/net`]) {
      const tcp = inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, own, null));
      expect(tcp.some((r) => r.localPort === hostPort && r.state === LISTEN), String(own)).toBe(true);
      expect(tcp.map((r) => r.inode), String(own)).not.toContain(held.tcp);
      expect(compactRows(binding.dumpInetCompact(AF_INET, IPPROTO_TCP, ALL_STATES, null, own, null).fields).map((r) => r.inode)).not.toContain(held.tcp);
      expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_UDP, ALL_STATES, false, null, own, null)).map((r) => r.inode)).not.toContain(held.udp);
      expect(unixRows(binding.dumpUnix(own, null)).map((r) => r.inode)).not.toContain(held.unix);
    }
    // And the namespace's dump has none of ours.
    expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, NETNS_FILE, null)).some((r) => r.localPort === hostPort)).toBe(false);
  });

  it('a missing file is ENOENT from open; a file that is no network namespace is EINVAL from setns (sync and async)', async () => {
    const regular = path.join(temp, 'regular-file');
    fs.writeFileSync(regular, 'not a namespace\n');
    const cases: Array<[string, string, string]> = [
      [path.join(temp, 'no-such-namespace'), 'ENOENT', 'open'],
      [regular, 'EINVAL', 'setns'],
      ['/proc/self/ns/uts', 'EINVAL', 'setns'], // a namespace, of another type
      [temp, 'EINVAL', 'setns'], // a directory
    ];
    if (fs.existsSync('/etc/hostname')) cases.push(['/etc/hostname', 'EINVAL', 'setns']);
    for (const [file, code, syscall] of cases) {
      const error = systemError(code, syscall);
      const message = expect.objectContaining({ message: expect.stringContaining(file) });
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, true, null, file, null), file).toThrow(error);
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, true, null, file, null), file).toThrow(message);
      expect(() => binding.dumpInetCompact(AF_INET, IPPROTO_UDP, ALL_STATES, null, file, null), file).toThrow(error);
      expect(() => binding.dumpUnix(file, null), file).toThrow(error);
      expect(() => binding.recordInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, file, null), file).toThrow(error);
      expect(() => binding.recordUnix(file, null), file).toThrow(error);
      expect(await settle(binding.dumpInetAsync(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, file, null)), file).toEqual(error);
      expect(await settle(binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, ALL_STATES, null, file, null)), file).toEqual(error);
      expect(await settle(binding.dumpUnixAsync(file, null)), file).toEqual(error);
    }
  });

  it.skipIf(noSetpriv !== undefined)('as uid 65534: EPERM from setns for the namespace, EACCES from open for an unreadable file; its own dumps work', () => {
    const secretDir = fs.mkdtempSync(path.join(temp, 'secret-')); // 0700, root's
    const secret = path.join(secretDir, 'netns');
    fs.writeFileSync(secret, '');
    const script = `
      const [addon, netns, secret] = process.argv.slice(1);
      const b = require(addon);
      const outcome = (run) => { try { run(); return 'ok'; } catch (err) { return { code: err.code, syscall: err.syscall, type: err.constructor.name }; } };
      (async () => {
        const out = { uid: process.getuid(), gid: process.getgid() };
        out.inet = outcome(() => b.dumpInet(2, 6, ${ALL_STATES}, false, null, netns, null));
        out.compact = outcome(() => b.dumpInetCompact(2, 6, ${ALL_STATES}, null, netns, null));
        out.unix = outcome(() => b.dumpUnix(netns, null));
        out.record = outcome(() => b.recordUnix(netns, null));
        out.watch = outcome(() => b.watchDestroyed(netns, () => {}).close());
        out.inetAsync = await b.dumpInetAsync(2, 6, ${ALL_STATES}, false, null, netns, null).then(() => 'ok', (err) => ({ code: err.code, syscall: err.syscall, type: err.constructor.name }));
        out.unixAsync = await b.dumpUnixAsync(netns, null).then(() => 'ok', (err) => ({ code: err.code, syscall: err.syscall, type: err.constructor.name }));
        out.secret = outcome(() => b.dumpInet(2, 6, ${ALL_STATES}, false, null, secret, null));
        out.own = outcome(() => b.dumpInet(2, 6, ${ALL_STATES}, false, null, null, null));
        out.ownUnix = outcome(() => b.dumpUnix(null, null));
        console.log(JSON.stringify(out));
      })();`;
    const child = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script, ADDON_PATH, NETNS_FILE, secret], {
      encoding: 'utf8',
      cwd: '/',
      timeout: 60_000,
    });
    expect(child.stderr).toBe('');
    const denied = { code: 'EPERM', syscall: 'setns', type: 'Error' };
    expect(JSON.parse(child.stdout)).toEqual({
      uid: 65534,
      gid: 65534,
      inet: denied,
      compact: denied,
      unix: denied,
      record: denied,
      watch: denied,
      inetAsync: denied,
      unixAsync: denied,
      secret: { code: 'EACCES', syscall: 'open', type: 'Error' },
      own: 'ok',
      ownUnix: 'ok',
    });
  });

  it('hundreds of dumps into the namespace leave every thread in its own namespace and no descriptor behind', async () => {
    const home = fs.readlinkSync('/proc/self/ns/net');
    // Warm up what the first calls create once (the libuv pool), so the counts compare like with like.
    await binding.dumpInetAsync(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, NETNS_FILE, null);
    await binding.dumpUnixAsync(null, null);
    const fdsBefore = fdCount();
    const threadsBefore = fs.readdirSync('/proc/self/task').length;
    expect(new Set(threadNamespaces())).toEqual(new Set([home]));

    let rows = 0;
    for (let i = 0; i < 50; i++) {
      const netns = i % 2 === 0 ? NETNS_FILE : `/proc/${holder!.pid}/ns/net`;
      rows += binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, i % 3 === 0, null, netns, null).fields.length / INET_STRIDE;
      rows += binding.dumpInetCompact(AF_INET, IPPROTO_UDP, ALL_STATES, null, netns, null).fields.length / COMPACT_STRIDE;
      rows += binding.dumpUnix(netns, null).fields.length / UNIX_STRIDE;
      rows += binding.decodeUnix(binding.recordUnix(netns, null)).fields.length / UNIX_STRIDE;
    }
    for (let i = 0; i < 10; i++) {
      const batch: Array<Promise<{ fields: Uint32Array }>> = [];
      for (let j = 0; j < 5; j++) {
        batch.push(binding.dumpInetAsync(AF_INET, IPPROTO_TCP, ALL_STATES, true, null, NETNS_FILE, null));
        batch.push(binding.dumpInetCompactAsync(AF_INET, IPPROTO_TCP, ALL_STATES, null, NETNS_FILE, null));
      }
      for (const packed of await Promise.all(batch)) rows += packed.fields.length > 0 ? 1 : 0;
    }
    // Failures on every path: the file, the setns, the cancel flag.
    const stop = new Int32Array(new SharedArrayBuffer(4));
    stop[0] = 1;
    for (let i = 0; i < 20; i++) {
      expect(() => binding.dumpInet(AF_INET, IPPROTO_TCP, ALL_STATES, false, null, '/proc/self/ns/uts', null)).toThrow(systemError('EINVAL', 'setns'));
      expect(() => binding.dumpUnix(path.join(temp, 'missing'), null)).toThrow(systemError('ENOENT', 'open'));
      expect(() => binding.dumpUnix(NETNS_FILE, stop)).toThrow(systemError('ECANCELED', 'recvmsg'));
    }
    expect(rows).toBe(200 + 100);

    expect(fs.readlinkSync('/proc/self/ns/net')).toBe(home);
    expect(new Set(threadNamespaces())).toEqual(new Set([home]));
    expect(fs.readdirSync('/proc/self/task').length).toBe(threadsBefore); // the helper threads are gone
    expect(fdCount()).toBe(fdsBefore);
    // The main thread still dumps its own namespace.
    expect(inetRows(binding.dumpInet(AF_INET, IPPROTO_TCP, 1 << LISTEN, false, null, null, null)).some((r) => r.localPort === hostPort)).toBe(true);
  });
});
