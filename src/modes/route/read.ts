/**
 * Reading the rows of the routing `/proc` files the way net-tools does: taken
 * apart like its `sscanf` formats, which stop at the first field that does
 * not convert, into variables that outlive a line.
 */
import { textScanner } from '../../procfs/line-scanner';

/** One `sscanf` conversion: `s` a word, `d` a signed decimal int, `x` an unsigned hex int; optional field width. */
export interface Conversion {
  kind: 's' | 'd' | 'x';
  width?: number;
}

export const word = (width?: number): Conversion => (width === undefined ? { kind: 's' } : { kind: 's', width });
export const decimal: Conversion = { kind: 'd' };
export const hex = (width?: number): Conversion => (width === undefined ? { kind: 'x' } : { kind: 'x', width });

/**
 * glibc `sscanf` over `line` with blank-separated conversions: the values in
 * order, up to the first that does not convert (so `.length` is what
 * `sscanf` returns, -1 aside). A width limits how many characters a
 * conversion takes, so a long word spills into the next field as in C.
 * Numbers are stored into a C `int`, as net-tools' variables are.
 */
export function scan(line: string, conversions: readonly Conversion[]): Array<string | number> {
  const scanner = textScanner(line);
  const values: Array<string | number> = [];
  for (const { kind, width } of conversions) {
    if (kind === 's') {
      if (!scanner.word(width)) break;
      values.push(scanner.text());
    } else if (kind === 'd') {
      if (!scanner.decimal(width)) break;
      values.push(scanner.int32());
    } else {
      if (!scanner.hex(width)) break;
      values.push(scanner.uint32());
    }
  }
  return values;
}

/**
 * net-tools keeps its sscanf targets in variables that live across lines, so
 * a line that converts only some fields leaves the others at the previous
 * line's values. `RowState` reproduces that.
 */
export class RowState {
  readonly values: Array<string | number>;

  constructor(initial: Array<string | number>) {
    this.values = [...initial];
  }

  /** Scan `line` into the state; returns how many conversions succeeded. */
  scanInto(line: string, conversions: readonly Conversion[]): number {
    const fresh = scan(line, conversions);
    fresh.forEach((value, i) => {
      this.values[i] = value;
    });
    return fresh.length;
  }
}
