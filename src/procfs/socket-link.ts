/**
 * Recognising a socket from the target of a `/proc/PID/fd/N` symlink, as
 * net-tools 2.10 does (spec §2.9): it reads at most 29 bytes of the link
 * text, then accepts `socket:[N]` and `[0000]:N`, with N converted by
 * `strtoul(…, 0)` (so a leading `0` means octal and `0x` hex) that must use
 * up the rest of the text and must not overflow.
 */
import { cNumberAt, digitsValue } from './strtoul';

/** Bytes of link text net-tools reads (`char lname[30]`, one kept for the NUL). */
export const LINK_TEXT_LIMIT = 29;

const TYPE1_PREFIX = Buffer.from('socket:[', 'latin1');
const TYPE2_PREFIX = Buffer.from('[0000]:', 'latin1');
const CLOSING_BRACKET = 0x5d;
/** 2^64. As floats `ULONG_LIMIT - 1` is 2^64 too: values within 2^11 of ULONG_MAX count as saturated. */
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
  const n = cNumberAt(bytes, start, end);
  // No digits: strtoul leaves `end` at the start of the text, which is not its end.
  if (n.digitsEnd === n.digitsStart || n.digitsEnd !== end) return undefined;
  const value = digitsValue(bytes, n);
  if (value >= ULONG_LIMIT - 1) return undefined; // saturated (or exactly ULONG_MAX)
  // strtoul negates a `-` number modulo 2^64; such a value is not exact as a
  // JS number and the kernel never writes a sign, so it is refused (a "-0" is 0).
  if (n.negative && value !== 0) return undefined;
  return value;
}
