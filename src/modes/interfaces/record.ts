/**
 * What `netstat -i` collects about one interface: plain, JSON-safe data,
 * printed as net-tools' text by format.ts and as JSON by
 * index.ts. Like the text, the short form (`-i`) carries the table's
 * columns; from `-e` on, addresses, hardware, the device map and every
 * counter of `/proc/net/dev`. Addresses are numeric, as in the text.
 */
import type { Ipv4Address, LinkInfo } from '../../backends/interfaces/facts';
import { numbersOf, type Exact } from '../counters';
import { hardwareOf, type Hardware } from './hardware';
import type { DeviceStatistics } from './procnetdev';

const IFF_BROADCAST = 0x2;
const IFF_POINTOPOINT = 0x10;

/** The counters the short table shows (RX-OK … TX-OVR; `Fifo` is the overruns column). */
const SHORT_COUNTERS = ['rxPackets', 'rxErrors', 'rxDropped', 'rxFifo', 'txPackets', 'txErrors', 'txDropped', 'txFifo'] as const;

export type CounterName = keyof DeviceStatistics;

/** Counters of `/proc/net/dev`, as numbers (see counters.ts for `exact`). */
export type Counters = Partial<Record<CounterName, number>> & Exact;

export interface Ipv6Address {
  address: string;
  prefixLength: number;
  /** The scope bits of `/proc/net/if_inet6`. */
  scope: number;
  /** `compat`, `global`, `link`, `site`, `host`, as `scopeid 0x…<…>` shows them. */
  scopeNames: string[];
}

export interface InterfaceRecord {
  /** The device, or an IPv4 address label (`lo:1`). */
  name: string;
  mtu: number;
  /** The 16-bit interface flags (IFF_UP = 0x1 …), unsigned (the text shows them as a signed short). */
  flags: number;
  /** Their names as `-ie` prints them (UP, BROADCAST, …). */
  flagNames: string[];
  /** `-e`: the IPv4 address of this name; broadcast and destination only where the flags make the text show them. */
  ipv4?: { address: string; netmask: string; broadcast: string | null; destination: string | null } | null;
  /** `-e`: the IPv6 addresses of this exact name (`/proc/net/if_inet6`). */
  ipv6?: Ipv6Address[];
  /** `-e` */
  hardware?: Hardware;
  /** `-e`: null when unknown. */
  txQueueLen?: number | null;
  /** `-e`: the device map SIOCGIFMAP reports (`port` names the medium on the `media` line). */
  map?: { irq: number; baseAddr: number; dma: number; port: number; memStart: number; memEnd: number } & Exact;
  /** null for an address label, or when `/proc/net/dev` could not be read. */
  statistics: Counters | null;
}

const FLAG_NAMES: Array<[number, string]> = [
  [0x1, 'UP'], [0x2, 'BROADCAST'], [0x4, 'DEBUG'], [0x8, 'LOOPBACK'], [0x10, 'POINTOPOINT'], [0x20, 'NOTRAILERS'],
  [0x40, 'RUNNING'], [0x80, 'NOARP'], [0x100, 'PROMISC'], [0x200, 'ALLMULTI'], [0x800, 'SLAVE'], [0x400, 'MASTER'],
  [0x1000, 'MULTICAST'], [0x8000, 'DYNAMIC'],
];

/** One interface's record, long (`-e`) or short. */
export function interfaceRecord(
  name: string,
  link: LinkInfo,
  stats: DeviceStatistics | null,
  ipv4: Ipv4Address | null,
  ipv6: Ipv6Address[],
  long: boolean,
): InterfaceRecord {
  const head = { name, mtu: link.mtu, flags: link.flags, flagNames: FLAG_NAMES.filter(([bit]) => link.flags & bit).map(([, n]) => n) };
  if (!long) return { ...head, statistics: stats === null ? null : numbersOf(pick(stats, SHORT_COUNTERS)) };
  const { map } = link;
  return {
    ...head,
    ipv4:
      ipv4 === null
        ? null
        : {
            address: ipv4.address,
            netmask: ipv4.netmask,
            broadcast: link.flags & IFF_BROADCAST ? ipv4.broadcast : null,
            destination: link.flags & IFF_POINTOPOINT ? ipv4.destination : null,
          },
    ipv6,
    hardware: hardwareOf(link.type, link.hwAddress, stats),
    txQueueLen: link.txQueueLen,
    map: { irq: map.irq, baseAddr: map.baseAddr, dma: map.dma, port: map.port, ...numbersOf({ memStart: map.memStart, memEnd: map.memEnd }) },
    statistics: stats === null ? null : numbersOf(stats),
  };
}

function pick<K extends CounterName>(stats: DeviceStatistics, keys: readonly K[]): Record<K, bigint> {
  const picked = {} as Record<K, bigint>;
  for (const key of keys) picked[key] = stats[key];
  return picked;
}

/** The kinds of an `/proc/net/if_inet6` scope, in net-tools' order. */
export function scopeNames(scope: number): string[] {
  const names: string[] = [];
  if (scope & 0x80) names.push('compat');
  const value = scope & ~0x80;
  if (value === 0) names.push('global');
  if (value & 0x20) names.push('link');
  if (value & 0x40) names.push('site');
  if (value & 0x10) names.push('host');
  return names;
}
