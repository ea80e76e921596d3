/** Unit checks of the `-i` pieces whose rules come from net-tools 2.10 (spec §4). */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output';
import type { ModeContext } from '../../src/modes/context';
import { humanBytes, longBlock, shortRow } from '../../src/modes/interfaces/format';
import { hardwareOf } from '../../src/modes/interfaces/hardware';
import { createInterfacesPass } from '../../src/modes/interfaces';
import type { LinkInfo } from '../../src/backends/interfaces/facts';
import { compareInterfaceNames } from '../../src/modes/interfaces/order';
import { parseProcNetDev } from '../../src/modes/interfaces/procnetdev';
import { interfaceRecord } from '../../src/modes/interfaces/record';
import { routeExtendLevel } from '../../src/modes/route';
import { createResolvers } from '../../src/resolve';
import type { Options } from '../../src/modes/options';

describe('natural interface order (nstrcmp)', () => {
  it('sorts as net-tools does', () => {
    const names = ['veth-longname15', 'lo:web', 'tap0', 'lo', 'brlongname12345', 'p0', 'lo:1', 'ifb9', 'br0', 'eth10', 'eth2', 'eth1', 'eth01', 'lo:10'];
    expect([...names].sort(compareInterfaceNames)).toEqual([
      'br0', 'brlongname12345', 'eth01', 'eth1', 'eth2', 'eth10', 'ifb9', 'lo', 'lo:1', 'lo:10', 'lo:web', 'p0', 'tap0', 'veth-longname15',
    ]);
  });
});

describe('human-readable byte counts', () => {
  it.each([
    [0n, '0.0 B'], [184n, '184.0 B'], [1024n, '1024.0 B'], [1025n, '1.0 KiB'], [622730n, '608.1 KiB'],
    [215336360n, '205.3 MiB'], [(1n << 30n) + 1n, '1.0 GiB'], [(1n << 40n) * 3n, '3.0 TiB'], [(1n << 60n) + 1n, '1.0 EiB'],
  ])('%s bytes → %s', (bytes, text) => {
    expect(humanBytes(bytes)).toBe(text);
  });
});

describe('/proc/net/dev rows', () => {
  it('keeps a name:digits alias and reads 16 counters', () => {
    const text =
      'Inter-|   Receive                                                |  Transmit\n' +
      ' face |bytes    packets errs drop fifo frame compressed multicast|bytes    packets errs drop fifo colls carrier compressed\n' +
      '    lo:    3193      29    0    0    0     0          0         0     3193      29    0    0    0     0       0          0\n' +
      'eth0:1: 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15 16\n';
    const rows = parseProcNetDev(text);
    expect(rows.map((r) => r.name)).toEqual(['lo', 'eth0:1']);
    expect(rows[1]!.stats.txCarrier).toBe(15n);
    expect(rows[1]!.stats.rxFifo).toBe(5n);
  });
});

/**
 * Hardware addresses and flags no tun device can be given (interfaces-hardware.test.ts compares
 * everything a tun can show with /usr/bin/netstat): the expected texts follow net-tools 2.10's
 * printers in lib/*.c, which format several of them through a signed char.
 */
describe('hardware address printers on addresses a tun cannot have', () => {
  const call = (text: string, ssidByte: number): number[] => [...Buffer.from(text, 'latin1')].map((c) => c << 1).concat([ssidByte, 0]);
  it.each([
    ['AX.25 callsign with SSID', 3, call('N0CALL', 0x6a), 'N0CALL-5'],
    ['NET/ROM callsign padded with blanks', 0, call('AB1   ', 0x60), 'AB1'],
    ['NET/ROM SSID 15 after a full callsign', 0, call('G4ABCD', 0x7e), 'G4ABCD-15'],
    ['ARCnet: one byte, uppercase', 7, [0xab, 1, 2, 3, 4, 5, 6, 7], 'AB'],
    ['DLCI: a little-endian signed short', 15, [0xff, 0xff, 0, 0, 0, 0, 0, 0], '-1'],
    ['DLCI: positive', 15, [0x34, 0x12, 0, 0, 0, 0, 0, 0], '4660'],
    ['IrDA: reversed, a negative char sign-extended, cut to 11 characters', 783, [0x81, 2, 3, 0xc4, 0, 0, 0, 0], 'ffffffc4:03'],
    ['IrDA: small bytes', 783, [1, 2, 3, 4, 0, 0, 0, 0], '04:03:02:01'],
    ['X.25: the bytes as text up to a NUL', 271, [...Buffer.from('2342\0x', 'latin1'), 0, 0], '2342'],
    ['ROSE: five bytes, lowercase', 270, [0xab, 0xcd, 0xef, 1, 2, 3, 0, 0], 'abcdef0102'],
    ['Ash: the first hex digit of each signed byte', 781, [0x15, 0x02, 0xc9, 0, 0, 0, 0, 0x7f], `[12f00007${'0'.repeat(56)}]`],
  ])('%s', (_, type, bytes, text) => {
    expect(hardwareOf(type, bytes, null).address).toBe(text);
  });

  it('Ash prints nothing for an all-zero view (a label: no statistics)', () => {
    expect(hardwareOf(781, new Array(8).fill(0), null).address).toBeNull();
  });
});

describe('interface flags net-tools shows oddly', () => {
  const link = (flags: number, port = 0): LinkInfo => ({
    flags, mtu: 1500, type: 65534, hwAddress: new Array(8).fill(0), txQueueLen: null,
    map: { memStart: 0n, memEnd: 0n, baseAddr: 0, irq: 0, dma: 0, port },
  });
  const firstLines = (flags: number, port = 0): string[] => longBlock(interfaceRecord('x0', link(flags, port), null, null, [], true)).split('\n').slice(0, 3);

  it('flags with no named bit lose the "<" (PORTSEL alone); flags 0 keep it', () => {
    expect(firstLines(0x2000)[0]).toBe('x0: flags=8192  mtu 1500');
    expect(firstLines(0)[0]).toBe('x0: flags=0<  mtu 1500');
  });

  it('DYNAMIC makes the signed short negative, and is a "d" in the short table', () => {
    expect(firstLines(0x8001)[0]).toBe('x0: flags=-32767<UP,DYNAMIC>  mtu 1500');
    expect(shortRow(interfaceRecord('x0', link(0x9043), null, null, [], false))).toMatch(/ BMdRU\n$/);
  });

  it('the media line names the port; past net-tools\' table it prints glibc\'s "(null)"', () => {
    expect(firstLines(0x6000, 4)[2]).toBe('        media 100baseTautoselect');
    expect(firstLines(0x2000, 7)[2]).toBe('        media (null)');
  });
});

describe('route extend levels', () => {
  it('permutes the -e count as net-tools does', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(routeExtendLevel)).toEqual([2, 1, 3, 0, 1, 2, 3]);
  });
});

describe('-i under -c', () => {
  it('prints "Kernel Interface table" on the first pass only, the column header every pass', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iface-c-'));
    const [outFile, errFile] = [path.join(dir, 'out'), path.join(dir, 'err')];
    const [outFd, errFd] = [openSync(outFile, 'w'), openSync(errFile, 'w')];
    const link: LinkInfo = { flags: 0x49, mtu: 65536, type: 772, hwAddress: new Array(8).fill(0), txQueueLen: 1000, map: { memStart: 0n, memEnd: 0n, baseAddr: 0, irq: 0, dma: 0, port: 0 } };
    const pass = createInterfacesPass(() => ({ link: (name) => (name === 'lo' ? link : null), ipv4: [] }));
    const options = { extend: 1, all: false, continuous: true } as Options;
    const ctx: ModeContext = { options, out: new Output(outFd, errFd), resolvers: createResolvers(), procRoot: path.join(dir, 'proc'), pass: 0 };
    // No /proc/net/dev there: a warning each pass, and no names but the labels (none).
    expect(await pass(ctx)).toBe(0);
    ctx.pass = 1;
    expect(await pass(ctx)).toBe(0);
    ctx.out.flush();
    closeSync(outFd);
    closeSync(errFd);
    const header = 'Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n';
    const warning = 'Warning: cannot open /proc/net/dev (No such file or directory). Limited output.\n';
    expect(readFileSync(outFile, 'latin1')).toBe(`Kernel Interface table\n${header}${header}`);
    expect(readFileSync(errFile, 'latin1')).toBe(`${warning}${warning}`);
  });
});
