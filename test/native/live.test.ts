/**
 * Live: the engine against this process's own sockets in the current
 * namespace (no root needed: sock_diag dumps are unprivileged). A listener
 * and a UNIX server opened here must appear with our uid, and the fd walk
 * must name this process as their holder. Also: async variants give the
 * sync results and leave the event loop running.
 */
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeOwners, createNetlinkBackend } from '../../src/backends/netlink';
import type { InetQuery } from '../../src/backends/types';
import { TcpState, UNIX_FLAG_ACCEPTCON } from '../../src/model';
import { type NativeBinding, loadNative } from '../../src/native';
import { programNameOf } from '../../src/procfs/program-name';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`live tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('live dumps of this process', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  const backend = createNetlinkBackend(binding);
  const owners = createNativeOwners(binding, '/proc');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-live-'));
  const unixPath = path.join(dir, 'live.sock');
  let tcp: net.Server;
  let unix: net.Server;
  let port: number;

  beforeAll(async () => {
    tcp = net.createServer();
    await new Promise<void>((resolve) => tcp.listen(0, '127.0.0.1', resolve));
    port = (tcp.address() as net.AddressInfo).port;
    unix = net.createServer();
    await new Promise<void>((resolve) => unix.listen(unixPath, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => tcp.close(resolve));
    await new Promise((resolve) => unix.close(resolve));
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('finds our TCP listener with our uid, and us as its holder', () => {
    const rows = backend.inet({ protocol: 'tcp', family: 'inet', filter: { selection: 'listening' }, timers: false }).rows;
    const ours = rows.find((r) => r.localPort === port);
    expect(ours).toMatchObject({ localAddress: '127.0.0.1', state: TcpState.LISTEN, stateName: 'LISTEN', uid: process.getuid!(), sendQueue: 0 });
    expect(rows.every((r) => r.remotePort === 0)).toBe(true); // net-tools' servers: remote port 0 (asked of the kernel by bytecode)
    // A state filter narrows the kernel's state mask: LISTEN only.
    const listen = backend.inet({ protocol: 'tcp', family: 'inet', filter: { selection: 'all', inetStates: 1 << TcpState.LISTEN }, timers: false }).rows;
    expect(listen.some((r) => r.localPort === port)).toBe(true);
    expect(listen.every((r) => r.state === TcpState.LISTEN)).toBe(true);
    const scan = owners.scan({ wanted: new Set([ours!.inode]) });
    const program = programNameOf(fs.readFileSync(`/proc/${process.pid}/cmdline`));
    const me = program.base64 === undefined ? { pid: process.pid, program: program.text } : { pid: process.pid, program: program.text, programBase64: program.base64 };
    expect(scan.owners.get(ours!.inode)).toEqual([me]);
  });

  it('finds our UNIX server with its path and ACC flag', () => {
    const rows = backend.unix({ filter: { selection: 'listening' } }).rows;
    expect(rows.find((r) => r.path === unixPath)).toMatchObject({ flags: UNIX_FLAG_ACCEPTCON, type: 1, refCount: 2, stateName: 'LISTENING', typeName: 'STREAM' });
  });

  it('async variants give the sync results without blocking the event loop', async () => {
    let ticks = 0;
    const timer = setInterval(() => ticks++, 0);
    const pending = owners.scanAsync({});
    await new Promise((resolve) => setTimeout(resolve, 5));
    const scan = await pending;
    clearInterval(timer);
    expect(ticks).toBeGreaterThan(0);
    const sync = owners.scan({});
    for (const [inode, holders] of scan.owners) if (holders[0]!.pid === process.pid) expect(sync.owners.get(inode)).toEqual(holders);
    const query: InetQuery = { protocol: 'tcp', family: 'inet', filter: { selection: 'listening' }, timers: false };
    expect((await backend.inetAsync(query)).rows.find((r) => r.localPort === port)).toEqual(backend.inet(query).rows.find((r) => r.localPort === port));
  });

  it('a missing diag module is ENOENT with syscall sock_diag (or the table works)', () => {
    for (const family of ['inet', 'inet6'] as const) {
      try {
        expect(Array.isArray(backend.inet({ protocol: 'raw', family, filter: { selection: 'all' }, timers: false }).rows)).toBe(true);
      } catch (err) {
        expect(err).toMatchObject({ name: 'NetstatError', code: 'ENOENT', errno: 2, syscall: 'sock_diag' });
      }
    }
  });
});
