/**
 * `netstat -r` tables as net-tools 2.10 prints them (spec §3), from the
 * collected data (data.ts): the heading for the `-e` level, then the
 * rows, names and addresses cut to their columns.
 */
import type { InetCacheEntry, InetRoute, Inet6Route, RouteTable } from './data';
import { cacheFlags, fibFlags, inet6Flags } from './flags';
import { stripV4Mapped } from '../../inet-text';

const RTF_REJECT = 0x200;

/** `printf("%-Ns")`: pad on the right to at least `width` (never cut). */
function left(text: string, width: number): string {
  return text.padEnd(width);
}

/** `printf("%Ns")` / `%Nd`: pad on the left to at least `width`. */
function right(text: string | number, width: number): string {
  return String(text).padStart(width);
}

/** A table's text at extend level `extend` (0–3, see `routeExtendLevel`). */
export function routeTableText(table: RouteTable, extend: number): string {
  switch (table.kind) {
    case 'inet':
      return fibHeading(extend) + table.routes.map((route) => fibRow(route, extend)).join('');
    case 'inet-cache':
      return cacheHeading(table.layout, table.warning, extend) + table.routes.map((entry) => cacheRow(entry, extend)).join('');
    case 'inet6':
    case 'inet6-cache':
      return (
        `${table.kind === 'inet6-cache' ? 'Kernel IPv6 routing cache' : 'Kernel IPv6 routing table'}\n` +
        'Destination                    Next Hop                   Flag Met Ref  Use If\n' +
        table.routes.map(inet6Row).join('')
      );
    case 'unavailable':
      return `${table.message}\n`;
  }
}

function fibHeading(extend: number): string {
  let head = 'Kernel IP routing table\n';
  if (extend === 1) head += 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface\n';
  if (extend === 2) head += 'Destination     Gateway         Genmask         Flags   MSS Window  irtt Iface\n';
  if (extend >= 3) head += 'Destination     Gateway         Genmask         Flags Metric Ref    Use Iface    MSS   Window irtt\n';
  return head;
}

function fibRow(route: InetRoute, extend: number): string {
  const { iface, flags } = route;
  const D = left((route.destinationName ?? route.destination).slice(0, 15), 15);
  const G = left((route.gatewayName ?? route.gateway).slice(0, 15), 15);
  const M = left(route.genmask.slice(0, 15), 15);
  const F = left(fibFlags(flags), 5);
  const reject = (flags & RTF_REJECT) !== 0;
  const metric = left(String(route.metric), 6);
  switch (extend) {
    case 1:
      return reject
        ? `${D} -               ${M} ${F} ${metric} -  ${right(route.use!, 7)} -\n`
        : `${D} ${G} ${M} ${F} ${metric} ${left(String(route.refCnt), 2)} ${right(route.use!, 7)} ${iface}\n`;
    case 2:
      return reject
        ? `${D} -               ${M} ${F}     - -          - -\n`
        : `${D} ${G} ${M} ${F} ${right(route.mss!, 5)} ${left(String(route.window), 5)} ${right(route.irtt!, 6)} ${iface}\n`;
    case 3:
      return reject
        ? `${D} -               ${M} ${F} ${metric} -  ${right(route.use!, 7)} -        -     -      -\n`
        : `${D} ${G} ${M} ${F} ${metric} ${left(String(route.refCnt), 3)} ${right(route.use!, 6)} ${left(iface.slice(0, 6), 6)}   ` +
            `${left(String(route.mss), 5)} ${left(String(route.window), 6)} ${route.irtt}\n`;
    default:
      return '';
  }
}

function cacheHeading(layout: '2.0' | '2.2' | null, warning: string | undefined, extend: number): string {
  let head = 'Kernel IP routing cache\n';
  if (warning !== undefined) head += `${warning}\n`;
  if (extend === 1) head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface\n';
  if (extend === 2) head += 'Source          Destination     Gateway         Flags   MSS Window  irtt Iface\n';
  if (layout === '2.0' && extend >= 3)
    head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface    MSS   Window irtt  HH  Arp\n';
  if (layout === '2.2' && extend >= 3)
    head += 'Source          Destination     Gateway         Flags Metric Ref    Use Iface    MSS   Window irtt  TOS HHRef HHUptod     SpecDst\n';
  return head;
}

function cacheRow(entry: InetCacheEntry, extend: number): string {
  const { iface } = entry;
  // Not cut to the column, unlike the FIB's.
  const S = left(entry.sourceName ?? entry.source, 15);
  const D = left(entry.destinationName ?? entry.destination, 15);
  const G = left(entry.gatewayName ?? entry.gateway, 15);
  const flagText = left(cacheFlags(entry.flags), 5);
  switch (extend) {
    case 1:
      return `${S} ${D} ${G} ${flagText} ${left(String(entry.metric), 6)} ${left(String(entry.refCnt), 2)} ${right(entry.use!, 7)} ${iface}\n`;
    case 2:
      return `${S} ${D} ${G} ${flagText} ${right(entry.mss!, 5)} ${left(String(entry.window), 5)} ${right(entry.irtt!, 6)} ${iface}\n`;
    case 3:
      return (
        `${S} ${D} ${G} ${flagText} ${left(String(entry.metric), 6)} ${left(String(entry.refCnt), 3)} ${right(entry.use!, 6)} ` +
        `${left(iface.slice(0, 6), 6)}   ${left(String(entry.mss), 5)} ${left(String(entry.window), 6)} ${left(String(entry.irtt), 5)} ` +
        `${left(String(entry.tos), 3)} ${left(String(entry.hhRef), 3)}   ${left(String(entry.hhUptodate), 3)} ${right(entry.specDstName ?? entry.specDst!, 15)}\n`
      );
    default:
      return '';
  }
}

function inet6Row(route: Inet6Route): string {
  const destination = `${route.destinationName ?? stripV4Mapped(route.destination, route.destination)}/${route.prefixLength}`;
  const nextHop = route.nextHopName ?? stripV4Mapped(route.nextHop, route.nextHop);
  return (
    `${left(destination, 30)} ${left(nextHop, 26)} ${left(inet6Flags(route.flags), 4)} ` +
    `${left(String(route.metric), 3)} ${left(String(route.refCnt), 1)} ${right(route.use, 6)} ${route.iface}\n`
  );
}
