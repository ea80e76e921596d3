import { describe, expect, it } from 'vitest';
import type { Selection } from '../../src/backends/types';
import { inetKeep, unixKeep } from '../../src/filter';
import { TcpState, UNIX_FLAG_ACCEPTCON, type InetSocket, type UnixSocket, tcpStateName, unixStateName, unixTypeName } from '../../src/model';
import { endpointField, hostText } from '../../src/print/address';
import { type Columns, inetRow, internetHeader, programLabel, unixHeader, unixRow } from '../../src/print/sockets';
import { HostResolver, NetworkNames, ServiceNames, UserNames, type Resolvers } from '../../src/resolve';
import * as path from 'node:path';

const here = __dirname;
const db = (name: string) => path.join(here, '..', '..', 'fixtures', 'names', name);

/** Resolvers over fixture databases; host names from a fixed table (no NSS). */
function fixtureResolvers(hosts: Record<string, string> = {}): Resolvers {
  const fixed = new HostResolver();
  fixed.name = async (address: string) => hosts[address] ?? null;
  return {
    hosts: fixed,
    networks: new NetworkNames(db('networks')),
    services: new ServiceNames(db('services'), db('protocols')),
    users: new UserNames(db('passwd')),
  };
}

const numeric: Columns = { extended: false, programs: false, timers: false, wide: false, numericHosts: true, numericPorts: true, numericUsers: true };

function tcp(partial: Partial<InetSocket>): InetSocket {
  const state = partial.state ?? TcpState.LISTEN;
  return {
    protocol: 'tcp', family: 'inet', localAddress: '127.0.0.1', localPort: 80, remoteAddress: '0.0.0.0', remotePort: 0,
    state, stateName: tcpStateName(state), recvQueue: 0, sendQueue: 0, uid: 0, inode: 1234,
    timer: { kind: 0, expiresMs: 0, retransmits: 0, probes: 0 }, ...partial,
  };
}

/** A UNIX record whose stateName/typeName agree with its state, flags and type (as both backends build them). */
function unix(fields: Omit<UnixSocket, 'stateName' | 'typeName'>): UnixSocket {
  return { ...fields, stateName: unixStateName(fields.state, fields.flags), typeName: unixTypeName(fields.type) };
}

/** Whether net-tools' selection keeps a row (the keep-tests both backends apply, `filter.ts`). */
function showInet(s: InetSocket, selection: Selection): boolean {
  return inetKeep({ selection }, s.protocol)(s.state, s.localPort, s.remotePort, s.localAddress, s.remoteAddress, s.uid);
}
function showUnix(s: UnixSocket, selection: Selection): boolean {
  return unixKeep({ selection })(s.stateName);
}

describe('endpoint text', () => {
  it('keeps short fields whole and cuts long ones to 23 columns (port keeps up to 18)', () => {
    expect(endpointField('127.0.0.1', '80', false)).toBe('127.0.0.1:80');
    expect(endpointField('fd00:1234:5678:9abc:def0:1234:5678:9abc', '8080', false)).toBe('fd00:1234:5678:9ab:8080');
    expect(endpointField('a-very-long-hostname', 'http-alt', false)).toBe('a-very-long-ho:http-alt');
    // A short address with a long port: the port is cut to 18, the address keeps what it has.
    expect(endpointField('h', 'x'.repeat(30), false)).toBe('h:' + 'x'.repeat(18));
    expect(endpointField('abcdefghij', 'y'.repeat(20), false)).toBe('abcd:' + 'y'.repeat(18));
    expect(endpointField('fd00:1234:5678:9abc:def0:1234:5678:9abc', '8080', true)).toBe('fd00:1234:5678:9abc:def0:1234:5678:9abc:8080');
  });

  it('writes wildcards, v4-mapped and first-octet-zero addresses as net-tools does', async () => {
    const r = fixtureResolvers({ '127.0.0.1': 'localhost' });
    const names = new Map<string, string | null>([['127.0.0.1', 'localhost'], ['::ffff:127.0.0.1', null], ['::1', null]]);
    expect(hostText('0.0.0.0', 'inet', names, r)).toBe('0.0.0.0');
    expect(hostText('::', 'inet6', names, r)).toBe('[::]');
    expect(hostText('::', 'inet6', null, r)).toBe('::');
    expect(hostText('127.0.0.1', 'inet', names, r)).toBe('localhost');
    expect(hostText('::ffff:127.0.0.1', 'inet6', names, r)).toBe('127.0.0.1');
    expect(hostText('::ffff:127.0.0.1', 'inet6', null, r)).toBe('127.0.0.1');
    // 0.1.2.0 is looked up in /etc/networks (fixture: "zeronet 0.1.2.0" → 0x00010200).
    expect(hostText('0.1.2.0', 'inet', names, r)).toBe('zeronet');
  });
});

describe('Internet rows', () => {
  const r = fixtureResolvers();
  it('prints the header variants', () => {
    expect(internetHeader('all', numeric)).toBe(
      'Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \n',
    );
    expect(internetHeader('connected', { ...numeric, extended: true, programs: true, timers: true }).split('\n')[1]).toBe(
      'Proto Recv-Q Send-Q Local Address           Foreign Address         State       User       Inode      PID/Program name     Timer',
    );
  });

  it('formats TCP, UDP-Lite and RAW rows with their state columns', () => {
    expect(inetRow(tcp({}), numeric, null, r)).toBe('tcp        0      0 127.0.0.1:80            0.0.0.0:*               LISTEN     \n');
    const udpl = tcp({ protocol: 'udplite', family: 'inet6', localAddress: '::1', localPort: 5000, remoteAddress: '::1', remotePort: 53, state: 1 });
    expect(inetRow(udpl, numeric, null, r)).toBe('udpl6      0      0 ::1:5000                ::1:53                  ESTABLISHED\n');
    const raw = tcp({ protocol: 'raw', localPort: 1, state: 7, localAddress: '0.0.0.0' });
    expect(inetRow(raw, numeric, null, r)).toBe('raw        0      0 0.0.0.0:1               0.0.0.0:*               7          \n');
    expect(inetRow(raw, { ...numeric, numericPorts: false }, null, r)).toContain('0.0.0.0:icmp ');
  });

  it('adds User/Inode, PID/Program and Timer columns', () => {
    const s = tcp({ uid: 65534, owners: [{ pid: 17849, program: 'averyveryverylongprogram' }], timer: { kind: 2, expiresMs: 86590, retransmits: 0, probes: 0 } });
    const row = inetRow(s, { ...numeric, extended: true, programs: true, timers: true, numericUsers: false }, null, r);
    expect(row).toBe(
      'tcp        0      0 127.0.0.1:80            0.0.0.0:*               LISTEN      nobody     1234       17849/averyveryvery  keepalive (86.59/0/0)\n',
    );
    expect(inetRow(tcp({ uid: 4242 }), { ...numeric, extended: true, numericUsers: false }, null, r)).toContain(' 4242       1234      \n');
  });

  it('selects servers by remote port for TCP and by remote address otherwise', () => {
    expect(showInet(tcp({}), 'listening')).toBe(true);
    expect(showInet(tcp({ remoteAddress: '127.0.0.1', remotePort: 0 }), 'listening')).toBe(true);
    const udpConnectedPortless = tcp({ protocol: 'udp', remoteAddress: '127.0.0.1', remotePort: 0, state: 1 });
    expect(showInet(udpConnectedPortless, 'listening')).toBe(false);
    expect(showInet(udpConnectedPortless, 'connected')).toBe(true);
  });
});

describe('UNIX rows', () => {
  const fields = { protocol: 0, refCount: 2, flags: UNIX_FLAG_ACCEPTCON, type: 1, state: 1, inode: 1260417, path: '/tmp/ns/a b.sock' };
  const base = unix(fields);
  it('prints listening sockets, cuts paths at the first blank, pads an empty path', () => {
    expect(unixHeader('all', numeric).split('\n')[1]).toBe('Proto RefCnt Flags       Type       State         I-Node   Path');
    expect(unixRow(base, numeric)).toBe('unix  2      [ ACC ]     STREAM     LISTENING     1260417  /tmp/ns/a\n');
    expect(unixRow(unix({ ...fields, flags: 0, state: 3, refCount: 3, path: '' }), numeric)).toBe('unix  3      [ ]         STREAM     CONNECTED     1260417  \n');
    expect(unixRow(unix({ ...fields, flags: 0, type: 2, path: '@abstract' }), { ...numeric, programs: true })).toBe(
      'unix  2      [ ]         DGRAM                    1260417  -                    @abstract\n',
    );
    expect(unixRow(unix({ ...fields, type: 9, state: 7, protocol: 1 }), numeric)).toBe('??    2      [ ACC ]     UNKNOWN    UNKNOWN       1260417  /tmp/ns/a\n');
  });

  it('counts only unconnected accepting sockets as servers', () => {
    expect(showUnix(base, 'listening')).toBe(true);
    expect(base.stateName).toBe('LISTENING');
    const notAccepting = unix({ ...fields, flags: 0 });
    expect(notAccepting.stateName).toBe('UNCONNECTED');
    expect(showUnix(notAccepting, 'listening')).toBe(false);
    expect(showUnix(notAccepting, 'connected')).toBe(true);
    const connectedAccepting = unix({ ...fields, state: 3 }); // ACC on a connected socket: not a server
    expect(showUnix(connectedAccepting, 'listening')).toBe(false);
    expect(showUnix(connectedAccepting, 'connected')).toBe(true);
  });

  it('labels owners as PID/program cut to 19 characters', () => {
    expect(programLabel(undefined)).toBe('-');
    expect(programLabel([])).toBe('-');
    expect(programLabel([{ pid: 17851, program: 'sshd: root@pts/0' }, { pid: 1, program: 'init' }])).toBe('17851/sshd: root@pt');
    // Output is bytes as latin1 text: valid UTF-8 is re-encoded, invalid bytes come from programBase64.
    expect(programLabel([{ pid: 7, program: 'café' }])).toBe('7/caf\xc3\xa9');
    expect(programLabel([{ pid: 7, program: 'caf\ufffd', programBase64: Buffer.from('caf\xe9', 'latin1').toString('base64') }])).toBe('7/caf\xe9');
  });

  it('prints a path that is not valid UTF-8 from its bytes', () => {
    const odd = unix({ ...fields, path: '/tmp/\ufffd', pathBase64: Buffer.from('/tmp/\xff', 'latin1').toString('base64') });
    expect(unixRow(odd, numeric)).toBe('unix  2      [ ACC ]     STREAM     LISTENING     1260417  /tmp/\xff\n');
  });
});
