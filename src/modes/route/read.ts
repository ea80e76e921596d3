/**
 * Reading the rows of the routing `/proc` files the way net-tools does: taken
 * apart like its `sscanf` formats, which stop at the first field that does
 * not convert.
 */

/** The file's lines (a final newline does not make an empty last line). */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

/** One `sscanf` conversion: `s` a word, `d` a signed decimal int, `x` an unsigned hex int; optional field width. */
export interface Conversion {
  kind: 's' | 'd' | 'x';
  width?: number;
}

export const word = (width?: number): Conversion => (width === undefined ? { kind: 's' } : { kind: 's', width });
export const decimal: Conversion = { kind: 'd' };
export const hex = (width?: number): Conversion => (width === undefined ? { kind: 'x' } : { kind: 'x', width });

const BLANK = /[ \t\n\r\f\v]/;

/**
 * glibc `sscanf` over `line` with blank-separated conversions: the values in
 * order, up to the first that does not convert (so `.length` is what
 * `sscanf` returns, -1 aside). A width limits how many characters a
 * conversion takes, so a long word spills into the next field as in C.
 * Numbers wrap to 32 bits as storing into a C `int` does.
 */
export function scan(line: string, conversions: readonly Conversion[]): Array<string | number> {
  const values: Array<string | number> = [];
  let at = 0;
  for (const { kind, width } of conversions) {
    while (at < line.length && BLANK.test(line[at]!)) at++;
    if (at >= line.length) break;
    const limit = width === undefined ? line.length : Math.min(line.length, at + width);
    if (kind === 's') {
      let end = at;
      while (end < limit && !BLANK.test(line[end]!)) end++;
      values.push(line.slice(at, end));
      at = end;
      continue;
    }
    const pattern = kind === 'd' ? /^[+-]?\d+/ : /^[+-]?(?:0[xX](?=[0-9a-fA-F]))?[0-9a-fA-F]+/;
    const match = pattern.exec(line.slice(at, limit));
    if (match === null) break;
    at += match[0].length;
    const negative = match[0].startsWith('-');
    const digits = match[0].replace(/^[+-]/, '').replace(/^0[xX]/, '');
    let value = kind === 'd' ? BigInt(digits) : BigInt(`0x${digits}`);
    if (negative) value = -value;
    values.push(kind === 'd' ? Number(BigInt.asIntN(32, value)) : Number(BigInt.asUintN(32, value)));
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

/** `printf("%-Ns")`: pad on the right to at least `width` (never cut). */
export function left(text: string, width: number): string {
  return text.padEnd(width);
}

/** `printf("%Ns")` / `%Nd`: pad on the left to at least `width`. */
export function right(text: string | number, width: number): string {
  return String(text).padStart(width);
}
