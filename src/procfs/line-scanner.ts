/**
 * A cursor over one line of a `/proc` file that converts fields the way
 * glibc's `sscanf` does for the conversions net-tools uses (`%d`, `%u`,
 * `%lu`, `%X`, `%lX`, `%p`, `%64[0-9A-Fa-f]`, literal characters, blanks).
 * net-tools decides whether a line is "bogus" by how many conversions its
 * `sscanf` call completed, so the parsers count conversions the same way.
 *
 * Works on bytes (char codes) of the file buffer: no regular expressions and
 * no per-line strings, because a `/proc/net/tcp` can have 200k lines.
 * Values are JS numbers: exact up to 2^53, which covers every field the kernel
 * writes; overflowing input is not reproduced bit for bit.
 */

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;
const NINE = 0x39;
const LOWER_X = 0x78;
const UPPER_X = 0x58;

/** Hex digit values by char code, -1 for non-digits (a table: this is the hot path). */
const HEX_DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) HEX_DIGIT[ZERO + i] = i;
for (let i = 0; i < 6; i++) {
  HEX_DIGIT[0x41 + i] = 10 + i;
  HEX_DIGIT[0x61 + i] = 10 + i;
}

/** Value of a hex digit char code, or -1. */
function hexDigit(code: number): number {
  return HEX_DIGIT[code]!;
}

/** C `isspace` in the C locale. */
export function isSpace(code: number): boolean {
  return code === SPACE || (code >= TAB && code <= CR);
}

export class LineScanner {
  /** Next byte to read. */
  pos = 0;
  /** End of the current line (exclusive; the newline is not part of it). */
  end = 0;
  /** Result of the last successful numeric conversion. */
  value = 0;
  /** Start of the last successful `hexRun`. */
  runStart = 0;

  constructor(readonly buf: Uint8Array) {}

  /** Points the scanner at bytes `[start, end)`. */
  setLine(start: number, end: number): void {
    this.pos = start;
    this.end = end;
  }

  /** A blank in a scanf format: skips any amount of white space (also none). */
  skipSpace(): void {
    const buf = this.buf;
    while (this.pos < this.end && isSpace(buf[this.pos]!)) this.pos++;
  }

  /** A literal character in the format: must match exactly, no blanks skipped. */
  literal(code: number): boolean {
    if (this.pos < this.end && this.buf[this.pos] === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** `%d`, `%u`, `%lu`: blanks, optional sign, at least one decimal digit. */
  decimal(): boolean {
    this.skipSpace();
    const buf = this.buf;
    let pos = this.pos;
    const negative = this.sign();
    if (negative !== 0) pos++;
    const digitsStart = pos;
    let value = 0;
    while (pos < this.end) {
      const code = buf[pos]!;
      if (code < ZERO || code > NINE) break;
      value = value * 10 + (code - ZERO);
      pos++;
    }
    if (pos === digitsStart) return false;
    this.pos = pos;
    this.value = negative < 0 ? -value : value;
    return true;
  }

  /**
   * `%X`, `%lX`, `%p`: blanks, optional sign, optional `0x`, at least one hex
   * digit.
   */
  hex(): boolean {
    this.skipSpace();
    const buf = this.buf;
    let pos = this.pos;
    const negative = this.sign();
    if (negative !== 0) pos++;
    if (
      pos + 2 < this.end &&
      buf[pos] === ZERO &&
      (buf[pos + 1] === LOWER_X || buf[pos + 1] === UPPER_X) &&
      hexDigit(buf[pos + 2]!) >= 0
    ) {
      pos += 2;
    }
    const digitsStart = pos;
    let value = 0;
    while (pos < this.end) {
      const digit = hexDigit(buf[pos]!);
      if (digit < 0) break;
      value = value * 16 + digit;
      pos++;
    }
    if (pos === digitsStart) return false;
    this.pos = pos;
    this.value = negative < 0 ? -value : value;
    return true;
  }

  /**
   * `%64[0-9A-Fa-f]`: one to `max` hex digits, no blanks skipped. Returns the
   * number of digits taken (0 = conversion failed); they start at `runStart`.
   */
  hexRun(max: number): number {
    const buf = this.buf;
    const start = this.pos;
    const limit = Math.min(this.end, start + max);
    let pos = start;
    while (pos < limit && hexDigit(buf[pos]!) >= 0) pos++;
    this.runStart = start;
    this.pos = pos;
    return pos - start;
  }

  /** -1 for a leading `-`, 1 for `+`, 0 for none (at the current position). */
  private sign(): number {
    if (this.pos >= this.end) return 0;
    const code = this.buf[this.pos]!;
    return code === MINUS ? -1 : code === PLUS ? 1 : 0;
  }
}

/** Value of `count` hex digits at `start` (count ≤ 8, so the result is exact). */
export function hexValue(buf: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 16 + hexDigit(buf[start + i]!);
  return value;
}
