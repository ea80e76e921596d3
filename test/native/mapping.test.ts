/**
 * The netlink backend's mapping from packed native tables to model records,
 * on hand-built packed data (runs anywhere: no addon, no root). Each case is
 * a place where inet_diag/unix_diag and /proc differ, see
 * src/backends/netlink.ts and native/README.md.
 */
import { describe, expect, it } from 'vitest';
import { kernelFilter } from '../../src/backends/kernel-filter';
import { ERR_UNIX_EMBRYOS, inetRows, ownerScan, stateMask, unixRows } from '../../src/backends/netlink';
import type { Selection } from '../../src/backends/types';
import { TcpState, UNIX_FLAG_ACCEPTCON, UnixState } from '../../src/model';
import { INET_STRIDE, InetField, type PackedInet, type PackedOwners, UNIX_STRIDE, UnixField } from '../../src/native';

type InetValues = Partial<Record<keyof typeof InetField, number>>;
function packInet(addresses: string[], rows: InetValues[]): PackedInet {
  const fields = new Uint32Array(rows.length * INET_STRIDE);
  rows.forEach((row, i) => {
    for (const [name, value] of Object.entries(row)) fields[i * INET_STRIDE + InetField[name as keyof typeof InetField]] = value!;
  });
  return { fields, addresses };
}

type UnixValues = Partial<Record<keyof typeof UnixField, number>> & { name?: string };
function packUnix(rows: UnixValues[]): { fields: Uint32Array; names: Buffer } {
  const fields = new Uint32Array(rows.length * UNIX_STRIDE);
  let names = '';
  rows.forEach((row, i) => {
    const { name, ...values } = row;
    for (const [key, value] of Object.entries(values)) fields[i * UNIX_STRIDE + UnixField[key as keyof typeof UnixField]] = value!;
    if (name !== undefined) {
      fields[i * UNIX_STRIDE + UnixField.NameOffset] = Buffer.byteLength(names);
      fields[i * UNIX_STRIDE + UnixField.NameLength] = Buffer.byteLength(name);
      names += name;
    }
  });
  return { fields, names: Buffer.from(names) };
}

const ports = (local: number, remote: number) => ((local << 16) | remote) >>> 0;
const only = (selection: Selection) => ({ selection });

describe('inet rows', () => {
  const addresses = ['0.0.0.0', '127.0.0.1'];

  it('a TCP listener shows Send-Q 0 (inet_diag reports its backlog there)', () => {
    const [row] = inetRows(packInet(addresses, [{ State: TcpState.LISTEN, SendQueue: 4096, RecvQueue: 2, Ports: ports(80, 0), LocalAddress: 1 }]), 'tcp', 'inet');
    expect(row).toMatchObject({ state: TcpState.LISTEN, sendQueue: 0, recvQueue: 2, localAddress: '127.0.0.1', localPort: 80, remoteAddress: '0.0.0.0', remotePort: 0 });
    const [established] = inetRows(packInet(addresses, [{ State: 1, SendQueue: 4096, Ports: ports(80, 5000), RemoteAddress: 1 }]), 'tcp', 'inet');
    expect(established!.sendQueue).toBe(4096);
  });

  it('timers: expiry truncated to /proc clock ticks; counters from tcp_info, else by timer kind', () => {
    const packed = packInet(addresses, [
      { State: 1, Timer: 1, ExpiresMs: 1239, DiagRetrans: 3, HasInfo: 1, InfoRetransmits: 3, InfoProbes: 2, Ports: ports(1, 2) },
      { State: 1, Timer: 1, ExpiresMs: 200, DiagRetrans: 3, Ports: ports(1, 2) },
      { State: 1, Timer: 4, ExpiresMs: 5, DiagRetrans: 6, Ports: ports(1, 2) },
      { State: 1, Ports: ports(1, 2) },
    ]);
    const [info, retrans, probe, off] = inetRows(packed, 'tcp', 'inet').map((r) => r.timer);
    expect(info).toEqual({ kind: 1, expiresMs: 1230, retransmits: 3, probes: 2 });
    expect(retrans).toEqual({ kind: 1, expiresMs: 200, retransmits: 3, probes: 0 });
    expect(probe).toEqual({ kind: 4, expiresMs: 0, retransmits: 0, probes: 6 });
    expect(off).toEqual({ kind: 0, expiresMs: 0, retransmits: 0, probes: 0 });
    expect(Object.isFrozen(off)).toBe(true); // shared by every idle row
  });

  it('UDP and RAW report no timers; RAW shows the protocol as local port and 0 as remote port', () => {
    const packed = packInet(addresses, [{ State: 7, Timer: 1, ExpiresMs: 100, Ports: ports(58, 17), RecvQueue: 768 }]);
    expect(inetRows(packed, 'raw', 'inet6')[0]).toMatchObject({ protocol: 'raw', family: 'inet6', localPort: 58, remotePort: 0, recvQueue: 768, timer: { kind: 0 } });
    expect(inetRows(packed, 'udp', 'inet')[0]).toMatchObject({ localPort: 58, remotePort: 17, timer: { kind: 0, expiresMs: 0 } });
  });

  it('selection follows net-tools: TCP servers have remote port 0, UDP/RAW servers a wildcard remote address', () => {
    const tcp = packInet(addresses, [
      { State: TcpState.LISTEN, Ports: ports(80, 0) },
      { State: 1, Ports: ports(80, 4000), RemoteAddress: 1 },
      { State: TcpState.CLOSE, Ports: ports(81, 0), RemoteAddress: 1 }, // remote port 0 in another state (TCP_REPAIR): a server too
    ]);
    expect(inetRows(tcp, 'tcp', 'inet', only('listening')).map((r) => r.state)).toEqual([TcpState.LISTEN, TcpState.CLOSE]);
    expect(inetRows(tcp, 'tcp', 'inet', only('connected')).map((r) => r.state)).toEqual([1]);
    const udp = packInet(['::', '::1'], [
      { State: 7, Ports: ports(53, 0), RemoteAddress: 0 },
      { State: 1, Ports: ports(5353, 53), RemoteAddress: 1 },
    ]);
    expect(inetRows(udp, 'udp', 'inet6', only('listening')).map((r) => r.localPort)).toEqual([53]);
    expect(inetRows(udp, 'udp', 'inet6', only('connected')).map((r) => r.localPort)).toEqual([5353]);
    expect(inetRows(udp, 'udp', 'inet6', only('all'))).toHaveLength(2);
  });

  it('records carry the state name', () => {
    const packed = packInet(addresses, [{ State: TcpState.LISTEN }, { State: TcpState.ESTABLISHED }, { State: TcpState.CLOSE }]);
    expect(inetRows(packed, 'tcp', 'inet').map((r) => r.stateName)).toEqual(['LISTEN', 'ESTABLISHED', 'CLOSE']);
  });

  it('cookies are 64-bit, as decimal text', () => {
    const packed = packInet(addresses, [
      { CookieLow: 5, CookieHigh: 0 },
      { CookieLow: 0xffffffff, CookieHigh: 0xffffffff },
      { CookieLow: 1, CookieHigh: 0x1fffff },
      { CookieLow: 0, CookieHigh: 0x200000 },
    ]);
    expect(inetRows(packed, 'tcp', 'inet').map((r) => r.cookie)).toEqual([
      '5',
      (0xffffffffffffffffn).toString(),
      (0x1fffff00000001n).toString(),
      (0x20000000000000n).toString(),
    ]);
  });

  it('the state mask never asks for TCP_BOUND_INACTIVE and follows the filter', () => {
    for (const selection of ['connected', 'listening', 'all'] as const) expect(stateMask('tcp', only(selection)) & (1 << 13)).toBe(0);
    // "listening" is net-tools' remote-port-0 rule, which a socket in any state can meet: the
    // mask cannot narrow it; the kernel is asked for remote port 0 by bytecode instead.
    expect(stateMask('tcp', only('listening'))).toBe(stateMask('tcp', only('all')));
    expect(kernelFilter('tcp', only('listening'))).not.toBeNull();
    expect(kernelFilter('tcp', only('all'))).toBeNull();
    expect(kernelFilter('tcp', only('connected'))).toBeNull();
    expect(stateMask('tcp', only('connected')) & (1 << TcpState.LISTEN)).toBe(0);
    expect(stateMask('tcp', only('connected')) & (1 << 12)).not.toBe(0); // request sockets (SYN_RECV)
    expect(stateMask('tcp', only('all')) & (1 << TcpState.LISTEN)).not.toBe(0);
    expect(stateMask('udp', only('listening'))).toBe(stateMask('udp', only('all')));
    // inetStates narrows the mask; SYN_RECV also asks for the request sockets (bit 12).
    expect(stateMask('tcp', { selection: 'all', inetStates: 1 << TcpState.LISTEN })).toBe(1 << TcpState.LISTEN);
    expect(stateMask('tcp', { selection: 'all', inetStates: 1 << TcpState.SYN_RECV })).toBe((1 << TcpState.SYN_RECV) | (1 << 12));
    expect(stateMask('tcp', { selection: 'connected', inetStates: (1 << TcpState.LISTEN) | (1 << TcpState.ESTABLISHED) })).toBe(1 << TcpState.ESTABLISHED);
    expect(stateMask('udp', { selection: 'all', inetStates: 1 << TcpState.LISTEN })).toBe(stateMask('udp', only('all')));
  });
});

describe('unix rows', () => {
  it('state, flags and RefCnt as /proc shows them', () => {
    const rows = unixRows(
      packUnix([
        { Type: 1, State: TcpState.LISTEN, Inode: 10, name: '/run/server' },
        { Type: 1, State: TcpState.ESTABLISHED, Inode: 11, PeerInode: 12 },
        { Type: 1, State: TcpState.ESTABLISHED, Inode: 12, PeerInode: 11, name: '/run/server' },
        { Type: 2, State: TcpState.CLOSE, Inode: 20, name: '@log' },
        { Type: 2, State: TcpState.ESTABLISHED, Inode: 21, PeerInode: 20 },
        { Type: 2, State: TcpState.ESTABLISHED, Inode: 22, PeerInode: 20 },
        { Type: 1, State: TcpState.ESTABLISHED, Inode: 30, PeerInode: 0 }, // its peer has closed
      ]),
    );
    expect(rows.map((r) => [r.inode, r.refCount, r.state, r.flags])).toEqual([
      [10, 2, UnixState.UNCONNECTED, UNIX_FLAG_ACCEPTCON],
      [11, 3, UnixState.CONNECTED, 0],
      [12, 3, UnixState.CONNECTED, 0],
      [20, 4, UnixState.UNCONNECTED, 0],
      [21, 2, UnixState.CONNECTED, 0],
      [22, 2, UnixState.CONNECTED, 0],
      [30, 2, UnixState.CONNECTED, 0],
    ]);
    expect(rows.map((r) => r.path)).toEqual(['/run/server', '', '/run/server', '@log', '', '', '']);
    expect(rows.map((r) => `${r.typeName} ${r.stateName}`)).toEqual([
      'STREAM LISTENING',
      'STREAM CONNECTED',
      'STREAM CONNECTED',
      'DGRAM UNCONNECTED',
      'DGRAM CONNECTED',
      'DGRAM CONNECTED',
      'STREAM CONNECTED',
    ]);
    expect(rows.every((r) => r.pathBase64 === undefined)).toBe(true);
    expect(rows.every((r) => r.protocol === 0)).toBe(true);
  });

  it('selection: listeners are the servers', () => {
    const packed = packUnix([
      { Type: 1, State: TcpState.LISTEN, Inode: 1 },
      { Type: 2, State: TcpState.CLOSE, Inode: 2 },
    ]);
    expect(unixRows(packed, only('listening')).map((r) => r.inode)).toEqual([1]);
    expect(unixRows(packed, only('connected')).map((r) => r.inode)).toEqual([2]);
  });

  it('a name that is not valid UTF-8 also carries its bytes (pathBase64)', () => {
    const packed = packUnix([{ Type: 1, State: TcpState.CLOSE, Inode: 1 }]);
    packed.fields[UnixField.NameOffset] = 0;
    packed.fields[UnixField.NameLength] = 6;
    packed.names = Buffer.from([0x2f, 0x74, 0x6d, 0x70, 0x2f, 0xff]); // "/tmp/\xff"
    const [row] = unixRows(packed);
    expect(row).toMatchObject({ path: '/tmp/\ufffd', pathBase64: packed.names.toString('base64') });
  });

  it('a listener with connections waiting to be accepted makes the table inexact: ERR_NETLINK_UNIX_EMBRYOS', () => {
    const packed = packUnix([{ Type: 1, State: TcpState.LISTEN, Inode: 1, RecvQueue: 1 }]);
    expect(() => unixRows(packed)).toThrow(expect.objectContaining({ code: ERR_UNIX_EMBRYOS, name: 'NetstatError' }));
  });
});

describe('owner map', () => {
  it('holders in walk order, one entry per process, one ProcessRef per process', () => {
    const programs = Buffer.from('nginxsshd');
    const packed: PackedOwners = {
      inodes: new Float64Array([7, 8, 7, 9, 7, 7]),
      pids: new Int32Array([100, 100, 100, 200, 200, 300]),
      programOffsets: new Uint32Array([0, 0, 0, 5, 5, 5]),
      programLengths: new Uint32Array([5, 5, 5, 4, 4, 0]),
      programs,
      denied: 1,
      vanished: 2,
      procUnreadable: false,
    };
    const scan = ownerScan(packed);
    expect(scan.owners.get(7)).toEqual([
      { pid: 100, program: 'nginx' },
      { pid: 200, program: 'sshd' },
      { pid: 300, program: '' },
    ]);
    expect(scan.owners.get(8)![0]).toBe(scan.owners.get(7)![0]);
    expect(scan.owners.get(9)).toEqual([{ pid: 200, program: 'sshd' }]);
    expect(scan).toMatchObject({ denied: 1, vanished: 2, procUnreadable: false });
  });

  it('a program name that is not valid UTF-8 also carries its bytes (programBase64)', () => {
    const programs = Buffer.from([0x63, 0x61, 0x66, 0xe9]); // "caf\xe9"
    const packed: PackedOwners = {
      inodes: new Float64Array([7]),
      pids: new Int32Array([100]),
      programOffsets: new Uint32Array([0]),
      programLengths: new Uint32Array([4]),
      programs,
      denied: 0,
      vanished: 0,
      procUnreadable: false,
    };
    expect(ownerScan(packed).owners.get(7)).toEqual([{ pid: 100, program: 'caf\ufffd', programBase64: programs.toString('base64') }]);
  });
});
