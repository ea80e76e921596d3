/**
 * Parser for `/proc/net/{tcp,tcp6,udp,udp6,udplite,udplite6,raw,raw6}`,
 * following net-tools 2.10 (spec §2.4): the first line is skipped; each
 * further line is read as
 *
 *     %d: %64[0-9A-Fa-f]:%X %64[0-9A-Fa-f]:%X %X %lX:%lX %X:%lX %lX %d %d %lu
 *     slot  local addr:port  remote addr:port st tx:rx    tr:when retr uid timeout inode
 *
 * and a line with fewer than 11 (TCP) or 10 (UDP, UDP-Lite, RAW) conversions
 * is "bogus": counted in `malformed` and skipped. Fields a short but
 * accepted line lacks are 0 (net-tools leaves them uninitialised).
 */
import { formatIPv4Word, formatIPv6 } from '../inet-text';
import { type SocketFilter, inetKeep } from '../filter';
import { type InetFamily, type InetProtocol, type InetSocket, TIMER_OFF, tcpStateName } from '../model';
import { hexValue, LineScanner } from './line-scanner';
import type { LINES_PER_SLICE } from './slices';
import { type ParsedTable, parseTableLines } from './table-lines';

const COLON = 0x3a;

/** How many conversions net-tools needs to accept a line of this protocol. */
function minimumFields(protocol: InetProtocol): number {
  return protocol === 'tcp' ? 11 : 10;
}

/**
 * Slots of the address text caches (direct-mapped; a collision just
 * replaces): a power of two of about one slot per 32 bytes of the table (a
 * line is over 140 bytes and holds two addresses), 16 to 4096. Sized to the
 * table because allocating 4096 slots cost more than parsing a table of a
 * few lines (~0.1 ms each).
 */
function cacheSlots(tableBytes: number): number {
  let slots = 16;
  while (slots < 4096 && slots * 32 < tableBytes) slots *= 2;
  return slots;
}

/**
 * Decodes hex addresses into canonical text. A table repeats few distinct
 * addresses, so texts are cached in direct-mapped caches keyed by the 32-bit
 * words (cheaper than a Map: no key strings, no boxed numbers). As in
 * net-tools, the *local* address's length decides how both addresses of a
 * line are read: up to 8 digits → both IPv4, more → both IPv6.
 */
class AddressDecoder {
  private readonly mask: number;
  private readonly v4Keys: Uint32Array;
  private readonly v4Texts: (string | undefined)[];
  private readonly v6Keys: Uint32Array;
  private readonly v6Texts: (string | undefined)[];
  private readonly words = new Uint32Array(4);
  private readonly bytes = new Uint8Array(16);

  constructor(private readonly buf: Buffer) {
    const slots = cacheSlots(buf.length);
    this.mask = slots - 1;
    this.v4Keys = new Uint32Array(slots);
    this.v4Texts = new Array<string | undefined>(slots).fill(undefined);
    this.v6Keys = new Uint32Array(slots * 4);
    this.v6Texts = new Array<string | undefined>(slots).fill(undefined);
  }

  decode(start: number, length: number, asV6: boolean): string {
    return asV6 ? this.decodeV6(start, length) : this.decodeV4(start, length);
  }

  /**
   * `%X` of the whole digit run into a 32-bit word (glibc: strtoul, saturating
   * at ULONG_MAX beyond 16 significant digits, then truncated to 32 bits). The
   * word is the in-memory address on a little-endian host: lowest byte first.
   */
  private decodeV4(start: number, length: number): string {
    const end = start + length;
    let word: number;
    if (length <= 8) word = hexValue(this.buf, start, length);
    else {
      let first = start;
      while (first < end && this.buf[first] === 0x30) first++;
      word = end - first > 16 ? 0xffffffff : hexValue(this.buf, Math.max(first, end - 8), Math.min(8, end - first));
    }
    const slot = (word ^ (word >>> 12) ^ (word >>> 24)) & this.mask;
    let text = this.v4Texts[slot];
    if (text === undefined || this.v4Keys[slot] !== word) {
      text = formatIPv4Word(word);
      this.v4Keys[slot] = word;
      this.v4Texts[slot] = text;
    }
    return text;
  }

  /**
   * `%08X%08X%08X%08X`: four words, each word's bytes reversed like an IPv4
   * word. Words the digits do not reach are 0 here (net-tools leaves them
   * uninitialised).
   */
  private decodeV6(start: number, length: number): string {
    const words = this.words;
    let hash = 0;
    for (let word = 0; word < 4; word++) {
      const wordStart = start + word * 8;
      const digits = Math.max(0, Math.min(8, start + length - wordStart));
      const value = digits > 0 ? hexValue(this.buf, wordStart, digits) : 0;
      words[word] = value;
      hash = (Math.imul(hash, 31) + value) | 0;
    }
    const slot = (hash ^ (hash >>> 12) ^ (hash >>> 24)) & this.mask;
    const keys = this.v6Keys;
    const k = slot * 4;
    let text = this.v6Texts[slot];
    if (text === undefined || keys[k] !== words[0] || keys[k + 1] !== words[1] || keys[k + 2] !== words[2] || keys[k + 3] !== words[3]) {
      const bytes = this.bytes;
      for (let word = 0; word < 4; word++) {
        const value = words[word]!;
        bytes[word * 4] = value & 0xff;
        bytes[word * 4 + 1] = (value >>> 8) & 0xff;
        bytes[word * 4 + 2] = (value >>> 16) & 0xff;
        bytes[word * 4 + 3] = value >>> 24;
        keys[k + word] = value;
      }
      text = formatIPv6(bytes);
      this.v6Texts[slot] = text;
    }
    return text;
  }
}

/**
 * Parses one inet table. A generator so that the async reader can yield to
 * the event loop between slices of {@link LINES_PER_SLICE} lines; drive it
 * with `runToEnd` or `runInSlices`.
 *
 * `filter` drops the rows the query does not keep (net-tools' selection and
 * the library's filters, `filter.ts`); malformed lines are counted whatever
 * the filter. `seen`: the identities kept so far (see `parseTableLines`).
 * `taken`: a second read of the table, which keeps only the rows the first
 * lacked — a new identity, and addresses and ports (`inetTuple`) not in
 * `taken`: a connection whose identity changed between the reads (its inode
 * gone with TIME_WAIT) or a port taken again meanwhile must not show twice.
 */
export function* parseInetTable(
  buf: Buffer,
  protocol: InetProtocol,
  family: InetFamily,
  filter: SocketFilter = { selection: 'all' },
  seen: Set<number | string> = new Set(),
  taken?: ReadonlySet<string>,
): Generator<void, ParsedTable<InetSocket>, void> {
  const scanner = new LineScanner(buf);
  const addresses = new AddressDecoder(buf);
  const needed = minimumFields(protocol);
  const kept = inetKeep(filter, protocol);
  const keepRow = (row: InetSocket) => kept(row.state, row.localPort, row.remotePort, row.localAddress, row.remoteAddress, row.uid);
  return yield* parseTableLines(
    buf,
    scanner,
    () => parseLine(scanner, addresses, protocol, family, needed),
    taken === undefined ? keepRow : (row) => keepRow(row) && !taken.has(inetTuple(row)),
    inetIdentity,
    false,
    seen,
    taken !== undefined,
  );
}

/**
 * What names a socket in one table: its inode; for the sockets without one
 * (TIME_WAIT, not yet accepted, orphaned), its addresses and ports, which no
 * two such sockets share at one time.
 */
function inetIdentity(row: InetSocket): number | string {
  return row.inode !== 0 ? row.inode : inetTuple(row);
}

/** A row's addresses and ports as one text. */
export function inetTuple(row: Pick<InetSocket, 'localAddress' | 'localPort' | 'remoteAddress' | 'remotePort'>): string {
  return `${row.localAddress} ${row.localPort} ${row.remoteAddress} ${row.remotePort}`;
}

/** One data line, or undefined when net-tools would call it bogus. */
function parseLine(
  s: LineScanner,
  addresses: AddressDecoder,
  protocol: InetProtocol,
  family: InetFamily,
  needed: number,
): InetSocket | undefined {
  // Conversion count as sscanf would return it; each step below adds one.
  let fields = 0;
  let localAddress = '';
  let localPort = 0;
  let remoteAddress = '';
  let remotePort = 0;
  let state = 0;
  let sendQueue = 0;
  let recvQueue = 0;
  let timerKind = 0;
  let timerTicks = 0;
  let retransmits = 0;
  let uid = 0;
  let probes = 0;
  let inode = 0;

  parse: {
    if (!s.decimal()) break parse; // slot
    fields++;
    if (!s.literal(COLON)) break parse;
    s.skipSpace();
    let length = s.hexRun(64);
    if (length === 0) break parse;
    const localStart = s.runStart;
    const localLength = length;
    fields++;
    if (!s.literal(COLON) || !s.hex()) break parse;
    localPort = s.value;
    fields++;
    s.skipSpace();
    length = s.hexRun(64);
    if (length === 0) break parse;
    // Decode the local address first and the remote one last, so that the
    // decoder's "last was zero" flag describes the remote address.
    const asV6 = localLength > 8;
    localAddress = addresses.decode(localStart, localLength, asV6);
    remoteAddress = addresses.decode(s.runStart, length, asV6);
    fields++;
    if (!s.literal(COLON) || !s.hex()) break parse;
    remotePort = s.value;
    fields++;
    if (!s.hex()) break parse;
    state = s.value;
    fields++;
    if (!s.hex()) break parse;
    sendQueue = s.value;
    fields++;
    if (!s.literal(COLON) || !s.hex()) break parse;
    recvQueue = s.value;
    fields++;
    if (!s.hex()) break parse;
    timerKind = s.value;
    fields++;
    if (!s.literal(COLON) || !s.hex()) break parse;
    timerTicks = s.value;
    fields++;
    if (!s.hex()) break parse;
    retransmits = s.value;
    fields++;
    if (!s.decimal()) break parse;
    uid = s.value;
    fields++;
    if (!s.decimal()) break parse;
    probes = s.value;
    fields++;
    if (!s.decimal()) break parse;
    inode = s.value;
    fields++;
  }
  if (fields < needed) return undefined;

  return {
    inode,
    protocol,
    family,
    localAddress,
    localPort,
    remoteAddress,
    remotePort,
    state,
    stateName: tcpStateName(state),
    recvQueue,
    sendQueue,
    uid,
    // `tm->when` is in USER_HZ (100) ticks.
    timer:
      timerKind === 0 && timerTicks === 0 && retransmits === 0 && probes === 0
        ? TIMER_OFF
        : { kind: timerKind, expiresMs: timerTicks * 10, retransmits, probes },
  };
}
