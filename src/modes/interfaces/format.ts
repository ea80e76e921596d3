/**
 * The rows of `netstat -i` (short table) and `netstat -ie` (ifconfig-like
 * blocks), byte for byte as net-tools 2.10 prints them (spec §4.2, §4.3),
 * from the collected records (record.ts).
 */
import { counterText, exactValue } from '../counters';
import { countsCompressed, hardwareLine } from './hardware';
import type { CounterName, Counters, InterfaceRecord } from './record';
import { stripV4Mapped } from '../../inet-text';

export const SHORT_HEADER = 'Iface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n';

const SHORT_FLAGS: Array<[number, string]> = [
  [0x200, 'A'], [0x2, 'B'], [0x4, 'D'], [0x8, 'L'], [0x1000, 'M'], [0x8000, 'd'], [0x100, 'P'], [0x20, 'N'],
  [0x80, 'O'], [0x10, 'P'], [0x800, 's'], [0x400, 'm'], [0x40, 'R'], [0x1, 'U'],
];

const IFF_PORTSEL = 0x2000;
const IFF_AUTOMEDIA = 0x4000;

/** net-tools' if_port_text: the medium of dev->if_port; index 7 is its NULL terminator, which printf shows as `(null)`. */
const PORT_NAMES = ['unknown', '10base2', '10baseT', 'AUI', '100baseT', '100baseTX', '100baseFX'];

export function shortRow(record: InterfaceRecord): string {
  const { name, mtu, flags, statistics: stats } = record;
  let row = `${name.slice(0, 15).padEnd(15)} ${String(mtu).padStart(5)} `;
  if (stats === null) row += '     - no statistics available -'.padEnd(56);
  else {
    const c = (key: CounterName): string => counter(stats, key);
    row +=
      `${c('rxPackets').padStart(8)} ${c('rxErrors').padStart(6)} ${c('rxDropped').padStart(6)} ` +
      `${c('rxFifo').padEnd(6)} ${c('txPackets').padStart(8)} ${c('txErrors').padStart(6)} ` +
      `${c('txDropped').padStart(6)} ${c('txFifo').padStart(6)} `;
  }
  let letters = '';
  for (const [bit, letter] of SHORT_FLAGS) if (flags & bit) letters += letter;
  return `${row}${flags === 0 ? '[NO FLAGS]' : letters}\n`;
}

export function longBlock(record: InterfaceRecord): string {
  const { name, flags, flagNames, ipv4, statistics: stats, map } = record;
  let text = `${name}: ${flagsText(flags, flagNames)}  mtu ${record.mtu}\n`;

  if (ipv4 !== null && ipv4 !== undefined) {
    text += `        inet ${ipv4.address}  netmask ${ipv4.netmask}`;
    if (ipv4.broadcast !== null) text += `  broadcast ${ipv4.broadcast}`;
    if (ipv4.destination !== null) text += `  destination ${ipv4.destination}`;
    text += '\n';
  }
  for (const v6 of record.ipv6 ?? []) {
    const kinds = v6.scopeNames.join(',') + (v6.scopeNames.length > 0 ? '>' : '');
    // The scope is printed before the compat bit (0x80) is taken out of it for the names.
    text += `        inet6 ${stripV4Mapped(v6.address, v6.address)}  prefixlen ${v6.prefixLength}  scopeid 0x${v6.scope.toString(16)}<${kinds}\n`;
  }
  if (record.hardware !== undefined) text += hardwareLine(record.hardware, record.txQueueLen ?? null);
  if (flags & IFF_PORTSEL) {
    text += `        media ${PORT_NAMES[map?.port ?? 0] ?? '(null)'}${flags & IFF_AUTOMEDIA ? 'autoselect' : ''}\n`;
  }
  const compressed = record.hardware !== undefined && countsCompressed(record.hardware);

  if (stats !== null) {
    const c = (key: CounterName): string => counter(stats, key);
    text += `        RX packets ${c('rxPackets')}  bytes ${c('rxBytes')} (${humanBytes(exact(stats, 'rxBytes'))})\n`;
    // Sic: a colon on the RX line, a blank on the TX line.
    if (compressed) text += `        RX compressed:${c('rxCompressed')}\n`;
    text += `        RX errors ${c('rxErrors')}  dropped ${c('rxDropped')}  overruns ${c('rxFifo')}  frame ${c('rxFrame')}\n`;
    text += `        TX packets ${c('txPackets')}  bytes ${c('txBytes')} (${humanBytes(exact(stats, 'txBytes'))})\n`;
    if (compressed) text += `        TX compressed ${c('txCompressed')}\n`;
    text +=
      `        TX errors ${c('txErrors')}  dropped ${c('txDropped')} overruns ${c('txFifo')}  ` +
      `carrier ${c('txCarrier')}  collisions ${c('txCollisions')}\n`;
  }
  if (map !== undefined) {
    const memStart = exactValue(map, 'memStart');
    if (map.irq !== 0 || memStart !== 0n || map.dma !== 0 || map.baseAddr >= 0x100) {
      text += '        device ';
      if (map.irq !== 0) text += `interrupt ${map.irq}  `;
      if (map.baseAddr >= 0x100) text += `base 0x${map.baseAddr.toString(16)}  `;
      if (memStart !== 0n) text += `memory 0x${memStart.toString(16)}-${exactValue(map, 'memEnd').toString(16)}  `;
      if (map.dma !== 0) text += `  dma 0x${map.dma.toString(16)}`;
      text += '\n';
    }
  }
  return `${text}\n`;
}

/**
 * `flags=N<NAME,…>`: N is the signed short net-tools keeps (IFF_DYNAMIC,
 * 0x8000, makes it negative). net-tools turns the last character into `>` if
 * it is a comma and removes it otherwise: flags with no named bit lose the
 * `<`, while flags 0 (for which it first appends a `>`) keep it.
 */
function flagsText(flags: number, names: string[]): string {
  const signedFlags = (flags << 16) >> 16;
  if (names.length > 0) return `flags=${signedFlags}<${names.join(',')}>`;
  return flags === 0 ? 'flags=0<' : `flags=${signedFlags}`;
}

function counter(stats: Counters, key: CounterName): string {
  return counterText(stats as Record<CounterName, number>, key);
}

function exact(stats: Counters, key: CounterName): bigint {
  return exactValue(stats as Record<CounterName, number>, key);
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
