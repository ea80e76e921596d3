/**
 * `netstat -r`: the routing tables of each family in the `-A` list, in
 * order (spec §3). Families without a table printer in net-tools end the
 * run with status 3; those whose kernel support is absent say so and end it
 * with status 1.
 */
import type { AfName } from '../options';
import type { ModeContext, ModePass } from './context';
import { printInetCache, printInetFib, type RouteStyle } from './route-inet';
import { printInet6 } from './route-inet6';
import { printUnconfiguredFamily } from './route-other';

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
  const families: AfName[] = options.afList.length > 0 ? options.afList : ['inet'];
  for (const family of families) {
    const status = await printFamily(ctx, family, style);
    if (status !== 0) return status;
  }
  return 0;
};

async function printFamily(ctx: ModeContext, family: AfName, style: RouteStyle): Promise<number> {
  const { options } = ctx;
  // FIB unless only -C was asked for; -C adds the cache.
  const fib = options.fib || !options.cache;
  switch (family) {
    case 'inet': {
      if (fib) {
        const status = await printInetFib(ctx, style);
        if (status !== 0) return status;
      }
      return options.cache ? printInetCache(ctx, style) : 0;
    }
    case 'inet6': {
      if (fib) {
        const status = await printInet6(ctx, style.numeric, 'table');
        if (status !== 0) return status;
      }
      return options.cache ? printInet6(ctx, style.numeric, 'cache') : 0;
    }
    case 'bluetooth':
      ctx.out.err(`Address family \`${family}' not supported.\n`);
      return 3;
    case 'unix':
    case 'ec':
    case 'ash':
      ctx.out.err(`No routing for address family \`${family}'.\n`);
      return 3;
    default: {
      return printUnconfiguredFamily(ctx, family);
    }
  }
}

