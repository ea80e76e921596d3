/**
 * Parser for `/proc/net/unix`, following net-tools 2.10 (spec §2.13): the
 * first line is skipped; each further line is read as
 *
 *     %p: %lX %lX %lX %X %X %lu %s
 *     Num RefCount Protocol Flags Type St Inode Path
 *
 * and a line with fewer than 6 conversions is "bogus" (counted in
 * `malformed`, skipped). Unlike net-tools' `%s`, the path keeps the kernel's
 * whole text — everything after the inode and one blank — blanks included;
 * the printer reproduces net-tools' cut at the first blank.
 */
import { type SocketFilter, unixKeep } from '../filter';
import { kernelText } from '../kernel-text';
import { type UnixSocket, unixStateName, unixTypeName } from '../model';
import { LineScanner } from './line-scanner';
import type { LINES_PER_SLICE } from './slices';
import { type ParsedTable, parseTableLines } from './table-lines';

const COLON = 0x3a;
const SPACE = 0x20;

/** Conversions net-tools needs to accept a line. */
const MINIMUM_FIELDS = 6;

/**
 * Parses the table; a generator yielding every {@link LINES_PER_SLICE} lines
 * (see `slices.ts`). `filter` drops the rows the query does not keep
 * (net-tools' servers are UNCONNECTED with the ACC flag: `LISTENING`).
 */
export function* parseUnixTable(
  buf: Buffer,
  filter: SocketFilter = { selection: 'all' },
  seen: Set<number | string> = new Set(),
  missedOnly = false,
): Generator<void, ParsedTable<UnixSocket>, void> {
  const scanner = new LineScanner(buf);
  const keep = unixKeep(filter);
  // The inode names a socket (a row the kernel repeats is dropped, see table-lines.ts). Connections
  // waiting in a listener's queue have none (inode 0) and can be alike in every field: all are kept
  // (`seen`, `missedOnly`: a second read, see parseTableLines).
  const identity = (row: UnixSocket) => row.inode || undefined;
  return yield* parseTableLines(buf, scanner, () => parseLine(scanner, buf), (row) => keep(row.stateName), identity, true, seen, missedOnly);
}

function parseLine(s: LineScanner, buf: Buffer): UnixSocket | undefined {
  let fields = 0;
  let refCount = 0;
  let protocol = 0;
  let flags = 0;
  let type = 0;
  let state = 0;
  let inode = 0;
  let path = '';
  let pathBase64: string | undefined;

  parse: {
    if (!s.hex()) break parse; // the kernel pointer (`%p` reads hex)
    fields++;
    if (!s.literal(COLON)) break parse;
    if (!s.hex()) break parse;
    refCount = s.value;
    fields++;
    if (!s.hex()) break parse;
    protocol = s.value;
    fields++;
    if (!s.hex()) break parse;
    flags = s.value;
    fields++;
    if (!s.hex()) break parse;
    type = s.value;
    fields++;
    if (!s.hex()) break parse;
    state = s.value;
    fields++;
    if (!s.decimal()) break parse;
    inode = s.value;
    fields++;
    // The kernel writes one blank and then the name, up to the end of the line.
    if (s.pos < s.end && buf[s.pos] === SPACE) {
      const name = kernelText(buf, s.pos + 1, s.end);
      path = name.text;
      pathBase64 = name.base64;
    }
  }
  if (fields < MINIMUM_FIELDS) return undefined;
  const socket: UnixSocket = {
    inode,
    protocol,
    refCount,
    flags,
    type,
    state,
    stateName: unixStateName(state, flags),
    typeName: unixTypeName(type),
    path,
  };
  if (pathBase64 !== undefined) socket.pathBase64 = pathBase64;
  return socket;
}
