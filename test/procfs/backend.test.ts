import * as dgram from 'node:dgram';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcfsBackend, createProcfsOwners } from '../../src/backends/procfs';
import type { InetQuery, Selection } from '../../src/backends/types';
import { NetstatError } from '../../src/errors';
import { INET_FAMILIES, INET_PROTOCOLS, TcpState, UNIX_FLAG_ACCEPTCON, UnixState, UnixType } from '../../src/model';
import { copyTree, fixture } from './helpers';
import { skipReason } from '../harness/needs';

const query = (protocol: InetQuery['protocol'], family: InetQuery['family'], selection: Selection = 'all'): InetQuery => ({
  protocol,
  family,
  filter: { selection },
  timers: true,
});

describe('createProcfsBackend over a captured tree', () => {
  const backend = createProcfsBackend(fixture('ns-capture'));

  it('is named procfs', () => {
    expect(backend.name).toBe('procfs');
    expect(createProcfsOwners(fixture('ns-capture')).name).toBe('procfs');
  });

  it('reads each protocol and family from its own file', () => {
    const counts = INET_PROTOCOLS.flatMap((p) => INET_FAMILIES.map((f) => `${p}/${f}:${backend.inet(query(p, f)).rows.length}`));
    expect(counts).toEqual(['tcp/inet:10', 'tcp/inet6:6', 'udp/inet:2', 'udp/inet6:2', 'udplite/inet:1', 'udplite/inet6:0', 'raw/inet:1', 'raw/inet6:1']);
    expect(backend.unix({ filter: { selection: 'all' } }).rows).toHaveLength(11);
  });

  it('gives equal results sync and async for every table and selection', async () => {
    for (const selection of ['all', 'listening', 'connected'] as const) {
      for (const p of INET_PROTOCOLS) {
        for (const f of INET_FAMILIES) expect(await backend.inetAsync(query(p, f, selection))).toEqual(backend.inet(query(p, f, selection)));
      }
      expect(await backend.unixAsync({ filter: { selection } })).toEqual(backend.unix({ filter: { selection } }));
    }
  });

  it('uses NETSTAT_PROC_ROOT when no root is given', () => {
    const saved = process.env.NETSTAT_PROC_ROOT;
    process.env.NETSTAT_PROC_ROOT = fixture('addresses');
    try {
      expect(createProcfsBackend().inet(query('tcp', 'inet')).rows[2]!.localAddress).toBe('0.1.2.3');
    } finally {
      if (saved === undefined) delete process.env.NETSTAT_PROC_ROOT;
      else process.env.NETSTAT_PROC_ROOT = saved;
    }
  });
});

describe('createProcfsOwners over a captured tree', () => {
  it('finds both processes holding each captured socket', async () => {
    const owners = createProcfsOwners(fixture('ns-capture'));
    const scan = owners.scan({});
    const tcp = createProcfsBackend(fixture('ns-capture')).inet(query('tcp', 'inet'));
    const pids = fs.readdirSync(fixture('ns-capture')).filter((n) => /^\d+$/.test(n)).map(Number);
    for (const row of tcp.rows.filter((r) => r.inode !== 0)) {
      expect(scan.owners.get(row.inode)?.map((r) => r.pid).sort()).toEqual(pids.sort());
      expect(scan.owners.get(row.inode)?.[0]?.program).toBe('python3');
    }
    expect(await owners.scanAsync({})).toEqual(scan);
  });
});

describe('errors', () => {
  const backend = createProcfsBackend(fixture('odd-files'));

  it('a missing table is ENOENT, with path, syscall and perror-style message', async () => {
    const file = path.join(fixture('odd-files'), 'net/tcp6');
    for (const attempt of [() => backend.inet(query('tcp', 'inet6')), () => backend.inetAsync(query('tcp', 'inet6'))]) {
      const err = await Promise.resolve().then(attempt).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NetstatError);
      expect(err).toMatchObject({ code: 'ENOENT', errno: 2, syscall: 'open', path: file, message: `${file}: No such file or directory` });
    }
  });

  it('other open errors keep their code (ELOOP)', async () => {
    expect(() => backend.inet(query('udp', 'inet'))).toThrow(expect.objectContaining({ code: 'ELOOP', syscall: 'open' }));
    await expect(backend.inetAsync(query('udp', 'inet'))).rejects.toMatchObject({ code: 'ELOOP' });
  });

  it('a missing unix table is ENOENT too', async () => {
    const empty = createProcfsBackend(fixture('addresses'));
    expect(() => empty.unix({ filter: { selection: 'all' } })).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await expect(empty.unixAsync({ filter: { selection: 'all' } })).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it.skipIf(skipReason('the unreadable table test', { root: true }) !== undefined)('an unreadable table is EACCES (net-tools treats it as missing)', () => {
    const root = copyTree(fixture('odd-files'));
    fs.chmodSync(path.join(root, 'net/tcp'), 0o000);
    try {
      process.seteuid!(65534);
      try {
        expect(() => createProcfsBackend(root).inet(query('tcp', 'inet'))).toThrow(expect.objectContaining({ code: 'EACCES', errno: 13 }));
      } finally {
        process.seteuid!(0);
      }
    } finally {
      fs.rmSync(root, { recursive: true });
    }
  });
});

/** argv[0] as net-tools would name this process. */
function ownProgramName(): string {
  const argv0 = fs.readFileSync('/proc/self/cmdline').toString('utf8').split('\0')[0]!;
  return argv0.startsWith('/') ? argv0.slice(argv0.lastIndexOf('/') + 1) : argv0;
}

describe.skipIf(!fs.existsSync('/proc/self/net/tcp'))('live sockets of this process', () => {
  let server: net.Server;
  let udp: dgram.Socket;
  let unixServer: net.Server;
  let unixPath: string;
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procfs-live-'));
    unixPath = path.join(tmp, 'live socket.sock');
    server = net.createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    udp = dgram.createSocket('udp4');
    await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
    unixServer = net.createServer();
    await new Promise<void>((resolve) => unixServer.listen(unixPath, resolve));
  });
  afterAll(async () => {
    await new Promise((resolve) => server.close(resolve));
    await new Promise<void>((resolve) => udp.close(resolve));
    await new Promise((resolve) => unixServer.close(resolve));
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  it('finds the TCP listener, UDP socket and UNIX listener with their owner', async () => {
    const backend = createProcfsBackend('/proc');
    const tcpPort = (server.address() as net.AddressInfo).port;
    const udpPort = udp.address().port;

    const tcp = backend.inet(query('tcp', 'inet', 'listening')).rows.find((r) => r.localPort === tcpPort && r.localAddress === '127.0.0.1');
    expect(tcp).toMatchObject({ protocol: 'tcp', family: 'inet', remoteAddress: '0.0.0.0', remotePort: 0, state: TcpState.LISTEN, uid: process.getuid!() });
    expect(tcp!.timer.kind).toBe(0);
    const udpRow = backend.inet(query('udp', 'inet')).rows.find((r) => r.localPort === udpPort && r.localAddress === '127.0.0.1');
    expect(udpRow).toMatchObject({ protocol: 'udp', remoteAddress: '0.0.0.0', state: 7, uid: process.getuid!() });
    const unix = backend.unix({ filter: { selection: 'listening' } }).rows.find((r) => r.path === unixPath);
    expect(unix).toMatchObject({ type: UnixType.STREAM, state: UnixState.UNCONNECTED, flags: UNIX_FLAG_ACCEPTCON, protocol: 0 });

    const inodes = [tcp!.inode, udpRow!.inode, unix!.inode];
    expect(inodes.every((inode) => inode > 0)).toBe(true);
    const owners = createProcfsOwners('/proc');
    const me = { pid: process.pid, program: ownProgramName() };
    for (const scan of [owners.scan({ wanted: new Set(inodes) }), await owners.scanAsync({ wanted: new Set(inodes) }), owners.scan({})]) {
      for (const inode of inodes) expect(scan.owners.get(inode)).toContainEqual(me);
    }

    // the async readers see the same rows
    expect((await backend.inetAsync(query('tcp', 'inet', 'listening'))).rows).toContainEqual(tcp);
    expect((await backend.unixAsync({ filter: { selection: 'listening' } })).rows).toContainEqual(unix);
  });
});
