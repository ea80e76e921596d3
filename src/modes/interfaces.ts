/**
 * `netstat -i`: the kernel interface table (spec §4). Names come from
 * `/proc/net/dev` plus the IPv4 address labels, in natural order; an
 * interface is shown when it is up, or always with `-a`. Short rows below
 * `-e`, ifconfig-like blocks from `-e` on.
 */
import { readFileSync } from 'node:fs';
import { errorCode, strerror } from '../errors';
import { procPath } from '../proc/root';
import type { ModeContext, ModePass } from './context';
import { longBlock, SHORT_HEADER, shortRow, type InterfaceEntry } from './interfaces-format';
import { compareInterfaceNames } from './interfaces-order';
import { parseProcNetDev, type DeviceStatistics } from './interfaces-procnetdev';
import { sysfsFacts, type InterfaceFactsSource } from './interfaces-source';
import { ipv6BytesFromHex, ipv6Text, stripV4Mapped } from './route-ipv6-text';

const IFF_UP = 0x1;

/** The `-i` pass over the given facts (tests and the native addon supply their own). */
export function createInterfacesPass(facts: InterfaceFactsSource): ModePass {
  return async (ctx: ModeContext): Promise<number> => {
    const { options, out } = ctx;
    // net-tools prints this when it opens its socket, which `-c` keeps open.
    if (ctx.pass === 0) out.out('Kernel Interface table\n');
    const short = options.extend < 2;
    if (short) out.out(SHORT_HEADER);

    const statistics = readStatistics(ctx);
    const { link: linkOf, ipv4: addresses } = facts();
    const names = [...statistics.keys()];
    for (const address of addresses) names.push(address.label);
    const unique = [...new Set(names)].sort(compareInterfaceNames);
    const ipv6 = short ? [] : readIfInet6(ctx);

    for (const name of unique) {
      const device = name.split(':')[0]!;
      const link = linkOf(device);
      if (link === null) {
        out.err(`${name}: error fetching interface information: Device not found\n`);
        out.err('missing interface information: No such device\n');
        return 1;
      }
      if ((link.flags & IFF_UP) === 0 && !options.all) continue;
      const entry: InterfaceEntry = {
        name,
        link,
        stats: statistics.get(name) ?? null,
        ipv4: addresses.find((a) => a.label === name) ?? null,
        ipv6: ipv6.filter((line) => line.device === name),
      };
      out.out(short ? shortRow(entry) : longBlock(entry));
    }
    return 0;
  };
}

export const interfacesPass: ModePass = createInterfacesPass(sysfsFacts());

/** Counters by device name; a missing file is a warning and no statistics at all. */
function readStatistics(ctx: ModeContext): Map<string, DeviceStatistics> {
  const statistics = new Map<string, DeviceStatistics>();
  let text: string;
  try {
    text = readFileSync(procPath('net/dev', ctx.procRoot), 'latin1');
  } catch (err) {
    ctx.out.err(`Warning: cannot open /proc/net/dev (${strerror(errorCode(err) ?? 'EIO')}). Limited output.\n`);
    return statistics;
  }
  for (const { name, stats } of parseProcNetDev(text)) if (!statistics.has(name)) statistics.set(name, stats);
  return statistics;
}

/** `/proc/net/if_inet6` lines: address, prefix length, scope, device (file order). */
function readIfInet6(ctx: ModeContext): Array<{ device: string; address: string; prefixLength: number; scope: number }> {
  let text: string;
  try {
    text = readFileSync(procPath('net/if_inet6', ctx.procRoot), 'latin1');
  } catch {
    return [];
  }
  const lines = [];
  for (const line of text.split('\n')) {
    const f = line.trim().split(/[ \t]+/);
    if (f.length < 6) continue;
    const bytes = ipv6BytesFromHex(f[0]!);
    if (bytes === null) continue;
    lines.push({
      device: f[5]!.slice(0, 15),
      address: stripV4Mapped(ipv6Text(bytes), ipv6Text(bytes)),
      prefixLength: Number.parseInt(f[2]!, 16),
      scope: Number.parseInt(f[3]!, 16),
    });
  }
  return lines;
}
