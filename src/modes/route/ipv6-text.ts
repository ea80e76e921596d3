/**
 * IPv6 addresses as net-tools prints them: glibc `inet_ntop(3)` text, from
 * the 32-hex-digit form the kernel uses in `/proc/net/ipv6_route` and
 * `/proc/net/if_inet6`. Shared by `-r` and `-i`.
 */

/** The 16 bytes of a 32-hex-digit kernel address, or null if malformed. */
export function ipv6BytesFromHex(hex: string): number[] | null {
  if (!/^[0-9a-fA-F]{32}$/.test(hex)) return null;
  const bytes: number[] = [];
  for (let i = 0; i < 32; i += 2) bytes.push(parseInt(hex.slice(i, i + 2), 16));
  return bytes;
}

/**
 * glibc's `inet_ntop(AF_INET6)`: lowercase groups without leading zeros; the
 * longest run of two or more zero groups (the first on ties) becomes `::`;
 * `::a.b.c.d` and `::ffff:a.b.c.d` keep their last 32 bits dotted.
 */
export function ipv6Text(bytes: readonly number[]): string {
  const words: number[] = [];
  for (let i = 0; i < 16; i += 2) words.push((bytes[i]! << 8) | bytes[i + 1]!);

  let bestBase = -1;
  let bestLength = 0;
  for (let i = 0; i < 8; ) {
    if (words[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && words[j] === 0) j++;
    if (j - i > bestLength) {
      bestBase = i;
      bestLength = j - i;
    }
    i = j;
  }
  if (bestLength < 2) bestBase = -1;

  let text = '';
  for (let i = 0; i < 8; i++) {
    if (bestBase >= 0 && i >= bestBase && i < bestBase + bestLength) {
      if (i === bestBase) text += ':';
      continue;
    }
    if (i !== 0) text += ':';
    if (i === 6 && bestBase === 0 && (bestLength === 6 || (bestLength === 5 && words[5] === 0xffff))) {
      text += `${bytes[12]}.${bytes[13]}.${bytes[14]}.${bytes[15]}`;
      break;
    }
    text += words[i]!.toString(16);
  }
  if (bestBase >= 0 && bestBase + bestLength === 8) text += ':';
  return text;
}

/** True for the all-zero address. */
export function isUnspecified(bytes: readonly number[]): boolean {
  return bytes.every((b) => b === 0);
}

/**
 * net-tools shows a v4-mapped address (::ffff:a.b.c.d) by its IPv4 part:
 * when the text shown for it (the address, or a name) has a `.`, everything
 * up to the last `:` before it goes. `address` is the inet_ntop text.
 */
export function stripV4Mapped(address: string, text: string): string {
  const mapped = address.startsWith('::ffff:') && address.includes('.');
  const dot = text.indexOf('.');
  if (!mapped || dot < 0) return text;
  return text.slice(text.lastIndexOf(':', dot) + 1);
}
