/**
 * An interface's hardware (spec §4.3 item 4): net-tools' name, address text
 * and title for each ARPHRD type Debian's net-tools 2.10 was built with
 * (checked against /usr/bin/netstat on tun devices retyped with TUNSETLINK;
 * Token Ring, InfiniBand and STRIP are not built in and print as UNSPEC).
 *
 * net-tools keeps the address in `char hwaddr[32]` of its struct interface:
 * the first 8 bytes SIOCGIFHWADDR returned, the rest zero. Its printers read
 * that buffer, some past it (see `printerView`), and several format through
 * signed `char`, so bytes of 0x80 and above come out sign-extended.
 */
import type { DeviceStatistics } from './procnetdev';

/** The bytes a printer may read, starting at hwaddr[0] (see `printerView`). */
type AddressPrinter = (bytes: readonly number[]) => string;

interface HardwareType {
  name: string;
  title: string;
  print?: AddressPrinter;
  /** net-tools prints no address when the first `nullLength` bytes are all zero (only Ash). */
  nullLength?: number;
}

/** What the `-ie` hardware line shows. */
export interface Hardware {
  /** ARPHRD_* type. */
  type: number;
  /** net-tools' short name of the type (`ether`, `loop`, …; `unspec` for types it does not know). */
  name: string;
  /** Its long name (`Ethernet`, `Local Loopback`, …). */
  title: string;
  /** The hardware address as net-tools prints it; null for types it prints none for. */
  address: string | null;
}

const hex2 = (b: number): string => b.toString(16).padStart(2, '0');
const HEX2 = (b: number): string => hex2(b).toUpperCase();
/** A byte read through a signed `char`. */
const signed = (b: number): number => (b & 0x80 ? b - 0x100 : b);
/** printf `%x` of a signed char promoted to int (negative → `ffffffXX`). */
const hexInt = (b: number): string => (signed(b) >>> 0).toString(16);

const ether: AddressPrinter = (hw) => hw.slice(0, 6).map(hex2).join(':');

/** sizeof(struct sockaddr) bytes, uppercase, dash-separated. */
const unspec: AddressPrinter = (hw) => hw.slice(0, 16).map(HEX2).join('-');

/**
 * AX.25 and NET/ROM callsigns: six characters shifted left one bit, a space
 * ends the call (as does a NUL), then `-SSID` from the seventh byte if not 0.
 */
const callsign: AddressPrinter = (hw) => {
  let call = '';
  for (const byte of hw.slice(0, 6)) {
    const c = byte >> 1;
    if (c === 0x20 || c === 0) break;
    call += String.fromCharCode(c);
  }
  const ssid = (hw[6]! & 0x1e) >> 1;
  return ssid === 0 ? call : `${call}-${ssid}`;
};

/**
 * Ash: `[`, the first hex digit of each of 64 signed bytes (`%1x` written one
 * position apart, each overwriting the rest of the previous), `]`. net-tools
 * compares the bytes with 0xc9 and 0xff through a signed char, which never
 * matches, so all 64 are printed.
 */
const ash: AddressPrinter = (hw) => `[${hw.slice(0, 64).map((b) => hexInt(b)[0]).join('')}]`;

/** IrDA: the first four bytes reversed, `%02x` of signed chars, cut to 11 characters by snprintf. */
const irda: AddressPrinter = (hw) => [hw[3]!, hw[2]!, hw[1]!, hw[0]!].map((b) => hexInt(b).padStart(2, '0')).join(':').slice(0, 11);

/** Frame Relay DLCI: the first two bytes as a native (little-endian) signed short. */
const dlci: AddressPrinter = (hw) => String(((hw[1]! << 8) | hw[0]!) << 16 >> 16);

/** X.25: the bytes as text, up to the first NUL, at most 16. */
const x25: AddressPrinter = (hw) => {
  const end = hw.slice(0, 16).indexOf(0);
  return String.fromCharCode(...hw.slice(0, end < 0 ? 16 : end));
};

const TYPES = new Map<number, HardwareType>([
  [772, { name: 'loop', title: 'Local Loopback' }],
  [256, { name: 'slip', title: 'Serial Line IP' }],
  [257, { name: 'cslip', title: 'VJ Serial Line IP' }],
  [258, { name: 'slip6', title: '6-bit Serial Line IP' }],
  [259, { name: 'cslip6', title: 'VJ 6-bit Serial Line IP' }],
  [264, { name: 'adaptive', title: 'Adaptive Serial Line IP' }],
  [781, { name: 'ash', title: 'Ash', print: ash, nullLength: 64 }],
  [1, { name: 'ether', title: 'Ethernet', print: ether }],
  [3, { name: 'ax25', title: 'AMPR AX.25', print: callsign }],
  [0, { name: 'netrom', title: 'AMPR NET/ROM', print: callsign }],
  [270, { name: 'rose', title: 'AMPR ROSE', print: (hw) => hw.slice(0, 5).map(hex2).join('') }],
  [768, { name: 'tunnel', title: 'IPIP Tunnel', print: () => '' }],
  [512, { name: 'ppp', title: 'Point-to-Point Protocol' }],
  [513, { name: 'hdlc', title: '(Cisco)-HDLC' }],
  [516, { name: 'lapb', title: 'LAPB' }],
  [7, { name: 'arcnet', title: 'ARCnet', print: (hw) => HEX2(hw[0]!) }],
  [15, { name: 'dlci', title: 'Frame Relay DLCI', print: dlci }],
  [770, { name: 'frad', title: 'Frame Relay Access Device' }],
  [776, { name: 'sit', title: 'IPv6-in-IPv4' }],
  [774, { name: 'fddi', title: 'Fiber Distributed Data Interface', print: (hw) => hw.slice(0, 6).map(HEX2).join('-') }],
  [780, { name: 'hippi', title: 'HIPPI', print: (hw) => hw.slice(0, 6).map(HEX2).join(':') }],
  [783, { name: 'irda', title: 'IrLAP', print: irda }],
  [782, { name: 'ec', title: 'Econet' }],
  [271, { name: 'x25', title: 'generic X.25', print: x25 }],
  [27, { name: 'eui64', title: 'Generic EUI-64', print: (hw) => hw.slice(0, 8).map(HEX2).join(':') }],
]);

const UNSPEC: HardwareType = { name: 'unspec', title: 'UNSPEC', print: unspec };

/** The ARPHRD types net-tools 2.10 (as Debian builds it) names; every other prints as UNSPEC. */
export const KNOWN_HARDWARE_TYPES: readonly number[] = [...TYPES.keys()];

/**
 * The 64 bytes from net-tools' hwaddr on, as its struct interface lays them
 * out on x86-64: hwaddr[32] (8 bytes of address, then zeros), the int
 * statistics_valid, 4 bytes of padding, then the u64 counters rx_packets,
 * tx_packets, rx_bytes. Only Ash's printer and null test read that far.
 */
function printerView(hw: readonly number[], stats: DeviceStatistics | null): number[] {
  const view = new Array<number>(64).fill(0);
  hw.slice(0, 8).forEach((b, i) => (view[i] = b & 0xff));
  if (stats !== null) {
    view[32] = 1;
    const counters = [stats.rxPackets, stats.txPackets, stats.rxBytes];
    counters.forEach((value, k) => {
      for (let i = 0; i < 8; i++) view[40 + 8 * k + i] = Number((value >> BigInt(8 * i)) & 0xffn);
    });
  }
  return view;
}

/**
 * The hardware of a link of ARPHRD type `type` with (the first 8 bytes of)
 * hardware address `hw`; `stats` are the device's `/proc/net/dev` counters
 * (null for an address label or without that file), which Ash's printer reads.
 */
export function hardwareOf(type: number, hw: readonly number[], stats: DeviceStatistics | null = null): Hardware {
  const kind = TYPES.get(type) ?? UNSPEC;
  const view = printerView(hw, stats);
  const suppressed = kind.nullLength !== undefined && view.slice(0, kind.nullLength).every((b) => b === 0);
  const address = kind.print === undefined || suppressed ? null : kind.print(view);
  return { type, name: kind.name, title: kind.title, address };
}

/** `        NAME[ ADDR][  txqueuelen Q]  (TITLE)` */
export function hardwareLine(hardware: Hardware, txQueueLen: number | null): string {
  let line = `        ${hardware.name}`;
  if (hardware.address !== null) line += ` ${hardware.address}`;
  if (txQueueLen !== null) line += `  txqueuelen ${txQueueLen}`;
  return `${line}  (${hardware.title})\n`;
}

/** CSLIP and CSLIP6 interfaces also print their compressed-packet counters. */
export function countsCompressed(hardware: Hardware): boolean {
  return hardware.type === 257 || hardware.type === 259;
}
