/** Unit checks of the `-i` pieces whose rules come from net-tools 2.10 (spec §4). */
import { closeSync, mkdtempSync, openSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { Output } from '../../src/cli/output';
import type { ModeContext } from '../../src/modes/context';
import { humanBytes } from '../../src/modes/interfaces-format';
import { createInterfacesPass } from '../../src/modes/interfaces';
import { compareInterfaceNames } from '../../src/modes/interfaces-order';
import { parseProcNetDev } from '../../src/modes/interfaces-procnetdev';
import type { LinkInfo } from '../../src/modes/interfaces-source';
import { routeExtendLevel } from '../../src/modes/route';
import { createResolvers } from '../../src/resolve';
import type { Options } from '../../src/options';

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

describe('route extend levels', () => {
  it('permutes the -e count as net-tools does', () => {
    expect([1, 2, 3, 4, 5, 6, 7].map(routeExtendLevel)).toEqual([2, 1, 3, 0, 1, 2, 3]);
  });
});

describe('-i under -c', () => {
  it('prints "Kernel Interface table" on the first pass only, the column header every pass', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'iface-c-'));
    const file = path.join(dir, 'out');
    const fd = openSync(file, 'w');
    const link: LinkInfo = { flags: 0x49, mtu: 65536, type: 772, hwAddress: new Array(8).fill(0), txQueueLen: 1000, map: { memStart: 0n, memEnd: 0n, baseAddr: 0, irq: 0, dma: 0 } };
    const pass = createInterfacesPass(() => ({ link: (name) => (name === 'lo' ? link : null), ipv4: [] }));
    const options = { extend: 1, all: false, continuous: true } as Options;
    const ctx: ModeContext = { options, out: new Output(fd, fd), resolvers: createResolvers(), procRoot: path.join(dir, 'proc'), pass: 0 };
    // No /proc/net/dev there: a warning each pass, and no names but the labels (none).
    expect(await pass(ctx)).toBe(0);
    ctx.pass = 1;
    expect(await pass(ctx)).toBe(0);
    ctx.out.flush();
    closeSync(fd);
    const header = 'Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n';
    const warning = 'Warning: cannot open /proc/net/dev (No such file or directory). Limited output.\n';
    expect(readFileSync(file, 'latin1')).toBe(`Kernel Interface table\n${header}${warning}${header}${warning}`);
  });
});
