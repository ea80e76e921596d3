/**
 * Port → service names, as net-tools builds them (spec §2.5).
 *
 * net-tools enumerates the services database once and keeps only entries
 * whose protocol is exactly `tcp`, `udp` or `raw`, then adds every
 * `/etc/protocols` entry to the `raw` list (where the "port" is the IP
 * protocol number). Its lists are built by prepending, so a number listed
 * twice resolves to the entry read LAST. Aliases are never used; names are cut
 * to 63 bytes.
 */
import { readFields } from './files';

export type ServiceProtocol = 'tcp' | 'udp' | 'raw';

export class ServiceNames {
  private tables: Record<ServiceProtocol, Map<number, string>> | undefined;

  constructor(
    private readonly servicesPath = '/etc/services',
    private readonly protocolsPath = '/etc/protocols',
  ) {}

  /** The service name for a port, or null when the database has none. */
  name(port: number, protocol: ServiceProtocol): string | null {
    return this.load()[protocol].get(port) ?? null;
  }

  private load(): Record<ServiceProtocol, Map<number, string>> {
    if (this.tables !== undefined) return this.tables;
    const tables: Record<ServiceProtocol, Map<number, string>> = { tcp: new Map(), udp: new Map(), raw: new Map() };
    for (const [name, portProto] of readFields(this.servicesPath)) {
      if (portProto === undefined) continue;
      const slash = portProto.indexOf('/');
      if (slash <= 0) continue;
      const port = parseNumber(portProto.slice(0, slash));
      const proto = portProto.slice(slash + 1);
      if (port === null || (proto !== 'tcp' && proto !== 'udp' && proto !== 'raw')) continue;
      tables[proto].set(port, name.slice(0, 63)); // later entries win
    }
    for (const [name, number] of readFields(this.protocolsPath)) {
      const value = number === undefined ? null : parseNumber(number);
      if (value !== null) tables.raw.set(value, name.slice(0, 63));
    }
    this.tables = tables;
    return tables;
  }
}

function parseNumber(text: string): number | null {
  return /^[0-9]+$/.test(text) ? Number(text) : null;
}
