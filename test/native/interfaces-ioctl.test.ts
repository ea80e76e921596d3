/**
 * readInterfaces(): the engine's SIOCGIF* ioctls behind `netstat -i` where
 * rtnetlink is refused. Live, its facts must be the ones the rtnetlink dump
 * gives for every device of this namespace (two kernel interfaces, one
 * answer); a name the kernel does not know is a row with ENODEV; bad
 * arguments are TypeErrors, as for every binding. And ioctlFacts() must
 * unpack hand-made rows exactly (every slot, alias rows, repeated
 * SIOCGIFCONF names).
 */
import { readFileSync } from 'node:fs';
import { constants } from 'node:os';
import { describe, expect, it } from 'vitest';
import { ioctlFacts } from '../../src/backends/interfaces/ioctl';
import { rtnetlinkFacts } from '../../src/backends/interfaces/rtnetlink';
import { INTERFACE_STRIDE, InterfaceField as F, nativeOutcome, type PackedInterfaces } from '../../src/native';
import { parseProcNetDev } from '../../src/modes/interfaces/procnetdev';

const outcome = nativeOutcome();
const why = 'binding' in outcome ? null : `native engine unavailable (${outcome.reason}: ${outcome.message})`;
if (why) console.log(`readInterfaces tests skipped: ${why}`);

describe.skipIf(why !== null)('readInterfaces (live)', () => {
  const binding = 'binding' in outcome ? outcome.binding : null;
  const devices = parseProcNetDev(readFileSync('/proc/net/dev', 'latin1')).map((d) => d.name);

  it('asks about the given names, then the SIOCGIFCONF names not among them, each once', () => {
    const packed = binding!.readInterfaces(['no-such-dev0', 'lo', 'no-such-dev0']);
    expect(packed.names.slice(0, 2)).toEqual(['no-such-dev0', 'lo']);
    expect(new Set(packed.names).size).toBe(packed.names.length);
    expect(packed.names).toEqual(['no-such-dev0', 'lo', ...[...new Set(packed.configured)].filter((n) => n !== 'lo')]);
    expect(packed.fields.length).toBe(packed.names.length * INTERFACE_STRIDE);
    expect(packed.configured).toContain('lo'); // 127.0.0.1 is labelled lo
  });

  it('a name the kernel does not know is a row with ENODEV and nothing else', () => {
    const packed = binding!.readInterfaces(['no-such-dev0', 'a-name-longer-than-fifteen-bytes']);
    for (const i of [0, 1]) {
      const row = Array.from(packed.fields.subarray(i * INTERFACE_STRIDE, (i + 1) * INTERFACE_STRIDE));
      expect(row).toEqual([constants.errno.ENODEV, ...new Array<number>(INTERFACE_STRIDE - 1).fill(0)]);
    }
  });

  it('lo: up, loopback, running; 127.0.0.1/8 labelled lo', () => {
    const packed = binding!.readInterfaces(['lo']);
    const row = packed.fields.subarray(0, INTERFACE_STRIDE);
    expect(row[F.Error]).toBe(0);
    expect(row[F.Flags]! & 0x49).toBe(0x49);
    expect(row[F.Type]).toBe(772);
    expect(row[F.Mtu]).toBeGreaterThan(0);
    expect(row[F.HasTxQueueLen]).toBe(1);
    expect([row[F.HasAddress], row[F.Address], row[F.Netmask], row[F.Destination]]).toEqual([1, 0x7f000001, 0xff000000, 0x7f000001]);
  });

  it('gives, for every device of /proc/net/dev, the link facts and first address per label that rtnetlink gives', () => {
    const viaIoctl = ioctlFacts((names) => binding!.readInterfaces(names))(devices);
    const viaRtnetlink = rtnetlinkFacts((type, family) => binding!.dumpRoute(type, family))(devices);
    expect(devices.length).toBeGreaterThan(0);
    for (const device of devices) expect(viaIoctl.link(device), device).toEqual(viaRtnetlink.link(device));
    const firstPerLabel = viaRtnetlink.ipv4.filter((a, i, all) => all.findIndex((b) => b.label === a.label) === i);
    expect(viaIoctl.ipv4).toEqual(firstPerLabel);
  });

  it('rejects bad arguments with a TypeError naming the usage', () => {
    const read = binding!.readInterfaces as unknown as (...args: unknown[]) => unknown;
    for (const args of [[], ['lo'], [['lo', 7]], [['lo\0x']], [['lo'], null], [new Set(['lo'])]]) {
      expect(() => read(...args)).toThrow(TypeError);
      expect(() => read(...args)).toThrow(/^Usage: readInterfaces\(names: string\[\]\)$/);
    }
  });
});

/** Rows for `names`, each given as slot → value. */
function packed(rows: Array<[string, Partial<Record<F, number>>]>, configured: string[]): PackedInterfaces {
  const fields = new Uint32Array(rows.length * INTERFACE_STRIDE);
  rows.forEach(([, slots], i) => {
    for (const [slot, value] of Object.entries(slots)) fields[i * INTERFACE_STRIDE + Number(slot)] = value!;
  });
  return { names: rows.map(([name]) => name), fields, configured };
}

describe('ioctlFacts (unpacking)', () => {
  const eth0 = {
    [F.Flags]: 0x1043,
    [F.Type]: 1,
    [F.Mtu]: 1400,
    [F.HardwareLow]: 0x0000fc02,
    [F.HardwareHigh]: 0x00000100,
    [F.HasTxQueueLen]: 1,
    [F.TxQueueLen]: 1000,
    [F.MemStartLow]: 0xfe000000,
    [F.MemStartHigh]: 0x1,
    [F.MemEndLow]: 0xfe0fffff,
    [F.MemEndHigh]: 0x1,
    [F.BaseAddr]: 0xe000,
    [F.Irq]: 11,
    [F.Dma]: 3,
    [F.Port]: 2,
    [F.HasAddress]: 1,
    [F.Address]: 0xc0000202,
    [F.Destination]: 0xc0000202,
    [F.Broadcast]: 0xc00002ff,
    [F.Netmask]: 0xffffff00,
  };

  it('unpacks every slot of a row', () => {
    const facts = ioctlFacts(() => packed([['eth0', eth0]], ['eth0']))(['eth0']);
    expect(facts.link('eth0')).toEqual({
      flags: 0x1043,
      mtu: 1400,
      type: 1,
      hwAddress: [0x02, 0xfc, 0, 0, 0, 0x01, 0, 0],
      txQueueLen: 1000,
      map: { memStart: 0x1fe000000n, memEnd: 0x1fe0fffffn, baseAddr: 0xe000, irq: 11, dma: 3, port: 2 },
    });
    expect(facts.ipv4).toEqual([{ label: 'eth0', address: '192.0.2.2', netmask: '255.255.255.0', broadcast: '192.0.2.255', destination: '192.0.2.2' }]);
  });

  it('no SIOCGIFTXQLEN answer is an unknown queue length', () => {
    const facts = ioctlFacts(() => packed([['eth0', { ...eth0, [F.HasTxQueueLen]: 0 }]], []))(['eth0']);
    expect(facts.link('eth0')?.txQueueLen).toBeNull();
  });

  it('one address per SIOCGIFCONF label, in kernel order; none for a label without one, or a row in error', () => {
    const facts = ioctlFacts(() =>
      packed(
        [
          ['eth0', eth0],
          ['gone', { [F.Error]: constants.errno.ENODEV, [F.HasAddress]: 1 }],
          ['eth0:1', { ...eth0, [F.Address]: 0xc0000209 }],
          ['eth0:2', { ...eth0, [F.HasAddress]: 0 }],
        ],
        ['eth0:1', 'eth0', 'eth0', 'gone', 'eth0:2', 'eth0:1'],
      ),
    )(['eth0', 'gone']);
    expect(facts.ipv4.map((a) => [a.label, a.address])).toEqual([
      ['eth0:1', '192.0.2.9'],
      ['eth0', '192.0.2.2'],
    ]);
    expect(facts.link('gone')).toBeNull();
    expect(facts.link('nothing')).toBeNull();
  });

  it('an alias row answers for its device when the device itself was not asked about (no /proc/net/dev)', () => {
    const facts = ioctlFacts(() => packed([['lo:1', { [F.Flags]: 0x49, [F.Type]: 772, [F.Mtu]: 65536 }]], ['lo:1']))([]);
    expect(facts.link('lo')).toMatchObject({ flags: 0x49, type: 772, mtu: 65536 });
    // The device's own row wins over an alias's.
    const own = ioctlFacts(() =>
      packed(
        [
          ['lo:1', { [F.Mtu]: 1 }],
          ['lo', { [F.Mtu]: 65536 }],
        ],
        [],
      ),
    )([]);
    expect(own.link('lo')?.mtu).toBe(65536);
  });
});
