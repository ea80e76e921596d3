/**
 * Parser for `/proc/net/sctp{,6}/eps` (endpoints) and
 * `/proc/net/sctp{,6}/assocs` (associations), following net-tools 2.10
 * (spec §2.12). The first line is skipped, as for every table. Unlike the
 * other tables, net-tools reads these lines with `strtok`, not `sscanf`, and
 * this parser repeats its steps exactly:
 *
 *     eps:    ENDPT SOCK STY SST HBKT LPORT UID INODE | LADDRS
 *     assocs: ASSOC SOCK STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT | LADDRS <-> RADDRS …
 *
 * - the fields before `|` are tokens separated by blanks, tabs and newlines
 *   (`strtok(…, " \t\n")`); a line with fewer (8 for eps, 13 for assocs) is
 *   "bogus": counted in `malformed` and skipped;
 * - the token ends at the delimiter that follows it, which `strtok` consumes;
 *   the rest of the line starts after it;
 * - eps: the address list is the rest up to a tab or newline
 *   (`strtok(…, "\t\n")`, so leading tabs are skipped);
 * - assocs: the local list and then the remote list are the next two pieces
 *   of the rest split at any of `<`, `-`, `>`, tab and newline
 *   (`strtok(…, "<->\t\n")`), so `1.1.1.1-2.2.2.2` is a local and a remote
 *   address; in each list a leading `*` (the primary path) is dropped;
 * - each list is split at blanks, tabs and newlines into addresses;
 * - numbers convert as C does: `atoi` (an `int`: the low 32 bits, after
 *   `strtol`'s saturation at ±2^63) for the state, ports, queues and uid;
 *   `strtoul(…, 0, 0)` (decimal, `0x` hex or `0` octal) for the inode;
 *   ports keep their low 16 bits (net-tools passes them through `htons`),
 *   queues are unsigned;
 * - an address token holding a `:` is IPv6 read with
 *   `sscanf("%04X:%04X:…:%04X")`; any other is IPv4 read with `inet_addr`,
 *   whose failure value is `255.255.255.255`.
 *
 * Where net-tools' behaviour is undefined the records take a value of their
 * own: IPv6 groups its `sscanf` does not reach are 0 (net-tools leaves them
 * uninitialised and prints stack garbage), and an association line whose
 * local or remote list is missing (no text after RPORT, or no `<->` piece)
 * has that list empty (net-tools then reads an uninitialised `strtok_r`
 * pointer and usually crashes). An inode beyond 2^53 (or a negative one,
 * which `strtoul` wraps modulo 2^64) is not exact: the model's numbers are
 * JS numbers. Like the other tables, lines are the file's newline-separated
 * lines (net-tools' 8191-byte `fgets` chunks are not reproduced); a NUL byte
 * ends a line, as it ends net-tools' C string.
 */
import { existsSync } from 'node:fs';
import { formatIPv4, formatIPv6 } from '../inet-text';
import { type InetFamily, type SctpAddress, type SctpAssociation, type SctpEndpoint, sctpStateName } from '../model';
import { procPath } from './root';
import { hexDigit, isHexPrefix, isSpace, LineScanner } from './line-scanner';
import { readProcFile } from './read';
import { runToEnd } from './slices';
import { cNumberAt, digitsValue, strtoul } from './strtoul';
import type { LINES_PER_SLICE } from './slices';
import { type ParsedTable, parseTableLines } from './table-lines';

/** The two SCTP tables: endpoints and associations. */
export type SctpTableKind = 'eps' | 'assocs';

/** Path of one SCTP table: `net/sctp/eps`, `net/sctp6/assocs`, … below the proc root. */
export function sctpTablePath(kind: SctpTableKind, family: InetFamily, root?: string): string {
  return procPath(`net/${family === 'inet' ? 'sctp' : 'sctp6'}/${kind}`, root);
}

/** True when the kernel lists SCTP sockets at all (`/proc/net/sctp` exists: the sctp module is loaded). */
export function sctpPresent(root?: string): boolean {
  return existsSync(procPath('net/sctp', root));
}

/** Reads and parses `/proc/net/sctp{,6}/eps`; throws a `NetstatError` (code `ENOENT` without SCTP). */
export function readSctpEndpoints(family: InetFamily, root?: string): ParsedTable<SctpEndpoint> {
  return runToEnd(parseSctpEndpoints(readProcFile(sctpTablePath('eps', family, root)), family));
}

/** Reads and parses `/proc/net/sctp{,6}/assocs`; throws a `NetstatError` (code `ENOENT` without SCTP). */
export function readSctpAssociations(family: InetFamily, root?: string): ParsedTable<SctpAssociation> {
  return runToEnd(parseSctpAssociations(readProcFile(sctpTablePath('assocs', family, root)), family));
}

/**
 * Parses an endpoint table; a generator yielding every {@link LINES_PER_SLICE}
 * lines (see `slices.ts`). `family` is the table's (`inet` for `net/sctp`,
 * `inet6` for `net/sctp6`). Every well-formed line is a row.
 */
export function* parseSctpEndpoints(buf: Buffer, family: InetFamily = 'inet'): Generator<void, ParsedTable<SctpEndpoint>, void> {
  const scanner = new LineScanner(buf);
  return yield* parseTableLines(buf, scanner, () => parseEndpoint(scanner, family), keepAll);
}

/** Parses an association table, like {@link parseSctpEndpoints}. */
export function* parseSctpAssociations(buf: Buffer, family: InetFamily = 'inet'): Generator<void, ParsedTable<SctpAssociation>, void> {
  const scanner = new LineScanner(buf);
  return yield* parseTableLines(buf, scanner, () => parseAssociation(scanner, family), keepAll);
}

function keepAll(): boolean {
  return true;
}

// ---------------------------------------------------------------------------
// strtok

const NUL = 0x00;
const STAR = 0x2a;
const PLUS = 0x2b;
const MINUS = 0x2d;
const DOT = 0x2e;
const ZERO = 0x30;
const NINE = 0x39;
const COLON = 0x3a;

/** A delimiter set of a `strtok` call, as a lookup table by byte. */
function delimiters(chars: string): Uint8Array {
  const table = new Uint8Array(256);
  for (const c of chars) table[c.charCodeAt(0)] = 1;
  return table;
}
/** `" \t\n"`: the fields, and the addresses of a list. */
const BLANKS = delimiters(' \t\n');
/** `"\t\n"`: the end of an endpoint's address list. */
const LIST_END = delimiters('\t\n');
/** `"<->\t\n"`: an association's local and remote lists. */
const LIST_SPLIT = delimiters('<->\t\n');

/**
 * `strtok` over `[pos, end)` of a buffer: `next` skips delimiters, takes the
 * token up to the next delimiter (`start`, `stop`) and consumes that
 * delimiter, as `strtok` replaces it with the NUL ending the token.
 */
class Strtok {
  pos = 0;
  end = 0;
  /** The last token: `[start, stop)`. */
  start = 0;
  stop = 0;

  constructor(private readonly buf: Uint8Array) {}

  reset(pos: number, end: number): void {
    this.pos = pos;
    this.end = end;
  }

  next(delims: Uint8Array): boolean {
    const buf = this.buf;
    const end = this.end;
    let p = this.pos;
    while (p < end && delims[buf[p]!] === 1) p++;
    if (p >= end) {
      this.pos = end;
      return false;
    }
    this.start = p;
    while (p < end && delims[buf[p]!] !== 1) p++;
    this.stop = p;
    this.pos = p < end ? p + 1 : end;
    return true;
  }
}

/** Spans of the fields a line needs: start and stop offsets, two per field. */
type Spans = number[];

/**
 * Reads `count` blank-separated fields and keeps the spans of those listed in
 * `wanted` (0-based field numbers), in that order. Returns false when the
 * line has fewer fields.
 */
function fields(t: Strtok, count: number, wanted: readonly number[], spans: Spans): boolean {
  let w = 0;
  for (let i = 0; i < count; i++) {
    if (!t.next(BLANKS)) return false;
    if (wanted[w] === i) {
      spans[2 * w] = t.start;
      spans[2 * w + 1] = t.stop;
      w++;
    }
  }
  return true;
}

/** The line the scanner is set to, ended at its first NUL byte (net-tools works on C strings). */
function lineEnd(s: LineScanner): number {
  const nul = s.buf.subarray(s.pos, s.end).indexOf(NUL);
  return nul === -1 ? s.end : s.pos + nul;
}

// ---------------------------------------------------------------------------
// Lines

/** Fields of an endpoint line: SST LPORT UID INODE. */
const EPS_FIELDS = [3, 5, 6, 7];

function parseEndpoint(s: LineScanner, family: InetFamily): SctpEndpoint | undefined {
  const buf = s.buf;
  const t = new Strtok(buf);
  t.reset(s.pos, lineEnd(s));
  const spans: Spans = [];
  if (!fields(t, 8, EPS_FIELDS, spans)) return undefined;
  const localAddresses: SctpAddress[] = [];
  // strtok(0, "\t\n"), then strtok over that piece; without one, the later
  // strtok(NULL) calls continue at the end of the line and find nothing.
  if (t.next(LIST_END)) addresses(buf, t.start, t.stop, false, localAddresses);
  const state = atoi(s, spans[0]!, spans[1]!);
  return {
    kind: 'endpoint',
    family,
    inode: strtoul(buf, spans[6]!, spans[7]!),
    localPort: atoi(s, spans[2]!, spans[3]!) & 0xffff,
    localAddresses,
    state,
    stateName: sctpStateName(state),
    uid: atoi(s, spans[4]!, spans[5]!) >>> 0,
  };
}

/** Fields of an association line: SST TX_QUEUE RX_QUEUE UID INODE LPORT RPORT. */
const ASSOC_FIELDS = [3, 7, 8, 9, 10, 11, 12];

function parseAssociation(s: LineScanner, family: InetFamily): SctpAssociation | undefined {
  const buf = s.buf;
  const t = new Strtok(buf);
  t.reset(s.pos, lineEnd(s));
  const spans: Spans = [];
  if (!fields(t, 13, ASSOC_FIELDS, spans)) return undefined;
  const localAddresses: SctpAddress[] = [];
  const remoteAddresses: SctpAddress[] = [];
  if (t.next(LIST_SPLIT)) {
    addresses(buf, t.start, t.stop, true, localAddresses);
    if (t.next(LIST_SPLIT)) addresses(buf, t.start, t.stop, true, remoteAddresses);
  }
  const state = atoi(s, spans[0]!, spans[1]!);
  return {
    kind: 'association',
    family,
    inode: strtoul(buf, spans[8]!, spans[9]!),
    localPort: atoi(s, spans[10]!, spans[11]!) & 0xffff,
    localAddresses,
    remotePort: atoi(s, spans[12]!, spans[13]!) & 0xffff,
    remoteAddresses,
    state,
    stateName: sctpStateName(state),
    uid: atoi(s, spans[6]!, spans[7]!) >>> 0,
    recvQueue: atoi(s, spans[4]!, spans[5]!) >>> 0,
    sendQueue: atoi(s, spans[2]!, spans[3]!) >>> 0,
  };
}

/**
 * The addresses of a list `[start, stop)`, split at blanks. For associations
 * (`starred`) a leading `*` marks the primary path and is dropped; endpoint
 * tokens are read as they are.
 */
function addresses(buf: Uint8Array, start: number, stop: number, starred: boolean, into: SctpAddress[]): void {
  const t = new Strtok(buf);
  t.reset(start, stop);
  while (t.next(BLANKS)) {
    const primary = starred && buf[t.start] === STAR;
    into.push(address(buf, primary ? t.start + 1 : t.start, t.stop, primary));
  }
}

/** One address token: IPv6 when it holds a `:`, else IPv4 (`process_sctp_addr_str`). */
function address(buf: Uint8Array, start: number, stop: number, primary: boolean): SctpAddress {
  const token = buf.subarray(start, stop);
  return token.indexOf(COLON) === -1
    ? { address: inetAddr(token), family: 'inet', primary }
    : { address: ipv6Groups(token), family: 'inet6', primary };
}

// ---------------------------------------------------------------------------
// C conversions

/**
 * `atoi`: `strtol(text, NULL, 10)` (white space, a sign, decimal digits; 0
 * when none; saturating at ±2^63) cut to a C `int`. The token is NUL-ended at
 * `stop`. Uses the scanner (its line position is not needed any more).
 */
function atoi(s: LineScanner, start: number, stop: number): number {
  s.setLine(start, stop);
  if (!s.decimal()) return 0;
  if (Number.isSafeInteger(s.value)) return s.value | 0;
  const max = (1n << 63n) - 1n;
  let value = s.exact();
  if (value > max) value = max;
  else if (value < -max - 1n) value = -max - 1n;
  return Number(BigInt.asIntN(32, value));
}

/** Parts of an IPv4 address whose last part may span the rest: a, a.b (24 bits), a.b.c (16 bits), a.b.c.d. */
const LAST_PART_MAX = [0xffffffff, 0xffffff, 0xffff, 0xff];

/**
 * glibc `inet_addr`: one to four parts separated by dots, each starting with
 * a digit and read as `strtoul(…, 0)` (decimal, `0x` hex, `0` octal), the
 * last part filling the bytes left; text may follow after a white-space
 * character. Anything else is `INADDR_NONE`, `255.255.255.255`.
 */
function inetAddr(token: Uint8Array): string {
  const NONE = '255.255.255.255';
  const end = token.length;
  const parts: number[] = [];
  let p = 0;
  let value: number;
  for (;;) {
    if (p >= end || token[p]! < ZERO || token[p]! > NINE) return NONE;
    // strtoul(p, &endp, 0), the first character being a digit.
    const part = cNumberAt(token, p, end);
    value = digitsValue(token, part);
    if (value > 0xffffffff) return NONE;
    p = part.digitsEnd;
    if (p < end && token[p] === DOT) {
      if (parts.length > 2 || value > 0xff) return NONE;
      parts.push(value);
      p++;
    } else {
      break;
    }
  }
  // Trailing text must start with white space.
  if (p < end && !(token[p]! < 0x80 && isSpace(token[p]!))) return NONE;
  if (value > LAST_PART_MAX[parts.length]!) return NONE;
  let word = value;
  parts.forEach((part, i) => {
    word += part * 2 ** (24 - 8 * i);
  });
  return formatIPv4(word >>> 24, (word >>> 16) & 0xff, (word >>> 8) & 0xff, word & 0xff);
}

/**
 * `sscanf(text, "%04X:%04X:%04X:%04X:%04X:%04X:%04X:%04X", …)` and `htons`
 * of each value, as text: each conversion skips white space and reads at
 * most 4 characters (a sign, a `0x` prefix and hex digits); each `:` must
 * follow at once. Groups after the first failure are 0.
 */
function ipv6Groups(token: Uint8Array): string {
  const bytes = new Uint8Array(16);
  const end = token.length;
  let p = 0;
  for (let group = 0; group < 8; group++) {
    if (group > 0) {
      if (p >= end || token[p] !== COLON) break;
      p++;
    }
    while (p < end && isSpace(token[p]!)) p++;
    let width = 4;
    let negative = false;
    let digits = 0;
    let value = 0;
    if (p < end && (token[p] === PLUS || token[p] === MINUS)) {
      negative = token[p] === MINUS;
      p++;
      width--;
    }
    if (width > 0 && p < end && token[p] === ZERO) {
      p++;
      width--;
      digits++;
      if (width > 0 && p < end && isHexPrefix(token[p]!)) {
        p++;
        width--;
      }
    }
    while (width > 0 && p < end && hexDigit(token[p]!) >= 0) {
      value = value * 16 + hexDigit(token[p]!);
      p++;
      width--;
      digits++;
    }
    if (digits === 0) break;
    const word = (negative ? -value : value) & 0xffff;
    bytes[2 * group] = word >> 8;
    bytes[2 * group + 1] = word & 0xff;
  }
  return formatIPv6(bytes);
}
