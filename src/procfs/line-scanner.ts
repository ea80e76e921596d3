/**
 * The one `sscanf` of src/: a cursor over a span of a `/proc` file (a line,
 * or for formats read with `fscanf`, the rest of the file) that converts
 * fields the way glibc does for the conversions net-tools uses (`%d`, `%u`,
 * `%lu`, `%X`, `%lX`, `%p`, `%Ns`, `%Nc`, `%64[0-9A-Fa-f]`, a field width,
 * literal characters, blanks). net-tools decides whether a line is "bogus"
 * by how many conversions its `sscanf` call completed, so the parsers count
 * conversions the same way: each method is one conversion and says whether
 * it converted.
 *
 * Works on bytes (char codes): no regular expressions and no per-line
 * strings, because a `/proc/net/tcp` can have 200k lines. `value` is a JS
 * number, exact up to 2^53 (every field the kernel writes); `exact()` gives
 * any value exactly, and `int32()`/`uint32()` store it into a C int as a
 * cast does.
 */

const SPACE = 0x20;
const TAB = 0x09;
const CR = 0x0d;
const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;
const LOWER_X = 0x78;

/** Digit values by char code (0-9, a-f, A-F), -1 for others (a table: this is the hot path). */
const DIGIT = new Int8Array(256).fill(-1);
for (let i = 0; i < 10; i++) DIGIT[ZERO + i] = i;
for (let i = 0; i < 6; i++) {
  DIGIT[0x41 + i] = 10 + i;
  DIGIT[0x61 + i] = 10 + i;
}

/** Value of a hex digit char code, or -1. */
export function hexDigit(code: number): number {
  return DIGIT[code & 0xff]!;
}

/** C `isspace` in the C locale. */
export function isSpace(code: number): boolean {
  return code === SPACE || (code >= TAB && code <= CR);
}

/** True when `code` is the `x` or `X` of a `0x` prefix. */
export function isHexPrefix(code: number): boolean {
  return (code | 0x20) === LOWER_X;
}

export class LineScanner {
  /** Next byte to read. */
  pos = 0;
  /** End of the span (exclusive; a line's newline is not part of it unless the format can read it). */
  end = 0;
  /** Result of the last successful numeric conversion. */
  value = 0;
  /** Start of the text the last `hexRun`, `word` or `chars` took (it ends at `pos`). */
  runStart = 0;
  /** The last numeric conversion's digits `[digitsStart, digitsEnd)`, base and sign, for `exact()`. */
  private digitsStart = 0;
  private digitsEnd = 0;
  private base = 10;
  private negative = false;

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

  /** Only blanks are left: `fscanf` would return EOF before its first conversion. */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.end;
  }

  /** A literal character in the format: must match exactly, no blanks skipped. */
  literal(code: number): boolean {
    if (this.pos < this.end && this.buf[this.pos] === code) {
      this.pos++;
      return true;
    }
    return false;
  }

  /** `%d`, `%u`, `%lu` (`%Nd` with a width): blanks, optional sign, at least one decimal digit. */
  decimal(width?: number): boolean {
    return this.number(10, width);
  }

  /**
   * `%X`, `%lX`, `%p` (`%NX` with a width): blanks, optional sign, optional
   * `0x` (taken only when a hex digit follows it), at least one hex digit.
   */
  hex(width?: number): boolean {
    return this.number(16, width);
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

  /** `%s` (`%Ns` with a width): blanks, then one to `width` bytes that are not blanks. */
  word(width = Number.MAX_SAFE_INTEGER): boolean {
    this.skipSpace();
    const buf = this.buf;
    const limit = Math.min(this.end, this.pos + width);
    let pos = this.pos;
    while (pos < limit && !isSpace(buf[pos]!)) pos++;
    if (pos === this.pos) return false;
    this.runStart = this.pos;
    this.pos = pos;
    return true;
  }

  /** `%Nc`: the next `count` bytes as they are, blanks included (fewer at the end of the span; none fails). */
  chars(count: number): boolean {
    if (this.pos >= this.end) return false;
    this.runStart = this.pos;
    this.pos = Math.min(this.end, this.pos + count);
    return true;
  }

  /** The text the last `hexRun`, `word` or `chars` took, one char per byte. */
  text(): string {
    return Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength).toString('latin1', this.runStart, this.pos);
  }

  /** The last numeric conversion's value, exactly (the digits can be any number of them). */
  exact(): bigint {
    if (Number.isSafeInteger(this.value)) return BigInt(this.value);
    const digits = Buffer.from(this.buf.buffer, this.buf.byteOffset, this.buf.byteLength).toString('latin1', this.digitsStart, this.digitsEnd);
    const magnitude = BigInt(this.base === 16 ? `0x${digits}` : digits);
    return this.negative ? -magnitude : magnitude;
  }

  /** The last numeric conversion stored into a C `int` (the low 32 bits, signed). */
  int32(): number {
    return Number.isSafeInteger(this.value) ? this.value | 0 : Number(BigInt.asIntN(32, this.exact()));
  }

  /** The last numeric conversion stored into a C `unsigned int` (the low 32 bits). */
  uint32(): number {
    return Number.isSafeInteger(this.value) ? this.value >>> 0 : Number(BigInt.asUintN(32, this.exact()));
  }

  private number(base: number, width: number | undefined): boolean {
    this.skipSpace();
    const buf = this.buf;
    const end = width === undefined ? this.end : Math.min(this.end, this.pos + width);
    let pos = this.pos;
    const sign = pos < end ? buf[pos]! : 0;
    const negative = sign === MINUS;
    if (negative || sign === PLUS) pos++;
    if (base === 16 && pos + 2 < end && buf[pos] === ZERO && isHexPrefix(buf[pos + 1]!) && hexDigit(buf[pos + 2]!) >= 0) pos += 2;
    const digitsStart = pos;
    let value = 0;
    while (pos < end) {
      const digit = DIGIT[buf[pos]!]!;
      if (digit < 0 || digit >= base) break;
      value = value * base + digit;
      pos++;
    }
    if (pos === digitsStart) return false;
    this.pos = pos;
    this.value = negative ? -value : value;
    this.digitsStart = digitsStart;
    this.digitsEnd = pos;
    this.base = base;
    this.negative = negative;
    return true;
  }
}

/** A scanner over all of `text`, a line or file read as latin1 (one char per byte). */
export function textScanner(text: string): LineScanner {
  const scan = new LineScanner(Buffer.from(text, 'latin1'));
  scan.setLine(0, text.length);
  return scan;
}

/** Value of `count` hex digits at `start` (count ≤ 8, so the result is exact). */
export function hexValue(buf: Uint8Array, start: number, count: number): number {
  let value = 0;
  for (let i = 0; i < count; i++) value = value * 16 + hexDigit(buf[start + i]!);
  return value;
}
