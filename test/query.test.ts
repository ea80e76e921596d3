/**
 * The library query against the live system, under whichever backend the
 * environment selects (CI runs the suite once with NETSTAT_BACKEND=netlink and
 * once with procfs): sockets opened here must be listed with the right fields
 * and this process as their owner, by both the async and the sync variant.
 */
import * as net from 'node:net';
import * as dgram from 'node:dgram';
import * as os from 'node:os';
import * as path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpState, UNIX_FLAG_ACCEPTCON, UnixState, listSockets, listSocketsSync } from '../src/index';

let server: net.Server;
let client: net.Socket;
let udp: dgram.Socket;
let unixServer: net.Server;
let dir: string;
let tcpPort = 0;
let udpPort = 0;
let unixPath = '';

beforeAll(async () => {
  server = net.createServer((s) => s.pause());
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  tcpPort = (server.address() as net.AddressInfo).port;
  client = net.connect(tcpPort, '127.0.0.1');
  await new Promise<void>((resolve) => client.once('connect', resolve));
  udp = dgram.createSocket('udp4');
  await new Promise<void>((resolve) => udp.bind(0, '127.0.0.1', resolve));
  udpPort = udp.address().port;
  dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-query-'));
  unixPath = path.join(dir, 'listener.sock');
  unixServer = net.createServer();
  await new Promise<void>((resolve) => unixServer.listen(unixPath, resolve));
});

afterAll(async () => {
  client?.destroy();
  await new Promise((resolve) => server?.close(resolve));
  udp?.close();
  await new Promise((resolve) => unixServer?.close(resolve));
  rmSync(dir, { recursive: true, force: true });
});

describe.each([
  ['listSockets', (req: Parameters<typeof listSocketsSync>[0]) => listSockets(req)],
  ['listSocketsSync', async (req: Parameters<typeof listSocketsSync>[0]) => listSocketsSync(req)],
])('%s', (_name, list) => {
  it('finds this process’s TCP listener and connection with their fields and owner', async () => {
    const result = await list({ protocols: ['tcp'], families: ['inet'], owners: true });
    const listener = result.inet.find((s) => s.localPort === tcpPort && s.state === TcpState.LISTEN);
    expect(listener).toMatchObject({
      protocol: 'tcp',
      family: 'inet',
      stateName: 'LISTEN',
      localAddress: '127.0.0.1',
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      sendQueue: 0,
    });
    expect(listener?.inode).toBeGreaterThan(0);
    expect(listener?.uid).toBe(process.getuid?.());
    expect(listener?.owners?.[0]?.pid).toBe(process.pid);
    // The first holder is also given as pid/program (what netstat -p shows).
    expect(listener?.pid).toBe(process.pid);
    expect(listener?.program).toBe(listener?.owners?.[0]?.program);
    const outgoing = result.inet.find((s) => s.remotePort === tcpPort && s.state === TcpState.ESTABLISHED);
    expect(outgoing?.localPort).toBe(client.localPort);
    expect(outgoing?.stateName).toBe('ESTABLISHED');
    expect(outgoing?.owners?.[0]?.pid).toBe(process.pid);
    expect(outgoing?.pid).toBe(process.pid);
    // Only the tables asked for are read: no UNIX table without 'unix' in protocols.
    expect(result.unix).toEqual([]);
    expect(result.tables.map((t) => t.table)).toEqual(['tcp/inet']);
    expect(result.tables[0]).toMatchObject({ status: 'ok', rows: result.inet.length, malformed: 0 });
    expect(result.sources.length).toBeGreaterThan(0);
    expect(result.sources.some((c) => c.table === 'owners')).toBe(true);
    expect(result.ownerWalk).toMatchObject({ procUnreadable: false });
  });

  it('applies net-tools selection: listening excludes connections, connected excludes listeners', async () => {
    const listening = await list({ protocols: ['tcp'], families: ['inet'], selection: 'listening' });
    expect(listening.inet.every((s) => s.remotePort === 0)).toBe(true);
    expect(listening.inet.some((s) => s.localPort === tcpPort)).toBe(true);
    const connected = await list({ protocols: ['tcp'], families: ['inet'], selection: 'connected' });
    expect(connected.inet.some((s) => s.localPort === tcpPort && s.state === TcpState.LISTEN)).toBe(false);
    expect(connected.inet.some((s) => s.remotePort === tcpPort)).toBe(true);
  });

  it('finds the UDP socket and the UNIX listener', async () => {
    const result = await list({ protocols: ['udp', 'unix'], families: ['inet'], owners: true });
    const bound = result.inet.find((s) => s.localPort === udpPort);
    expect(bound).toMatchObject({ protocol: 'udp', localAddress: '127.0.0.1', state: TcpState.CLOSE, stateName: 'CLOSE' });
    const listener = result.unix.find((s) => s.path === unixPath);
    expect(listener).toMatchObject({ type: 1, typeName: 'STREAM', state: UnixState.UNCONNECTED, stateName: 'LISTENING', protocol: 0 });
    expect((listener?.flags ?? 0) & UNIX_FLAG_ACCEPTCON).toBe(UNIX_FLAG_ACCEPTCON);
    expect(listener?.owners?.[0]?.pid).toBe(process.pid);
    expect(listener?.pid).toBe(process.pid);
    expect(result.tables.map((t) => t.table)).toEqual(['udp/inet', 'unix']);
  });
});
