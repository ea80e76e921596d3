/**
 * The loop every /proc socket table shares: skip the header line (net-tools
 * skips it unconditionally), hand each further line to a parser, count the
 * lines it rejects, keep the rows the selection wants, and yield every
 * {@link LINES_PER_SLICE} lines so the async driver can give the event loop
 * a turn (see `slices.ts`).
 *
 * A socket can be in a table file twice: the kernel hands a /proc socket
 * table out one page per read(2) and finds where to go on by counting
 * entries into a hash bucket, so when a socket was added to that bucket
 * between two reads (new ones go to the head of its chain), the next read
 * starts one entry early and repeats one. Under churn that happens (net-tools shows such rows twice; seen in
 * test/reliability/stress.js). Given `identity`, a row whose identity an
 * earlier kept row had is dropped: the first one stays, where net-tools
 * would show it. When a socket ahead of that place left the bucket instead,
 * the next read starts one entry late and skips one: a second read of the
 * table, parsed with the first one's identities (`seen`, `missedOnly`), gives
 * the rows the first lacked (see the backend's `verify`).
 */
import type { LineScanner } from './line-scanner';
import { LINES_PER_SLICE } from './slices';

const NEWLINE = 0x0a;

/**
 * One /proc socket table as parsed, in the kernel's order. A backend's
 * `Table` (backends/types.ts) is this, plus what only netlink gives.
 */
export interface ParsedTable<T> {
  rows: T[];
  /**
   * Lines of the source that could not be parsed and were skipped (the /proc
   * backend; net-tools warns once per such line). Always 0 for netlink.
   */
  malformed: number;
  /**
   * For each malformed line, how many rows had been kept before it: where
   * net-tools, which warns as it reads, prints its warning among the rows.
   * Given for the /proc UNIX table, whose bogus lines are real (a socket path
   * with a newline splits its line); absent means "before the rows".
   */
  malformedAt?: number[];
}

/**
 * Parse the lines of `buf` after the first. `parseLine` reads the line the
 * scanner is set to and returns its row, or undefined for a malformed line.
 * `identity`: what names the socket of a row (see above), if rows repeated
 * by the kernel are to be dropped; undefined for a row nothing names, which
 * is always kept. `positions`: also say where the malformed lines were
 * (`ParsedTable.malformedAt`). `seen`: the identities kept so far, filled in
 * as rows are kept (a caller's set outlives the parse); with `missedOnly`,
 * only rows with an identity not in it are kept (a second read: a row that
 * nothing names cannot be told from one the first read had, and is dropped).
 */
export function* parseTableLines<T>(
  buf: Buffer,
  scanner: LineScanner,
  parseLine: () => T | undefined,
  keep: (row: T) => boolean,
  identity?: (row: T) => number | string | undefined,
  positions = false,
  seen: Set<number | string> | undefined = identity === undefined ? undefined : new Set<number | string>(),
  missedOnly = false,
): Generator<void, ParsedTable<T>, void> {
  const rows: T[] = [];
  const malformedAt: number[] = [];
  let malformed = 0;
  let lineStart = buf.indexOf(NEWLINE) + 1;
  if (lineStart === 0) return { rows, malformed };
  let linesInSlice = 0;
  while (lineStart < buf.length) {
    let lineEnd = buf.indexOf(NEWLINE, lineStart);
    const nextStart = lineEnd === -1 ? buf.length : lineEnd + 1;
    if (lineEnd === -1) lineEnd = buf.length;
    scanner.setLine(lineStart, lineEnd);
    lineStart = nextStart;

    const row = parseLine();
    if (row === undefined) {
      malformed++;
      if (positions) malformedAt.push(rows.length);
    }
    else if (keep(row) && isFirst(seen, identity, row, missedOnly)) rows.push(row);

    if (++linesInSlice === LINES_PER_SLICE) {
      linesInSlice = 0;
      yield;
    }
  }
  return positions ? { rows, malformed, malformedAt } : { rows, malformed };
}

/** Whether no earlier row had this row's identity (always, without `identity`); records it. */
function isFirst<T>(
  seen: Set<number | string> | undefined,
  identity: ((row: T) => number | string | undefined) | undefined,
  row: T,
  missedOnly: boolean,
): boolean {
  if (seen === undefined || identity === undefined) return !missedOnly;
  const id = identity(row);
  if (id === undefined) return !missedOnly;
  if (seen.has(id)) return false;
  seen.add(id);
  return true;
}
