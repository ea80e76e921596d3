/**
 * The hardware line of `-ie` (spec §4.3 item 4): net-tools' name, address
 * text and title for each ARPHRD type it was built with.
 */

type AddressPrinter = (hw: readonly number[]) => string;

interface HardwareType {
  name: string;
  title: string;
  print?: AddressPrinter;
  /** net-tools leaves out an all-zero address for these. */
  suppressNull?: boolean;
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

/** `        NAME[ ADDR][  txqueuelen Q]  (TITLE)` for a link. */
export function hardwareLine(type: number, hw: readonly number[], txQueueLen: number | null): string {
  const kind = TYPES.get(type) ?? UNSPEC;
  let line = `        ${kind.name}`;
  if (kind.print !== undefined && !(kind.suppressNull === true && hw.every((b) => b === 0))) line += ` ${kind.print(hw)}`;
  if (txQueueLen !== null) line += `  txqueuelen ${txQueueLen}`;
  return `${line}  (${kind.title})\n`;
}
