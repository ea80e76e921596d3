/**
 * `netstat -i`: the kernel interface table (spec §4). Names come from
 * `/proc/net/dev` plus the IPv4 address labels, in natural order; an
 * interface is shown when it is up, or always with `-a`. Each is collected
 * into a record (record.ts), then printed: short rows below `-e`,
 * ifconfig-like blocks from `-e` on, or JSON. The facts come from the source
 * the caller chose (backends/interfaces/choose.ts).
 */
import type { InterfaceFactsSource } from '../../backends/interfaces/facts';
import { strerror } from '../../errors';
import { textLines } from '../../procfs/lines';
import { readProcText } from '../../procfs/read';
import type { ModeContext, ModePass } from '../context';
import { longBlock, SHORT_HEADER, shortRow } from './format';
import { compareInterfaceNames } from './order';
import { parseProcNetDev, type DeviceStatistics } from './procnetdev';
import { interfaceRecord, scopeNames, type InterfaceRecord, type Ipv6Address } from './record';
import { JsonPass, wantsJson } from '../json-output';
import { formatIPv6, ipv6FromHex } from '../../inet-text';

const IFF_UP = 0x1;

/** The `-i` pass over the given source of interface facts. */
export function createInterfacesPass(facts: InterfaceFactsSource): ModePass {
  return async (ctx: ModeContext): Promise<number> => {
    const { options, out } = ctx;
    const long = options.extend >= 2;
    // JSON: `{"mode":"interfaces","interfaces":[…]}`, or one interface per line.
    const json = wantsJson(options) ? new JsonPass(ctx, 'interfaces', 'interfaces') : null;
    const print = (record: InterfaceRecord): void => {
      if (json !== null) json.record(record);
      else out.out(long ? longBlock(record) : shortRow(record));
    };
    if (json === null) {
      // net-tools prints this when it opens its socket, which `-c` keeps open.
      if (ctx.pass === 0) out.out('Kernel Interface table\n');
      if (!long) out.out(SHORT_HEADER);
    }

    const statistics = readStatistics(ctx);
    const { link: linkOf, ipv4: addresses, source } = facts([...statistics.keys()]);
    if (options.sources && source !== undefined) out.err(`netstat: interfaces: ${source.backend} (${source.reason})\n`);
    const names = [...statistics.keys()];
    for (const address of addresses) names.push(address.label);
    const unique = [...new Set(names)].sort(compareInterfaceNames);
    const ipv6 = long ? readIfInet6(ctx) : [];

    let status = 0;
    for (const name of unique) {
      const device = name.split(':')[0]!;
      const link = linkOf(device);
      if (link === null) {
        out.err(`${name}: error fetching interface information: Device not found\n`);
        out.err('missing interface information: No such device\n');
        status = 1;
        break;
      }
      if ((link.flags & IFF_UP) === 0 && !options.all) continue;
      const ipv4 = addresses.find((a) => a.label === name) ?? null;
      const own = ipv6.filter((line) => line.device === name).map(({ device: _, ...address }) => address);
      print(interfaceRecord(name, link, statistics.get(name) ?? null, ipv4, own, long));
    }
    json?.end();
    return status;
  };
}

/** Counters by device name; a missing file is a warning and no statistics at all. */
function readStatistics(ctx: ModeContext): Map<string, DeviceStatistics> {
  const statistics = new Map<string, DeviceStatistics>();
  const file = readProcText('net/dev', ctx.procRoot);
  if (!file.ok) {
    ctx.out.err(`Warning: cannot open /proc/net/dev (${strerror(file.code)}). Limited output.\n`);
    return statistics;
  }
  for (const { name, stats } of parseProcNetDev(file.text)) if (!statistics.has(name)) statistics.set(name, stats);
  return statistics;
}

/** `/proc/net/if_inet6` lines: address, prefix length, scope, device (file order). */
function readIfInet6(ctx: ModeContext): Array<Ipv6Address & { device: string }> {
  const file = readProcText('net/if_inet6', ctx.procRoot);
  if (!file.ok) return [];
  const lines = [];
  for (const line of textLines(file.text)) {
    const f = line.trim().split(/[ \t]+/);
    if (f.length < 6) continue;
    const bytes = ipv6FromHex(f[0]!);
    if (bytes === null) continue;
    const scope = Number.parseInt(f[3]!, 16);
    lines.push({
      device: f[5]!.slice(0, 15),
      address: formatIPv6(bytes),
      prefixLength: Number.parseInt(f[2]!, 16),
      scope,
      scopeNames: scopeNames(scope),
    });
  }
  return lines;
}
