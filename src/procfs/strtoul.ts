/**
 * glibc `strtoul(text, &end, base)` over bytes (and `strtoull`, the same on
 * 64 bits), the conversion net-tools uses where it does not use `sscanf`:
 * socket inodes of fd links, the SCTP tables' inodes and IPv4 address parts
 * (base 0), the `-s` counters (base 10). One function finds where the number
 * is; the callers then differ only in what they accept and how exact the
 * value must be.
 */
import { hexDigit, isHexPrefix, isSpace } from './line-scanner';

const PLUS = 0x2b;
const MINUS = 0x2d;
const ZERO = 0x30;

/** Where `strtoul` finds its number in `[start, end)`. */
export interface CNumber {
  negative: boolean;
  /** Base 0 reads 16 after `0x` (only when a hex digit follows it), 8 after a leading `0`, else 10. */
  base: number;
  /** The digits `[digitsStart, digitsEnd)`; none when equal (strtoul then returns 0 and ends at the start). */
  digitsStart: number;
  digitsEnd: number;
}

/** The number at `start`: white space, a sign, for base 0 a base prefix, the digits of the base. */
export function cNumberAt(buf: Uint8Array, start: number, end: number, base: 0 | 10 = 0): CNumber {
  let pos = start;
  while (pos < end && isSpace(buf[pos]!)) pos++;
  let negative = false;
  if (pos < end && (buf[pos] === PLUS || buf[pos] === MINUS)) negative = buf[pos++] === MINUS;
  let digitsBase = 10;
  if (base === 0 && pos < end && buf[pos] === ZERO) {
    if (pos + 2 < end && isHexPrefix(buf[pos + 1]!) && hexDigit(buf[pos + 2]!) >= 0) {
      digitsBase = 16;
      pos += 2;
    } else {
      digitsBase = 8; // the 0 itself is the first octal digit
    }
  }
  const digitsStart = pos;
  while (pos < end) {
    const digit = hexDigit(buf[pos]!);
    if (digit < 0 || digit >= digitsBase) break;
    pos++;
  }
  return { negative, base: digitsBase, digitsStart, digitsEnd: pos };
}

/** The digits' value as a float: exact up to 2^53, rounded at each step beyond. */
export function digitsValue(buf: Uint8Array, n: CNumber): number {
  let value = 0;
  for (let pos = n.digitsStart; pos < n.digitsEnd; pos++) value = value * n.base + hexDigit(buf[pos]!);
  return value;
}

/** The number exactly, its sign applied (0 without digits). */
export function exactValue(buf: Uint8Array, n: CNumber): bigint {
  const digits = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength).toString('latin1', n.digitsStart, n.digitsEnd);
  const magnitude = digits === '' ? 0n : BigInt(n.base === 16 ? `0x${digits}` : n.base === 8 ? `0o${digits}` : digits);
  return n.negative ? -magnitude : magnitude;
}

const ULONG_MAX = (1n << 64n) - 1n;

/** What `strtoul` returns for it: ULONG_MAX on overflow (whatever the sign), a negative number negated modulo 2^64. */
export function unsignedLong(buf: Uint8Array, n: CNumber): bigint {
  const value = exactValue(buf, n);
  if (value > ULONG_MAX || -value > ULONG_MAX) return ULONG_MAX;
  return BigInt.asUintN(64, value);
}

/** `strtoul(text, NULL, 0)` as a JS number, so exact up to 2^53 (0 when there are no digits). */
export function strtoul(buf: Uint8Array, start: number, end: number): number {
  const n = cNumberAt(buf, start, end);
  const value = digitsValue(buf, n);
  if (Number.isSafeInteger(value) && !n.negative) return value;
  return Number(unsignedLong(buf, n));
}
