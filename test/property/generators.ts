/**
 * fast-check generators shared by the /proc parser properties: table lines
 * built field by field the way the kernel writes them (with the liberties
 * `sscanf` allows: any blank run, either hex case, leading zeros), and the
 * offsets where each conversion's text starts, so a test can tell how many
 * conversions a cut-off line still completes without re-implementing the
 * parser.
 */
import fc from 'fast-check';
import { formatIPv4, formatIPv6 } from '../../src/inet-text';

/** Case of hex digits: the kernel writes upper case; `%X` reads both. */
export function hexText(value: number, width: number, lower: boolean): string {
  const text = value.toString(16).padStart(width, '0');
  return lower ? text : text.toUpperCase();
}

/** Blanks where a scanf format has a blank: one or more of space and tab. */
export const blanks = fc.constantFrom(' ', '  ', '\t', ' \t ', '     ');

/** A line under construction: the text and where each conversion's characters start. */
export class LineBuilder {
  text = '';
  readonly starts: number[] = [];

  /** Literal text (separators, colons): not a conversion. */
  lit(text: string): this {
    this.text += text;
    return this;
  }

  /** One conversion's characters. */
  field(text: string): this {
    this.starts.push(this.text.length);
    this.text += text;
    return this;
  }

  /** Conversions whose first character lies before `cut` (what sscanf completes on `text.slice(0, cut)`). */
  completedBefore(cut: number): number {
    return this.starts.filter((start) => start < cut).length;
  }
}

/** An Internet socket as the generator chose it, with the texts the parser must produce. */
export interface InetRow {
  slot: number;
  v6: boolean;
  localBytes: number[];
  remoteBytes: number[];
  localPort: number;
  remotePort: number;
  state: number;
  sendQueue: number;
  recvQueue: number;
  timerKind: number;
  timerTicks: number;
  retransmits: number;
  uid: number;
  timeout: number;
  inode: number;
}

const u32 = fc.nat({ max: 0xffffffff });
const byte = fc.nat({ max: 255 });

export const inetRow = (v6: boolean): fc.Arbitrary<InetRow> =>
  fc.record({
    slot: fc.nat({ max: 99999 }),
    v6: fc.constant(v6),
    localBytes: fc.array(byte, { minLength: v6 ? 16 : 4, maxLength: v6 ? 16 : 4 }),
    remoteBytes: fc.array(byte, { minLength: v6 ? 16 : 4, maxLength: v6 ? 16 : 4 }),
    localPort: fc.nat({ max: 0xffff }),
    remotePort: fc.nat({ max: 0xffff }),
    state: fc.nat({ max: 0xff }),
    sendQueue: u32,
    recvQueue: u32,
    timerKind: fc.nat({ max: 4 }),
    timerTicks: u32,
    retransmits: u32,
    uid: u32,
    timeout: fc.nat({ max: 100000 }),
    inode: fc.integer({ min: 1, max: 2 ** 32 }),
  });

/**
 * The kernel's hex text of an address: 32-bit words as they lie in memory on
 * a little-endian host, so each word's bytes are reversed.
 */
function addressHex(bytes: number[], lower: boolean): string {
  let text = '';
  for (let word = 0; word < bytes.length; word += 4) {
    const value = bytes[word]! + bytes[word + 1]! * 0x100 + bytes[word + 2]! * 0x10000 + bytes[word + 3]! * 0x1000000;
    text += hexText(value, 8, lower);
  }
  return text;
}

export function addressText(bytes: number[]): string {
  return bytes.length === 4 ? formatIPv4(bytes[0]!, bytes[1]!, bytes[2]!, bytes[3]!) : formatIPv6(bytes);
}

/** How a row is written: the blank runs and hex case chosen for it. */
export interface Layout {
  gaps: string[];
  lower: boolean;
  /** Text after the inode (the kernel's further columns, which no conversion reads). */
  tail: string;
}

export const layout: fc.Arbitrary<Layout> = fc.record({
  gaps: fc.array(blanks, { minLength: 12, maxLength: 12 }),
  lower: fc.boolean(),
  tail: fc.constantFrom('', ' 1 0000000000000000 100 0 0 10 0', ' 2 ffff888003a1c000 0', ' x y z'),
});

/**
 * `/proc/net/tcp` line text of a row: `%d: %X:%X %X:%X %X %X:%X %X:%X %X %d %d %d`
 * with the kernel's widths, the layout's blanks and case.
 */
export function inetLine(row: InetRow, l: Layout): LineBuilder {
  const g = l.gaps;
  const h = (value: number, width: number) => hexText(value, width, l.lower);
  return new LineBuilder()
    .lit(g[0]!)
    .field(String(row.slot))
    .lit(':' + g[1]!)
    .field(addressHex(row.localBytes, l.lower))
    .lit(':')
    .field(h(row.localPort, 4))
    .lit(g[2]!)
    .field(addressHex(row.remoteBytes, l.lower))
    .lit(':')
    .field(h(row.remotePort, 4))
    .lit(g[3]!)
    .field(h(row.state, 2))
    .lit(g[4]!)
    .field(h(row.sendQueue, 8))
    .lit(':')
    .field(h(row.recvQueue, 8))
    .lit(g[5]!)
    .field(h(row.timerKind, 2))
    .lit(':')
    .field(h(row.timerTicks, 8))
    .lit(g[6]!)
    .field(h(row.retransmits, 8))
    .lit(g[7]!)
    .field(String(row.uid))
    .lit(g[8]!)
    .field(String(row.timeout))
    .lit(g[9]!)
    .field(String(row.inode))
    .lit(l.tail);
}

/** A UNIX socket as the generator chose it. */
export interface UnixRow {
  pointer: number;
  refCount: number;
  protocol: number;
  flags: number;
  type: number;
  state: number;
  inode: number;
  /** The name's bytes (latin1 string: one char per byte); '' when unbound. */
  path: string;
}

/** Name bytes: paths, abstract names, blanks, and bytes that are not UTF-8. */
export const nameBytes = fc
  .array(fc.oneof(fc.constantFrom('/', 'a', 'z', '.', '-', '@', ' ', 'é', '\xff', '\xc3', '\x80', '\xa9', '\0', '\t'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b))), {
    maxLength: 40,
  })
  .map((chars) => chars.join('').replace(/\n/g, '_'));

export const unixRow: fc.Arbitrary<UnixRow> = fc.record({
  pointer: u32,
  refCount: fc.nat({ max: 0xffffff }),
  protocol: fc.nat({ max: 2 }),
  flags: fc.constantFrom(0, 0x10000, 0x20000, 0x30000, 0x70000),
  type: fc.nat({ max: 6 }),
  state: fc.nat({ max: 5 }),
  inode: fc.integer({ min: 1, max: 2 ** 32 }),
  path: fc.oneof(fc.constant(''), nameBytes.filter((p) => p.length > 0)),
});

/** `/proc/net/unix` line: `%pK: %08X %08X %08X %04X %02X %5lu` and, when bound, one blank and the name. */
export function unixLine(row: UnixRow, l: Layout): LineBuilder {
  const g = l.gaps;
  const h = (value: number, width: number) => hexText(value, width, l.lower);
  const b = new LineBuilder()
    .field(h(row.pointer, 16))
    .lit(':' + g[0]!)
    .field(h(row.refCount, 8))
    .lit(g[1]!)
    .field(h(row.protocol, 8))
    .lit(g[2]!)
    .field(h(row.flags, 8))
    .lit(g[3]!)
    .field(h(row.type, 4))
    .lit(g[4]!)
    .field(h(row.state, 2))
    .lit(g[5]!)
    .field(String(row.inode));
  if (row.path !== '') b.lit(' ' + row.path);
  return b;
}
