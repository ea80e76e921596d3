/**
 * `netstat -r -A ax25|netrom|rose|ipx|ddp|x25`: net-tools has route printers
 * for these families, but their `/proc` files vanished from Linux long ago
 * (IPX and AppleTalk routing, X.25 routes), or exist only with the hamradio
 * modules loaded. Each printer then reports in its own words, on its own
 * streams, with status 1 — reproduced here exactly as net-tools 2.10 does
 * it. Listing these tables when the files do exist is not implemented
 * (no kernel we run on has them); that case prints the same messages.
 */
import { perrorText, strerror } from '../../errors';
import type { AfName } from '../options';
import type { ModeContext } from '../context';
import type { Collected } from './data';
import { readProcText } from '../../procfs/read';

/** net-tools' message on standard output, as the family's table, with status 1. */
function unavailable(family: AfName, message: string): Collected {
  return { table: { kind: 'unavailable', family, message }, status: 1 };
}

/** Status 1 (or 3), with nothing on standard output. */
const nothing = (status: number): Collected => ({ table: null, status });

export function collectUnconfiguredFamily(ctx: ModeContext, family: AfName): Collected {
  const missing = (name: string): string | null => {
    const file = readProcText(`net/${name}`, ctx.procRoot);
    return file.ok ? null : file.code;
  };
  switch (family) {
    case 'ax25':
      ctx.out.err(`${perrorText('/proc/net/ax25_route', missing('ax25_route') ?? 'ENOENT')}\n`);
      return unavailable(family, 'AX.25 not configured in this system.');
    case 'netrom': {
      // Both files are opened first, then perror'ed one after the other.
      const nodes = missing('nr_nodes');
      const neighbours = missing('nr_neigh');
      let lastErrno = neighbours ?? nodes ?? 'ENOENT';
      if (nodes !== null) {
        ctx.out.err(`${perrorText('/proc/net/nr_nodes', lastErrno)}\n`);
        lastErrno = errnoAfterPerror(lastErrno);
      }
      if (neighbours !== null) ctx.out.err(`${perrorText('/proc/net/nr_neigh', lastErrno)}\n`);
      return unavailable(family, 'NET/ROM not configured in this system.');
    }
    case 'rose':
      ctx.out.err(`${perrorText('/proc/net/rose_nodes', missing('rose_nodes') ?? 'ENOENT')}\n`);
      ctx.out.err('ROSE not configured in this system.\n');
      return nothing(1);
    case 'ipx': {
      // The older path is tried second, so its errno is the one perror(NULL) reports.
      missing('ipx/route');
      ctx.out.err(`${strerror(missing('ipx_route') ?? 'ENOENT')}\n`);
      return unavailable(family, 'IPX routing not in file /proc/net/ipx/route or /proc/net/ipx_route found.');
    }
    case 'ddp':
      ctx.out.err(`Error opening /proc/net/atalk_route: ${strerror(missing('atalk_route') ?? 'ENOENT')}\n`);
      ctx.out.err('DDP (AppleTalk) not configured on this system.\n');
      return nothing(1);
    case 'x25':
      return unavailable(family, 'X.25 not configured in this system.');
    default:
      ctx.out.err(`Address family \`${family}' not supported.\n`);
      return nothing(3);
  }
}

/**
 * The errno glibc's `perror` leaves behind: it `fdopen`s a dup of stderr in
 * "w+" mode, which fails with EINVAL unless stderr was opened read-write (a
 * terminal usually is; a pipe or a redirected file is not).
 */
function errnoAfterPerror(errnoBefore: string): string {
  // This process's own stderr, so the live /proc whatever the proc root. No
  // fdinfo: assume the common case, a write-only stderr.
  const info = readProcText('self/fdinfo/2', '/proc');
  const flags = info.ok ? /^flags:\s*([0-7]+)/m.exec(info.text) : null;
  if (flags !== null && (Number.parseInt(flags[1]!, 8) & 3) === 2) return errnoBefore;
  return 'EINVAL';
}
