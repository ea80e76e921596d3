/**
 * An interface's hardware (spec §4.3 item 4): net-tools' name, address text
 * and title for each ARPHRD type it was built with.
 */

type AddressPrinter = (hw: readonly number[]) => string;

interface HardwareType {
  name: string;
  title: string;
  print?: AddressPrinter;
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

const ether: AddressPrinter = (hw) => hw.slice(0, 6).map(hex2).join(':');
const unspec: AddressPrinter = (hw) => [...hw.slice(0, 8), 0, 0, 0, 0, 0, 0, 0, 0].map(HEX2).join('-');

const TYPES = new Map<number, HardwareType>([
  [1, { name: 'ether', title: 'Ethernet', print: ether }],
  [772, { name: 'loop', title: 'Local Loopback' }],
  [512, { name: 'ppp', title: 'Point-to-Point Protocol' }],
  [768, { name: 'tunnel', title: 'IPIP Tunnel', print: () => '' }],
  [776, { name: 'sit', title: 'IPv6-in-IPv4' }],
  [256, { name: 'slip', title: 'Serial Line IP' }],
  [257, { name: 'cslip', title: 'VJ Serial Line IP' }],
  [258, { name: 'slip6', title: '6-bit Serial Line IP' }],
  [259, { name: 'cslip6', title: 'VJ 6-bit Serial Line IP' }],
  [264, { name: 'adaptive', title: 'Adaptive Serial Line IP' }],
  [774, { name: 'fddi', title: 'Fiber Distributed Data Interface', print: (hw) => hw.slice(0, 6).map(HEX2).join('-') }],
  [780, { name: 'hippi', title: 'HIPPI', print: (hw) => hw.slice(0, 6).map(HEX2).join(':') }],
  [27, { name: 'eui64', title: 'Generic EUI-64', print: (hw) => hw.slice(0, 8).map(HEX2).join(':') }],
]);

const UNSPEC: HardwareType = { name: 'unspec', title: 'UNSPEC', print: unspec };

/** The hardware of a link of ARPHRD type `type` with (the first 8 bytes of) hardware address `hw`. */
export function hardwareOf(type: number, hw: readonly number[]): Hardware {
  const kind = TYPES.get(type) ?? UNSPEC;
  return { type, name: kind.name, title: kind.title, address: kind.print === undefined ? null : kind.print(hw) };
}

/** `        NAME[ ADDR][  txqueuelen Q]  (TITLE)` */
export function hardwareLine(hardware: Hardware, txQueueLen: number | null): string {
  let line = `        ${hardware.name}`;
  if (hardware.address !== null) line += ` ${hardware.address}`;
  if (txQueueLen !== null) line += `  txqueuelen ${txQueueLen}`;
  return `${line}  (${hardware.title})\n`;
}
