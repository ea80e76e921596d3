/**
 * The loop every /proc socket table shares: skip the header line (net-tools
 * skips it unconditionally), hand each further line to a parser, count the
 * lines it rejects, keep the rows the selection wants, and yield every
 * {@link LINES_PER_SLICE} lines so the async driver can give the event loop
 * a turn (see `slices.ts`).
 */
import type { Table } from '../backends/types';
import type { LineScanner } from './line-scanner';
import { LINES_PER_SLICE } from './slices';

const NEWLINE = 0x0a;

/**
 * Parse the lines of `buf` after the first. `parseLine` reads the line the
 * scanner is set to and returns its row, or undefined for a malformed line.
 */
export function* parseTableLines<T>(
  buf: Buffer,
  scanner: LineScanner,
  parseLine: () => T | undefined,
  keep: (row: T) => boolean,
): Generator<void, Table<T>, void> {
  const rows: T[] = [];
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
    if (row === undefined) malformed++;
    else if (keep(row)) rows.push(row);

    if (++linesInSlice === LINES_PER_SLICE) {
      linesInSlice = 0;
      yield;
    }
  }
  return { rows, malformed };
}
