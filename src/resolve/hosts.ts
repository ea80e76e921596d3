/**
 * Reverse host-name look-ups with the C library's semantics.
 *
 * net-tools asks `gethostbyaddr` (IPv4) and `getnameinfo` (IPv6), so
 * `/etc/hosts`, nsswitch.conf and DNS all apply. Node's `dns.lookupService`
 * calls the same `getnameinfo(3)` on libuv's thread pool, so the answers are
 * the C library's own — including its quirks, such as a v4-mapped IPv6
 * address not matching IPv4 lines of `/etc/hosts`. Look-ups run concurrently
 * and each address is asked once per process (net-tools caches too, which also
 * keeps `-c` passes cheap).
 */
import type * as Dns from 'node:dns';

/** node:dns, loaded on the first look-up (`-n` never asks one). */
let dns: typeof Dns | undefined;

export class HostResolver {
  private readonly cache = new Map<string, Promise<string | null>>();

  /** The host name of an address (canonical text), or null when it has none. */
  name(address: string): Promise<string | null> {
    let pending = this.cache.get(address);
    if (pending === undefined) {
      pending = new Promise((resolve) => {
        (dns ??= require('node:dns') as typeof Dns).lookupService(address, 0, (err, hostname) => resolve(err ? null : hostname));
      });
      this.cache.set(address, pending);
    }
    return pending;
  }
}
