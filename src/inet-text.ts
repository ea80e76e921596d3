/**
 * Internet addresses as text, exactly as glibc's `inet_ntop` writes them,
 * because net-tools prints what `inet_ntop` returns and this project must
 * match it byte for byte.
 */

/** Dotted quad of four bytes in network order (`[127, 0, 0, 1]` → `127.0.0.1`). */
export function formatIPv4(b0: number, b1: number, b2: number, b3: number): string {
  return `${b0}.${b1}.${b2}.${b3}`;
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
