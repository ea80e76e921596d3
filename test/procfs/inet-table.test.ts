import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import type { InetFamily, InetProtocol, InetSocket } from '../../src/model';
import { TcpState, TimerKind } from '../../src/model';
import { parseInetTable } from '../../src/procfs/inet-table';
import { runInSlices, runToEnd } from '../../src/procfs/slices';
import { fixture, inetRows, netstatEndpoint, PROTO_COLUMN } from './helpers';
import { oracleOverProc } from '../harness/commands';
import { skipReason } from '../harness/needs';

function table(tree: string, file: string, protocol: InetProtocol, family: InetFamily, selection: 'all' | 'listening' | 'connected' = 'all') {
  return runToEnd(parseInetTable(fs.readFileSync(path.join(fixture(tree), 'net', file)), protocol, family, { selection }));
}

const byInode = (rows: InetSocket[], inode: number): InetSocket => {
  const row = rows.find((r) => r.inode === inode);
  if (row === undefined) throw new Error(`no row with inode ${inode}`);
  return row;
};

describe('inet tables captured from a namespace', () => {
  const tcp = table('ns-capture', 'tcp', 'tcp', 'inet');

  it('reads every TCP line in file order, none malformed', () => {
    expect(tcp.malformed).toBe(0);
    expect(tcp.rows.map((r) => r.inode)).toEqual([164137, 164136, 0, 0, 164146, 164147, 164140, 164178, 0, 164141]);
  });

  it('decodes a listener with a pending accept queue (line 0)', () => {
    // 00000000:08AE 00000000:0000 0A 00000000:00000002 00:00000000 00000000 0 0 164137
    expect(tcp.rows[0]).toEqual({
      inode: 164137,
      protocol: 'tcp',
      family: 'inet',
      localAddress: '0.0.0.0',
      localPort: 0x08ae,
      remoteAddress: '0.0.0.0',
      remotePort: 0,
      state: TcpState.LISTEN,
      stateName: 'LISTEN',
      recvQueue: 2,
      sendQueue: 0,
      uid: 0,
      timer: { kind: TimerKind.OFF, expiresMs: 0, retransmits: 0, probes: 0 },
    });
  });

  it('decodes SYN_SENT with a retransmit timer (line 7)', () => {
    // 016433C6:81EA 026433C6:0009 02 00000001:00000000 01:00000042 00000000 0 0 164178
    const row = tcp.rows[7]!;
    expect(row.localAddress).toBe('198.51.100.1');
    expect(row.localPort).toBe(0x81ea);
    expect(row.remoteAddress).toBe('198.51.100.2');
    expect(row.remotePort).toBe(9);
    expect(row.state).toBe(TcpState.SYN_SENT);
    expect(row.stateName).toBe('SYN_SENT');
    expect(row.sendQueue).toBe(1);
    expect(row.recvQueue).toBe(0);
    expect(row.timer).toEqual({ kind: TimerKind.ON, expiresMs: 0x42 * 10, retransmits: 0, probes: 0 });
  });

  it('decodes keepalive and timewait timers in milliseconds (USER_HZ ticks × 10)', () => {
    expect(byInode(tcp.rows, 164140).timer).toEqual({ kind: TimerKind.KEEPALIVE, expiresMs: 0xafc5a * 10, retransmits: 0, probes: 0 });
    const timeWait = tcp.rows[2]!; // 0400007F:98B9 0100007F:1F90 06 … 03:0000174E … 0 0 0
    expect(timeWait.state).toBe(TcpState.TIME_WAIT);
    expect(timeWait.localAddress).toBe('127.0.0.4');
    expect(timeWait.inode).toBe(0);
    expect(timeWait.timer).toEqual({ kind: TimerKind.TIMEWAIT, expiresMs: 0x174e * 10, retransmits: 0, probes: 0 });
  });

  it('reports unread bytes as the receive queue (line 9: rx_queue 00000309)', () => {
    expect(tcp.rows[9]!.recvQueue).toBe(777);
    expect(tcp.rows[9]!.remotePort).toBe(0xa15c);
  });

  it('decodes IPv6 and v4-mapped addresses in tcp6', () => {
    const tcp6 = table('ns-capture', 'tcp6', 'tcp', 'inet6');
    expect(tcp6.malformed).toBe(0);
    expect(tcp6.rows.map((r) => [r.localAddress, r.localPort, r.remoteAddress, r.remotePort])).toEqual([
      ['::1', 6380, '::', 0],
      ['::', 4443, '::', 0],
      ['::ffff:127.0.0.1', 4443, '::ffff:127.0.0.1', 0xafec],
      ['::1', 6380, '::1', 0xd3da],
      ['::ffff:127.0.0.1', 0xafec, '::ffff:127.0.0.1', 4443],
      ['::1', 0xd3da, '::1', 6380],
    ]);
    expect(tcp6.rows.every((r) => r.family === 'inet6' && r.protocol === 'tcp')).toBe(true);
  });

  it('decodes UDP, UDP-Lite and RAW tables', () => {
    const udp = table('ns-capture', 'udp', 'udp', 'inet');
    expect(udp.rows[0]).toMatchObject({ localAddress: '127.0.0.1', localPort: 5353, remoteAddress: '0.0.0.0', state: 7, recvQueue: 0x340, inode: 164179 });
    expect(udp.rows[1]).toMatchObject({ localPort: 40000, remoteAddress: '127.0.0.1', remotePort: 5353, state: 1, inode: 164180 });
    const lite = table('ns-capture', 'udplite', 'udplite', 'inet');
    expect(lite.rows).toHaveLength(1);
    expect(lite.rows[0]).toMatchObject({ protocol: 'udplite', localPort: 7007, inode: 164183 });
    expect(table('ns-capture', 'raw', 'raw', 'inet').rows[0]).toMatchObject({ protocol: 'raw', localAddress: '0.0.0.0', localPort: 1, state: 7 });
    expect(table('ns-capture', 'raw6', 'raw', 'inet6').rows[0]).toMatchObject({ protocol: 'raw', family: 'inet6', localAddress: '::', localPort: 58 });
  });
});

describe('selection', () => {
  it('TCP servers are the rows with remote port 0', () => {
    const listening = table('ns-capture', 'tcp', 'tcp', 'inet', 'listening').rows;
    const connected = table('ns-capture', 'tcp', 'tcp', 'inet', 'connected').rows;
    expect(listening.map((r) => r.inode)).toEqual([164137, 164136]);
    expect(connected).toHaveLength(8);
  });

  it('UDP servers are the rows with an all-zero remote address, whatever the port', () => {
    const listening = table('addresses', 'udp6', 'udp', 'inet6', 'listening').rows;
    expect(listening.map((r) => r.inode)).toEqual([4000, 4001]);
    // remote ::ffff:10.0.0.1 port 0 is not a server
    expect(table('addresses', 'udp6', 'udp', 'inet6', 'connected').rows.map((r) => r.inode)).toEqual([4002]);
  });

  it('counts malformed lines whatever the selection', () => {
    expect(table('bogus', 'tcp', 'tcp', 'inet', 'listening').malformed).toBe(7);
  });
});

describe('lines net-tools rejects', () => {
  it('TCP needs 11 conversions, UDP and RAW 10', () => {
    expect(table('bogus', 'tcp', 'tcp', 'inet').malformed).toBe(7);
    expect(table('bogus', 'udp', 'udp', 'inet').malformed).toBe(6);
    expect(table('bogus', 'raw', 'raw', 'inet').malformed).toBe(6);
    const udpPorts = table('bogus', 'udp', 'udp', 'inet').rows.map((r) => r.localPort - 0x1f90);
    expect(udpPorts).toEqual([0, 1, 2, 5, 6, 7, 9, 10, 12]);
  });

  it('keeps what a short but accepted line has and zeroes the rest', () => {
    const row = table('bogus', 'tcp', 'tcp', 'inet').rows[1]!; // slot 1: ends after retrnsmt
    expect(row).toMatchObject({ localPort: 0x1f91, remotePort: 0xb17c, state: 1, uid: 0, inode: 0 });
    expect(row.timer.probes).toBe(0);
  });

  it('accepts lowercase hex, a 0x prefix, tabs, trailing junk and a missing final newline', () => {
    const rows = table('bogus', 'tcp', 'tcp', 'inet').rows;
    expect(byInode(rows, 1005).localAddress).toBe('127.0.0.10');
    expect(byInode(rows, 1006).localPort).toBe(0x1f96);
    expect(byInode(rows, 1007)).toMatchObject({
      sendQueue: 0x10,
      recvQueue: 0x20,
      timer: { kind: 1, expiresMs: 100, retransmits: 3, probes: 5 },
      uid: 1000,
    });
    expect(byInode(rows, 1009).uid).toBe(-1);
    expect(byInode(rows, 1010).localPort).toBe(0x1f9a);
    expect(byInode(rows, 1012).remotePort).toBe(22);
  });

  it('handles a file without lines after the header, and an empty file', () => {
    const gen = (text: string) => runToEnd(parseInetTable(Buffer.from(text), 'tcp', 'inet'));
    expect(gen('  sl  local_address …\n')).toEqual({ rows: [], malformed: 0 });
    expect(gen('')).toEqual({ rows: [], malformed: 0 });
    expect(gen('header without newline')).toEqual({ rows: [], malformed: 0 });
  });
});

describe('address decoding', () => {
  it('reads IPv4 words byte-wise little-endian', () => {
    expect(table('addresses', 'tcp', 'tcp', 'inet').rows.map((r) => r.localAddress)).toEqual([
      '0.0.0.0',
      '127.0.0.1',
      '0.1.2.3',
      '255.255.255.255',
      '10.0.0.1',
      '192.0.2.2',
    ]);
  });

  it('reads IPv6 as four such words and writes glibc text', () => {
    const rows = table('addresses', 'tcp6', 'tcp', 'inet6').rows;
    expect(rows.map((r) => r.localAddress)).toEqual([
      '::',
      '::1',
      'fe80::1',
      '::ffff:127.0.0.1',
      '::1.2.3.4',
      '2001:db8::',
      '2001:db8:0:0:1::',
      '2001::1:0:0:1:1',
      '2001:db8:0:1:1:1:1:1',
      '::ffff:0.0.0.0',
      '::0.1.0.0',
      '::ffff:0.1.0.2',
      '1::',
      '1::1',
      'fe80::',
      'ff02::1:ff00:1',
      'fd00:1234:5678:9abc:def0:1234:5678:9abc',
      '::2:0:0:0',
      '127.0.0.1',
    ]);
  });

  it('reads both addresses as IPv4 when the local one has 8 digits (net-tools rule)', () => {
    const last = table('addresses', 'tcp6', 'tcp', 'inet6').rows.at(-1)!;
    expect(last.family).toBe('inet6');
    expect(last.remoteAddress).toBe('0.0.0.1'); // %X of 00000000000000000000000001000000
  });
});

describe('sync and async parsing', () => {
  it('give equal tables, also across slice boundaries', async () => {
    const lines = ['  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode'];
    for (let i = 0; i < 12_345; i++) {
      lines.push(`${i}: 0100007F:${(i % 65536).toString(16).toUpperCase()} 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 ${i + 1}`);
      if (i % 1000 === 0) lines.push('bogus');
    }
    const buf = Buffer.from(lines.join('\n') + '\n');
    const sync = runToEnd(parseInetTable(buf, 'tcp', 'inet'));
    const async = await runInSlices(parseInetTable(buf, 'tcp', 'inet'), 0);
    expect(async).toEqual(sync);
    expect(sync.rows).toHaveLength(12_345);
    expect(sync.malformed).toBe(13);
  });
});

const oracleSkip = skipReason('net-tools oracle tests', { unshare: ['mount'], oracle: true });

describe.skipIf(oracleSkip !== undefined)('against net-tools netstat over the same tree', () => {
  it.each(['ns-capture', 'bogus', 'addresses'])('%s: same rows, queues, addresses and bogus-line warnings', (tree) => {
    const run = oracleOverProc(fixture(tree), ['-an', '-A', 'inet,inet6'], { encoding: 'utf8' });
    const expected: string[][] = [];
    const warnings: Record<string, number> = { tcp: 0, udp: 0, raw: 0 };
    for (const protocol of ['tcp', 'udp', 'udplite', 'raw'] as const) {
      for (const family of ['inet', 'inet6'] as const) {
        const file = family === 'inet' ? protocol : `${protocol}6`;
        if (!fs.existsSync(path.join(fixture(tree), 'net', file))) continue;
        const t = table(tree, file, protocol, family);
        warnings[protocol === 'udplite' ? 'udp' : protocol]! += t.malformed;
        for (const r of t.rows) {
          expected.push([
            PROTO_COLUMN[protocol] + (family === 'inet6' ? '6' : ''),
            String(r.recvQueue),
            String(r.sendQueue),
            netstatEndpoint(r.localAddress, r.localPort),
            netstatEndpoint(r.remoteAddress, r.remotePort),
          ]);
        }
      }
    }
    expect(inetRows(run.stdout).map((cols) => cols.slice(0, 5))).toEqual(expected);
    for (const [name, count] of Object.entries(warnings)) {
      expect(run.stderr.split(`warning, got bogus ${name} line.`).length - 1, `${name} warnings`).toBe(count);
    }
  });
});
