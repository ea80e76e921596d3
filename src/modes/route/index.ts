/**
 * `netstat -r`: the routing tables of each family in the `-A` list, in
 * order (spec §3). Each table is collected (inet.ts, inet6.ts,
 * other.ts) and then printed, as net-tools' text (text.ts) or as
 * JSON. Families without a table printer in net-tools end the run with
 * status 3; those whose kernel support is absent say so and end it with
 * status 1.
 */
import type { AfName } from '../options';
import type { ModeContext, ModePass } from '../context';
import { JsonPass, wantsJson } from '../json-output';
import type { Collected, RouteTable } from './data';
import { collectInetCache, collectInetFib, type RouteStyle } from './inet';
import { collectInet6 } from './inet6';
import { collectUnconfiguredFamily } from './other';
import { routeTableText } from './text';

/**
 * The table printers' extend level from the `-e` count (1 + number of `-e`):
 * net-tools swaps 1 and 2 and keeps the low two bits, so no `-e` shows
 * MSS/Window/irtt, `-e` Metric/Ref/Use, `-ee` both and `-eee` no columns.
 */
export function routeExtendLevel(extendCount: number): number {
  const swapped = extendCount === 1 ? 2 : extendCount === 2 ? 1 : extendCount;
  return swapped & 3;
}

export const routePass: ModePass = async (ctx: ModeContext): Promise<number> => {
  const { options } = ctx;
  const style: RouteStyle = {
    extend: routeExtendLevel(options.extend),
    numeric: options.numericHosts || options.symbolic,
  };
  // JSON: `{"mode":"route","tables":[{"kind":…,"routes":[…]}|{"kind":"unavailable",…}]}`, or one route per line.
  const json = wantsJson(options) ? new JsonPass(ctx, 'route', 'tables') : null;
  const print = (table: RouteTable): void => {
    if (json === null) ctx.out.out(routeTableText(table, style.extend));
    else if (table.kind === 'unavailable') json.record(table);
    else {
      const { routes, ...fields } = table;
      json.group(fields, 'routes', routes);
    }
  };

  let status = 0;
  const families: AfName[] = options.afList.length > 0 ? options.afList : ['inet'];
  for (const family of families) {
    for (const collect of collectorsFor(ctx, family, style)) {
      const collected = await collect();
      if (collected.table !== null) print(collected.table);
      if ((status = collected.status) !== 0) break;
    }
    if (status !== 0) break;
  }
  // Where net-tools printed nothing on standard output, JSON prints nothing either.
  if (json !== null && !json.empty) json.end();
  return status;
};

/** The tables a family prints, in order: FIB unless only -C was asked for; -C adds the cache. */
function collectorsFor(ctx: ModeContext, family: AfName, style: RouteStyle): Array<() => Promise<Collected>> {
  const { options } = ctx;
  const fib = options.fib || !options.cache;
  const tables = (table: () => Promise<Collected>, cache: () => Promise<Collected>) => [
    ...(fib ? [table] : []),
    ...(options.cache ? [cache] : []),
  ];
  switch (family) {
    case 'inet':
      return tables(() => collectInetFib(ctx, style), () => collectInetCache(ctx, style));
    case 'inet6':
      return tables(() => collectInet6(ctx, style.numeric, 'table'), () => collectInet6(ctx, style.numeric, 'cache'));
    case 'bluetooth':
      return [failing(ctx, `Address family \`${family}' not supported.\n`)];
    case 'unix':
    case 'ec':
    case 'ash':
      return [failing(ctx, `No routing for address family \`${family}'.\n`)];
    default:
      return [async () => collectUnconfiguredFamily(ctx, family)];
  }
}

/** A family net-tools refuses: its message on stderr, status 3. */
function failing(ctx: ModeContext, message: string): () => Promise<Collected> {
  return async () => {
    ctx.out.err(message);
    return { table: null, status: 3 };
  };
}
