/**
 * Internet addresses as text, exactly as glibc's `inet_ntop` writes them,
 * because net-tools prints what `inet_ntop` returns and this project must
 * match it byte for byte; and the kernel's hex forms of addresses in
 * `/proc` files, turned into bytes.
 */

/** Dotted quad of four bytes in network order (`[127, 0, 0, 1]` → `127.0.0.1`). */
export function formatIPv4(b0: number, b1: number, b2: number, b3: number): string {
  return `${b0}.${b1}.${b2}.${b3}`;
}

/**
 * An IPv4 address the kernel prints as its in-memory 32-bit word (`%08X` of
 * a `__be32`), read back into a number on a little-endian host: the lowest
 * byte of the word is the address's first.
 */
export function formatIPv4Word(word: number): string {
  return formatIPv4(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
}

/**
 * glibc `inet_ntop(AF_INET6, …)` text of 16 bytes in network order:
 * lowercase groups without leading zeros; the longest run of at least two
 * zero groups (the first one on ties) becomes `::`; an address whose first six
 * groups are zero (`::a.b.c.d`), or whose first five are zero followed by
 * `ffff` (`::ffff:a.b.c.d`), ends in a dotted quad.
 */
export function formatIPv6(bytes: ArrayLike<number>): string {
  if (bytes.length !== 16) throw new RangeError(`an IPv6 address has 16 bytes, got ${bytes.length}`);
  const groups: number[] = new Array<number>(8);
  for (let i = 0; i < 8; i++) groups[i] = (bytes[2 * i]! << 8) | bytes[2 * i + 1]!;

  // Longest zero run; a strictly longer run is needed to replace an earlier one.
  let bestStart = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let end = i;
    while (end < 8 && groups[end] === 0) end++;
    if (end - i > bestLength) {
      bestStart = i;
      bestLength = end - i;
    }
    i = end;
  }
  if (bestLength < 2) bestStart = -1;

  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestStart !== -1 && i >= bestStart && i < bestStart + bestLength) {
      if (i === bestStart) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (i === 6 && bestStart === 0 && (bestLength === 6 || (bestLength === 5 && groups[5] === 0xffff))) {
      text += formatIPv4(bytes[12]!, bytes[13]!, bytes[14]!, bytes[15]!);
      return text;
    }
    text += groups[i]!.toString(16);
  }
  if (bestStart !== -1 && bestStart + bestLength === 8) text += ':';
  return text;
}

/**
 * The 16 bytes of eight groups of one to four hex digits (`2001`, `db8`, …:
 * the kernel's `%pI6` and `/proc/net/ipv6_route` fields), or null unless
 * there are eight and each is one.
 */
export function ipv6FromGroups(groups: readonly string[]): Uint8Array | null {
  if (groups.length !== 8 || !groups.every((group) => /^[0-9a-fA-F]{1,4}$/.test(group))) return null;
  const bytes = new Uint8Array(16);
  groups.forEach((group, i) => {
    const value = Number.parseInt(group, 16);
    bytes[2 * i] = value >> 8;
    bytes[2 * i + 1] = value & 0xff;
  });
  return bytes;
}

/** The 16 bytes of the kernel's 32-hex-digit form (`/proc/net/if_inet6`), or null if malformed. */
export function ipv6FromHex(hex: string): Uint8Array | null {
  if (hex.length !== 32) return null;
  const groups: string[] = [];
  for (let i = 0; i < 32; i += 4) groups.push(hex.slice(i, i + 4));
  return ipv6FromGroups(groups);
}

/** True for the all-zero address of either family (`0.0.0.0`, `::`) in canonical text. */
export function isWildcard(address: string): boolean {
  return address === '0.0.0.0' || address === '::';
}

/** True for a v4-mapped IPv6 address in canonical text (`::ffff:a.b.c.d`). */
export function isV4Mapped(address: string): boolean {
  return address.startsWith('::ffff:') && address.includes('.');
}

/**
 * net-tools shows a v4-mapped address by its IPv4 part: when the text shown
 * for it (`text`: the address, or a name) has a `.`, everything up to the
 * last `:` before that goes. `address` is the canonical text.
 */
export function stripV4Mapped(address: string, text: string): string {
  if (!isV4Mapped(address)) return text;
  const dot = text.indexOf('.');
  return dot < 0 ? text : text.slice(text.lastIndexOf(':', dot) + 1);
}
