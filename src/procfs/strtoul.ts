/**
 * glibc `strtoul(text, &end, 0)` over bytes, the conversion net-tools uses
 * where it does not use `sscanf`: socket inodes of fd links, and the SCTP
 * tables' inodes and IPv4 address parts. One function finds where the number
 * is; the callers then differ only in what they accept and how exact the
 * value must be.
 */
import { hexDigit, isHexPrefix, isSpace } from './line-scanner';

const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;

/** Where `strtoul(…, 0)` finds its number in `[start, end)`. */
export interface CNumber {
  negative: boolean;
  /** 16 after `0x` (only when a hex digit follows it), 8 after a leading `0`, else 10. */
  base: number;
  /** The digits `[digitsStart, digitsEnd)`; none when equal (strtoul then returns 0 and ends at the start). */
  digitsStart: number;
  digitsEnd: number;
}

/** The number at `start`: white space, a sign, a base prefix, the digits of that base. */
export function cNumberAt(buf: Uint8Array, start: number, end: number): CNumber {
  let pos = start;
  while (pos < end && isSpace(buf[pos]!)) pos++;
  let negative = false;
  if (pos < end && (buf[pos] === PLUS || buf[pos] === MINUS)) negative = buf[pos++] === MINUS;
  let base = 10;
  if (pos < end && buf[pos] === ZERO) {
    if (pos + 2 < end && isHexPrefix(buf[pos + 1]!) && hexDigit(buf[pos + 2]!) >= 0) {
      base = 16;
      pos += 2;
    } else {
      base = 8; // the 0 itself is the first octal digit
    }
  }
  const digitsStart = pos;
  while (pos < end) {
    const digit = hexDigit(buf[pos]!);
    if (digit < 0 || digit >= base) break;
    pos++;
  }
  return { negative, base, digitsStart, digitsEnd: pos };
}

/** The digits' value as a float: exact up to 2^53, rounded at each step beyond. */
export function digitsValue(buf: Uint8Array, n: CNumber): number {
  let value = 0;
  for (let pos = n.digitsStart; pos < n.digitsEnd; pos++) value = value * n.base + hexDigit(buf[pos]!);
  return value;
}

const ULONG_MAX = (1n << 64n) - 1n;

/**
 * `strtoul(text, NULL, 0)`'s result: 0 when there are no digits, ULONG_MAX
 * on overflow (whatever the sign), a negative number negated modulo 2^64.
 * As a JS number, so exact up to 2^53.
 */
export function strtoul(buf: Uint8Array, start: number, end: number): number {
  const n = cNumberAt(buf, start, end);
  const value = digitsValue(buf, n);
  if (Number.isSafeInteger(value)) return n.negative && value !== 0 ? Number(BigInt.asUintN(64, -BigInt(value))) : value;
  const digits = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', n.digitsStart, n.digitsEnd);
  const exact = BigInt(n.base === 16 ? `0x${digits}` : n.base === 8 ? `0o${digits}` : digits);
  if (exact > ULONG_MAX) return Number(ULONG_MAX);
  return Number(n.negative ? BigInt.asUintN(64, -exact) : exact);
}
