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
import type { Selection, Table } from '../backends/types';
import type { UnixSocket } from '../model';
import { showUnix } from '../select';
import { LineScanner } from './line-scanner';
import type { LINES_PER_SLICE } from './slices';
import { parseTableLines } from './table-lines';

const COLON = 0x3a;
const SPACE = 0x20;

/** Conversions net-tools needs to accept a line. */
const MINIMUM_FIELDS = 6;

/**
 * Parses the table; a generator yielding every {@link LINES_PER_SLICE} lines
 * (see `slices.ts`). `selection` drops rows net-tools would not show
 * (servers = UNCONNECTED with the ACC flag).
 */
export function* parseUnixTable(buf: Buffer, selection: Selection = 'all'): Generator<void, Table<UnixSocket>, void> {
  const scanner = new LineScanner(buf);
  return yield* parseTableLines(buf, scanner, () => parseLine(scanner, buf), (row) => showUnix(row, selection));
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
    if (s.pos < s.end && buf[s.pos] === SPACE) path = buf.toString('utf8', s.pos + 1, s.end);
  }
  if (fields < MINIMUM_FIELDS) return undefined;
  return { inode, protocol, refCount, flags, type, state, path };
}
