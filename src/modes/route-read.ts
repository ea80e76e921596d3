/**
 * Reading the routing `/proc` files the way net-tools does: the text as
 * latin1 bytes (or the errno code when `fopen` would fail), and rows taken
 * apart like its `sscanf` formats, which stop at the first field that does
 * not convert.
 */
import { readFileSync } from 'node:fs';
import { errorCode } from '../errors';
import { procPath } from '../proc/root';

export type ProcText = { text: string } | { errorCode: string };

/** The text of `net/<name>` below the proc root, or why it could not be opened. */
export function readProcNet(procRoot: string, name: string): ProcText {
  try {
    return { text: readFileSync(procPath(`net/${name}`, procRoot), 'latin1') };
  } catch (err) {
    return { errorCode: errorCode(err) ?? 'EIO' };
  }
}

/** The file's lines (a final newline does not make an empty last line). */
export function lines(text: string): string[] {
  const all = text.split('\n');
  if (all.length > 0 && all[all.length - 1] === '') all.pop();
  return all;
}

/** One conversion: `s` a word, `d` a signed decimal int, `x` an unsigned hex int. */
export type Conversion = 's' | 'd' | 'x';

/**
 * The values of the blank-separated fields of `line` for `conversions`, in
 * order, up to the first that does not convert (so `.length` is what
 * `sscanf` would return). Numbers wrap to 32 bits as a C `int` store does.
 */
export function scan(line: string, conversions: readonly Conversion[]): Array<string | number> {
  const words = line.split(/[ \t\n\r\f\v]+/).filter((w) => w !== '');
  const values: Array<string | number> = [];
  for (let i = 0; i < conversions.length && i < words.length; i++) {
    const word = words[i]!;
    const kind = conversions[i]!;
    if (kind === 's') {
      values.push(word);
      continue;
    }
    const match = kind === 'd' ? /^[+-]?\d+/.exec(word) : /^[+-]?(?:0[xX])?[0-9a-fA-F]+/.exec(word);
    if (match === null) break;
    const text = match[0];
    const negative = text.startsWith('-');
    const digits = text.replace(/^[+-]/, '');
    let value = kind === 'd' ? BigInt(digits) : BigInt(`0x${digits.replace(/^0[xX]/, '')}`);
    if (negative) value = -value;
    values.push(kind === 'd' ? Number(BigInt.asIntN(32, value)) : Number(BigInt.asUintN(32, value)));
  }
  return values;
}

/** `printf("%-Ns")`: pad on the right to at least `width` (never cut). */
export function left(text: string, width: number): string {
  return text.padEnd(width);
}

/** `printf("%Ns")` / `%Nd`: pad on the left to at least `width`. */
export function right(text: string | number, width: number): string {
  return String(text).padStart(width);
}
