/**
 * How net-tools writes an Internet endpoint in the socket listing
 * (spec §2.5, §2.6): host text (numeric or looked up), port text (numeric or
 * a service name) and the 23-column `address:port` field with its peculiar
 * truncation.
 */
import { isWildcard, stripV4Mapped } from '../inet-text';
import type { InetFamily, InetProtocol } from '../model';
import type { Resolvers, ServiceProtocol } from '../resolve';

export interface NameChoices {
  numericHosts: boolean;
  numericPorts: boolean;
}

const NON_ASCII = /[^\x00-\x7f]/;

/**
 * A model string (UTF-8 text) as the bytes net-tools would print, one char
 * per byte. The printer pads and cuts by bytes, as printf does, and the
 * Output writes these strings as latin1, so multi-byte names come out intact
 * and cut exactly where net-tools cuts them. (Resolver databases are read as
 * latin1 already and need no conversion.)
 */
export function bytes(text: string): string {
  return NON_ASCII.test(text) ? Buffer.from(text, 'utf8').toString('latin1') : text;
}

/**
 * The bytes of a kernel text (see `kernel-text.ts`) for printing: the raw
 * bytes when the record carries them (`pathBase64`, `programBase64`), else
 * the UTF-8 text's.
 */
export function kernelBytes(text: string, base64: string | undefined): string {
  return base64 === undefined ? bytes(text) : Buffer.from(base64, 'base64').toString('latin1');
}

/** The 32-bit value of a dotted IPv4 address, in host order (first octet most significant). */
function ipv4Value(address: string): number {
  const [a = 0, b = 0, c = 0, d = 0] = address.split('.').map(Number);
  return ((a << 24) | (b << 16) | (c << 8) | d) >>> 0;
}

/**
 * Resolve, concurrently, the host names a set of addresses will need, so the
 * rows can then be formatted synchronously (and a numeric listing of 200k
 * rows never awaits). Returns address → name (null: no name).
 */
export async function resolveHosts(addresses: Iterable<string>, resolvers: Resolvers): Promise<Map<string, string | null>> {
  const wanted = new Set<string>();
  for (const address of addresses) {
    if (!isWildcard(address) && !(address.startsWith('0.') && !address.includes(':'))) wanted.add(address);
  }
  const names = new Map<string, string | null>();
  await Promise.all(
    [...wanted].map(async (address) => {
      names.set(address, await resolvers.hosts.name(address));
    }),
  );
  return names;
}

/**
 * The host part of an endpoint. Symbolic IPv4: `0.0.0.0` stays numeric; an
 * address whose first octet is 0 is looked up as a *network* (an artefact of
 * net-tools' byte order, reproduced); others as hosts. Symbolic IPv6: `::` is
 * `[::]`. Then v4-mapped addresses lose their `::ffff:` part. `hostNames` is
 * the map from {@link resolveHosts}; null means numeric.
 */
export function hostText(
  address: string,
  family: InetFamily,
  hostNames: ReadonlyMap<string, string | null> | null,
  resolvers: Resolvers,
): string {
  let text = address;
  if (hostNames !== null) {
    if (family === 'inet') {
      if (address !== '0.0.0.0') {
        text = address.startsWith('0.')
          ? (resolvers.networks.name(ipv4Value(address)) ?? address)
          : bytes(hostNames.get(address) ?? address);
      }
    } else if (address === '::') {
      text = '[::]';
    } else {
      text = bytes(hostNames.get(address) ?? address);
    }
  }
  return family === 'inet6' ? stripV4Mapped(address, text) : text;
}

/** The services database a protocol's ports are named from (UDP-Lite uses `udp`). */
export function serviceProtocol(protocol: InetProtocol): ServiceProtocol {
  return protocol === 'tcp' ? 'tcp' : protocol === 'raw' ? 'raw' : 'udp';
}

/** Port text: `*` for 0 (even numerically), else decimal or the service name. */
export function portText(port: number, protocol: InetProtocol, numeric: boolean, resolvers: Resolvers): string {
  if (port === 0) return '*';
  if (numeric) return String(port);
  return resolvers.services.name(port, serviceProtocol(protocol)) ?? String(port);
}

/**
 * `address:port`, cut to 23 columns unless wide: the port keeps up to 18
 * characters and the address what is left of 22.
 */
export function endpointField(host: string, port: string, wide: boolean): string {
  if (wide || host.length + port.length <= 22) return `${host}:${port}`;
  const p = Math.min(port.length, 18);
  return `${host.slice(0, 22 - p)}:${port.slice(0, p)}`;
}
