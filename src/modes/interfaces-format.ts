/**
 * The rows of `netstat -i` (short table) and `netstat -ie` (ifconfig-like
 * blocks), byte for byte as net-tools 2.10 prints them (spec §4.2, §4.3).
 */
import type { DeviceStatistics } from './interfaces-procnetdev';
import type { Ipv4Address, LinkInfo } from './interfaces-source';
import { hardwareLine } from './interfaces-hardware';

/** One line of the table: a device, or an IPv4 address label, with what is known about it. */
export interface InterfaceEntry {
  name: string;
  link: LinkInfo;
  /** Counters from /proc/net/dev; null for labels (and when the file is missing). */
  stats: DeviceStatistics | null;
  ipv4: Ipv4Address | null;
  /** `/proc/net/if_inet6` lines for this exact name. */
  ipv6: Array<{ address: string; prefixLength: number; scope: number }>;
}

export const SHORT_HEADER = 'Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n';

const SHORT_FLAGS: Array<[number, string]> = [
  [0x200, 'A'], [0x2, 'B'], [0x4, 'D'], [0x8, 'L'], [0x1000, 'M'], [0x100, 'P'], [0x20, 'N'], [0x80, 'O'],
  [0x10, 'P'], [0x800, 's'], [0x400, 'm'], [0x40, 'R'], [0x1, 'U'],
];

const LONG_FLAGS: Array<[number, string]> = [
  [0x1, 'UP'], [0x2, 'BROADCAST'], [0x4, 'DEBUG'], [0x8, 'LOOPBACK'], [0x10, 'POINTOPOINT'], [0x20, 'NOTRAILERS'],
  [0x40, 'RUNNING'], [0x80, 'NOARP'], [0x100, 'PROMISC'], [0x200, 'ALLMULTI'], [0x800, 'SLAVE'], [0x400, 'MASTER'],
  [0x1000, 'MULTICAST'],
];

export function shortRow(entry: InterfaceEntry): string {
  const { name, link, stats } = entry;
  let row = `${name.slice(0, 15).padEnd(15)} ${String(link.mtu).padStart(5)} `;
  if (stats === null) row += '     - no statistics available -'.padEnd(56);
  else
    row +=
      `${String(stats.rxPackets).padStart(8)} ${String(stats.rxErrors).padStart(6)} ${String(stats.rxDropped).padStart(6)} ` +
      `${String(stats.rxFifo).padEnd(6)} ${String(stats.txPackets).padStart(8)} ${String(stats.txErrors).padStart(6)} ` +
      `${String(stats.txDropped).padStart(6)} ${String(stats.txFifo).padStart(6)} `;
  let letters = '';
  for (const [bit, letter] of SHORT_FLAGS) if (link.flags & bit) letters += letter;
  return `${row}${link.flags === 0 ? '[NO FLAGS]' : letters}\n`;
}

export function longBlock(entry: InterfaceEntry): string {
  const { name, link, stats, ipv4 } = entry;
  let names = '';
  for (const [bit, flagName] of LONG_FLAGS) if (link.flags & bit) names += `${flagName},`;
  // net-tools turns the last comma into '>'; with no flags there is none to turn.
  if (names.endsWith(',')) names = `${names.slice(0, -1)}>`;
  let text = `${name}: flags=${link.flags}<${names}  mtu ${link.mtu}\n`;

  if (ipv4 !== null) {
    text += `        inet ${ipv4.address}  netmask ${ipv4.netmask}`;
    if (link.flags & 0x2 && ipv4.broadcast !== null) text += `  broadcast ${ipv4.broadcast}`;
    if (link.flags & 0x10 && ipv4.destination !== null) text += `  destination ${ipv4.destination}`;
    text += '\n';
  }
  for (const v6 of entry.ipv6) text += `        inet6 ${v6.address}  prefixlen ${v6.prefixLength}  scopeid 0x${scopeText(v6.scope)}\n`;
  text += hardwareLine(link.type, link.hwAddress, link.txQueueLen);

  if (stats !== null) {
    text += `        RX packets ${stats.rxPackets}  bytes ${stats.rxBytes} (${humanBytes(stats.rxBytes)})\n`;
    text += `        RX errors ${stats.rxErrors}  dropped ${stats.rxDropped}  overruns ${stats.rxFifo}  frame ${stats.rxFrame}\n`;
    text += `        TX packets ${stats.txPackets}  bytes ${stats.txBytes} (${humanBytes(stats.txBytes)})\n`;
    text +=
      `        TX errors ${stats.txErrors}  dropped ${stats.txDropped} overruns ${stats.txFifo}  ` +
      `carrier ${stats.txCarrier}  collisions ${stats.txCollisions}\n`;
  }
  const { map } = link;
  if (map.irq !== 0 || map.memStart !== 0n || map.dma !== 0 || map.baseAddr >= 0x100) {
    text += '        device ';
    if (map.irq !== 0) text += `interrupt ${map.irq}  `;
    if (map.baseAddr >= 0x100) text += `base 0x${map.baseAddr.toString(16)}  `;
    if (map.memStart !== 0n) text += `memory 0x${map.memStart.toString(16)}-${map.memEnd.toString(16)}  `;
    if (map.dma !== 0) text += `  dma 0x${map.dma.toString(16)}`;
    text += '\n';
  }
  return `${text}\n`;
}

/** `S<KIND>` of an inet6 line: compat, global, link, site, host, comma-joined. */
function scopeText(scope: number): string {
  let kinds = '';
  let value = scope;
  if (value & 0x80) {
    kinds += 'compat,';
    value &= ~0x80;
  }
  if (value === 0) kinds += 'global,';
  if (value & 0x20) kinds += 'link,';
  if (value & 0x40) kinds += 'site,';
  if (value & 0x10) kinds += 'host,';
  if (kinds.endsWith(',')) kinds = `${kinds.slice(0, -1)}>`;
  return `${value.toString(16)}<${kinds}`;
}

/** net-tools' human-readable size: one decimal, binary units, `B` up to 1024. */
export function humanBytes(bytes: bigint): string {
  const units: Array<[bigint, string]> = [
    [1n << 60n, 'EiB'], [1n << 50n, 'PiB'], [1n << 40n, 'TiB'], [1n << 30n, 'GiB'], [1n << 20n, 'MiB'], [1n << 10n, 'KiB'],
  ];
  let tenths = bytes * 10n;
  let unit = 'B';
  for (const [size, name] of units) {
    if (bytes > size) {
      tenths = name === 'EiB' ? bytes / 115292150460684697n : (bytes * 10n) / size;
      unit = name;
      break;
    }
  }
  return `${tenths / 10n}.${tenths % 10n} ${unit}`;
}
