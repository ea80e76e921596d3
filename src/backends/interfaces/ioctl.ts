/**
 * Interface facts from SIOCGIF* ioctls, asked by the engine as net-tools asks
 * them (native/interface_ioctl.h): the source for where rtnetlink is refused
 * (choose.ts). The engine is given `/proc/net/dev`'s device names, adds
 * SIOCGIFCONF's (the names that carry IPv4 addresses: devices and labels
 * such as `lo:1`), and answers for each name as the kernel answers
 * net-tools: link facts of the name's device, and the IPv4 address labelled
 * with exactly that name.
 */
import { formatIPv4 } from '../../inet-text';
import { INTERFACE_STRIDE, InterfaceField as F, type PackedInterfaces } from '../../native';
import type { InterfaceFactsSource, Ipv4Address, LinkInfo } from './facts';

/** The engine's readInterfaces (NativeBinding.readInterfaces). */
export type InterfaceReader = (names: string[]) => PackedInterfaces;

/** `-i` facts from one readInterfaces call per pass. */
export function ioctlFacts(read: InterfaceReader): InterfaceFactsSource {
  return (devices) => {
    const { names, fields, configured } = read([...devices]);
    const rowOf = new Map<string, number>();
    const links = new Map<string, LinkInfo>();
    names.forEach((name, i) => {
      const at = i * INTERFACE_STRIDE;
      rowOf.set(name, at);
      if (fields[at + F.Error] !== 0) return;
      // The kernel answered `lo:1`'s link calls about `lo`: that answer serves
      // `lo` too, unless `lo` was asked about itself.
      const device = name.split(':')[0]!;
      if (name === device || !links.has(device)) links.set(device, linkOf(fields, at));
    });
    const ipv4: Ipv4Address[] = [];
    for (const label of new Set(configured)) {
      const at = rowOf.get(label);
      if (at === undefined || fields[at + F.Error] !== 0 || fields[at + F.HasAddress] !== 1) continue;
      ipv4.push({
        label,
        address: dotted(fields[at + F.Address]!),
        netmask: dotted(fields[at + F.Netmask]!),
        broadcast: dotted(fields[at + F.Broadcast]!),
        destination: dotted(fields[at + F.Destination]!),
      });
    }
    return { link: (device) => links.get(device) ?? null, ipv4 };
  };
}

function linkOf(fields: Uint32Array, at: number): LinkInfo {
  const hwAddress: number[] = [];
  for (const word of [fields[at + F.HardwareLow]!, fields[at + F.HardwareHigh]!]) {
    for (let shift = 0; shift < 32; shift += 8) hwAddress.push((word >>> shift) & 0xff);
  }
  const wide = (low: F, high: F): bigint => (BigInt(fields[at + high]!) << 32n) | BigInt(fields[at + low]!);
  return {
    flags: fields[at + F.Flags]!,
    mtu: fields[at + F.Mtu]!,
    type: fields[at + F.Type]!,
    hwAddress,
    txQueueLen: fields[at + F.HasTxQueueLen] === 1 ? fields[at + F.TxQueueLen]! : null,
    map: {
      memStart: wide(F.MemStartLow, F.MemStartHigh),
      memEnd: wide(F.MemEndLow, F.MemEndHigh),
      baseAddr: fields[at + F.BaseAddr]!,
      irq: fields[at + F.Irq]!,
      dma: fields[at + F.Dma]!,
      port: fields[at + F.Port]!,
    },
  };
}

/** An IPv4 number in host order (a.b.c.d = a << 24 | …) as dotted text. */
function dotted(value: number): string {
  return formatIPv4(value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
}
