/**
 * Host names in the modes' data: the text output shows a name in place of an
 * address (`-g`, `-M`, as the socket listing does, see print/address.ts); the
 * data keeps the address and, unless numeric, the name shown — null when
 * the text shows the address itself.
 */
import type { InetFamily } from '../model';
import { hostText } from '../print/address';
import type { Resolvers } from '../resolve';

/** The name shown for `address` with `hostNames` from resolveHosts(), or null when the numeric text is shown. */
export function shownName(
  address: string,
  family: InetFamily,
  hostNames: ReadonlyMap<string, string | null>,
  resolvers: Resolvers,
): string | null {
  const shown = hostText(address, family, hostNames, resolvers);
  return shown === hostText(address, family, null, resolvers) ? null : shown;
}

/** What the text shows: the name, or the numeric text (a v4-mapped IPv6 address by its IPv4 part). */
export function shownText(address: string, family: InetFamily, name: string | null | undefined, resolvers: Resolvers): string {
  return name ?? hostText(address, family, null, resolvers);
}
