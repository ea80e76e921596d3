/**
 * Recognising a socket from the target of a `/proc/PID/fd/N` symlink, as
 * net-tools 2.10 does (spec §2.9): it reads at most 29 bytes of the link
 * text, then accepts `socket:[N]` and `[0000]:N`, with N converted by
 * `strtoul(…, 0)` (so a leading `0` means octal and `0x` hex) that must use
 * up the rest of the text and must not overflow.
 */

/** Bytes of link text net-tools reads (`char lname[30]`, one kept for the NUL). */
export const LINK_TEXT_LIMIT = 29;

const TYPE1_PREFIX = Buffer.from('socket:[', 'latin1');
const TYPE2_PREFIX = Buffer.from('[0000]:', 'latin1');
const CLOSING_BRACKET = 0x5d;
const ULONG_LIMIT = 2 ** 64;

/** The socket inode named by a link target, or undefined if net-tools would not take it for a socket. */
export function socketInodeOfLink(target: Uint8Array): number | undefined {
  let length = Math.min(target.length, LINK_TEXT_LIMIT);
  const nul = target.indexOf(0);
  if (nul !== -1 && nul < length) length = nul;

  if (length >= TYPE1_PREFIX.length + 3 && startsWith(target, TYPE1_PREFIX) && target[length - 1] === CLOSING_BRACKET) {
    const inode = strtoulWhole(target, TYPE1_PREFIX.length, length - 1);
    if (inode !== undefined) return inode;
  }
  if (length >= TYPE2_PREFIX.length + 1 && startsWith(target, TYPE2_PREFIX)) {
    return strtoulWhole(target, TYPE2_PREFIX.length, length);
  }
  return undefined;
}

function startsWith(bytes: Uint8Array, prefix: Uint8Array): boolean {
  for (let i = 0; i < prefix.length; i++) if (bytes[i] !== prefix[i]) return false;
  return true;
}

/**
 * glibc `strtoul(text, &end, 0)` over bytes `[start, end)`, accepted only if
 * the conversion consumed all of them and did not saturate at ULONG_MAX
 * (net-tools' `*serr || *inode_p == ~0` test). Deviation: a negative number
 * is refused (see below).
 */
export function strtoulWhole(bytes: Uint8Array, start: number, end: number): number | undefined {
  let pos = start;
  while (pos < end && isSpace(bytes[pos]!)) pos++;
  let negative = false;
  if (pos < end && (bytes[pos] === 0x2b || bytes[pos] === 0x2d)) {
    negative = bytes[pos] === 0x2d;
    pos++;
  }
  let base = 10;
  if (pos < end && bytes[pos] === 0x30) {
    if (pos + 2 < end && (bytes[pos + 1] === 0x78 || bytes[pos + 1] === 0x58) && digitValue(bytes[pos + 2]!) < 16) {
      base = 16;
      pos += 2;
    } else {
      base = 8;
    }
  }
  const digitsStart = pos;
  let value = 0;
  while (pos < end) {
    const digit = digitValue(bytes[pos]!);
    if (digit >= base) break;
    value = value * base + digit;
    pos++;
  }
  // No digits: strtoul leaves `end` at the start of the text, which is not its end.
  if (pos === digitsStart || pos !== end) return undefined;
  if (value >= ULONG_LIMIT - 1) return undefined; // saturated (or exactly ULONG_MAX)
  // strtoul negates a `-` number modulo 2^64; such a value is not exact as a
  // JS number and the kernel never writes a sign, so it is refused (a "-0" is 0).
  if (negative && value !== 0) return undefined;
  return value;
}

function isSpace(code: number): boolean {
  return code === 0x20 || (code >= 0x09 && code <= 0x0d);
}

/** 0–35 for 0-9a-zA-Z, 99 otherwise. */
function digitValue(code: number): number {
  if (code >= 0x30 && code <= 0x39) return code - 0x30;
  const lower = code | 0x20;
  if (lower >= 0x61 && lower <= 0x7a) return lower - 0x61 + 10;
  return 99;
}
