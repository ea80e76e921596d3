/**
 * The socket listing (netstat's default mode): one pass prints the Internet
 * section (tcp, sctp, udp, udplite, raw), the multicast groups of `-g`, the
 * UNIX section and the other families, in net-tools' order and with its
 * messages and exit statuses (spec §2, §9).
 *
 * A pass first reads every table it will print, then joins owners (`-p`) and
 * resolves names concurrently, then writes. Only the writing follows net-tools'
 * order step by step, which is all that is visible.
 */
import { statSync } from 'node:fs';
import { sctpPresent, sctpSection } from './sctp';
import type { Sources } from '../backends/choose';
import type { OwnerScan, Table } from '../backends/types';
import { NetstatError, errorCode, strerror } from '../errors';
import type { InetFamily, InetProtocol, InetSocket, ProcessRef, UnixSocket } from '../model';
import type { ModeContext } from '../modes/context';
import { groupsSection } from '../modes/groups';
import type { Options } from '../options';
import { procPath } from '../proc/root';
import { resolveHosts } from '../print/address';
import { type Columns, InetRowFormatter, internetHeader, unixHeader, unixRow } from '../print/sockets';
import { type Selection, showInet, showUnix } from '../select';

/** A table read for this pass: its rows, or why there are none. */
type Read<T> = { ok: true; table: Table<T> } | { ok: false; missing: boolean; error: unknown };

const MISSING_CODES = new Set(['ENOENT', 'EACCES']);

function readTable<T>(read: () => Table<T>): Read<T> {
  try {
    return { ok: true, table: read() };
  } catch (error) {
    const code = errorCode(error);
    return { ok: false, missing: code !== undefined && MISSING_CODES.has(code), error };
  }
}

/** What net-tools names a family in "no support" messages, and in bogus-line warnings. */
const SUPPORT_NAME: Record<InetProtocol, string> = {
  tcp: 'AF INET (tcp)',
  udp: 'AF INET (udp)',
  udplite: 'AF INET (udplite)',
  raw: 'AF INET (raw)',
};
const WARNING_NAME: Record<InetProtocol, string> = { tcp: 'tcp', udp: 'udp', udplite: 'udp', raw: 'raw' };

function selectionOf(o: Options): Selection {
  return o.all ? 'all' : o.listening ? 'listening' : 'connected';
}

function columnsOf(o: Options): Columns {
  return {
    extended: o.extend >= 2,
    programs: o.programs,
    timers: o.timers,
    wide: o.wide,
    numericHosts: o.numericHosts,
    numericPorts: o.numericPorts,
    numericUsers: o.numericUsers,
  };
}

/** A system error as `perror(path)` prints it. */
function perrorLine(path: string, error: unknown): string {
  return `${path}: ${strerror(errorCode(error) ?? 'EIO')}\n`;
}

/** One pass of the socket listing; returns net-tools' status for it. */
export async function listingPass(ctx: ModeContext, sources: Sources): Promise<number> {
  const o = ctx.options;
  const out = ctx.out;
  const nothing = o.explicitCount === 0;
  const selection = selectionOf(o);
  const columns = columnsOf(o);
  const internet = nothing || o.tcp || o.sctp || o.udp || o.udplite || o.raw;
  const unixWanted = nothing || o.unix;

  // With -p and a broad selection nearly every socket needs its owner, so the
  // whole fd walk starts now, off the main thread, while the tables are read.
  // (For -l, a few listeners, a walk that stops early after the reads is cheaper.)
  // Only as root: the walk then also sees this process's own netlink socket of
  // the dump in progress, which counts as "identified" for net-tools' non-root
  // notice; root gets no notice, so there it changes nothing visible.
  const wantOwners = o.programs && (internet || unixWanted);
  const earlyWalk = wantOwners && selection !== 'listening' && isRoot() ? sources.owners.scanAsync({}) : undefined;

  // 1. Read the tables this pass prints.
  const inetPlan: Array<{ protocol: InetProtocol; family: InetFamily; read: Read<InetSocket> }> = [];
  const inetProtocols: InetProtocol[] = [];
  if (nothing || o.tcp) inetProtocols.push('tcp');
  if (nothing || o.udp) inetProtocols.push('udp');
  if (nothing || o.udplite) inetProtocols.push('udplite');
  if (nothing || o.raw) inetProtocols.push('raw');
  for (const protocol of inetProtocols) {
    for (const family of ['inet', 'inet6'] as const) {
      if (!(nothing || (family === 'inet' ? o.inet : o.inet6))) continue;
      const backend = sources.inet(protocol, family);
      inetPlan.push({ protocol, family, read: readTable(() => backend.inet({ protocol, family, selection, timers: o.timers })) });
    }
  }
  const unixRead: Read<UnixSocket> | undefined = unixWanted ? readTable(() => sources.unix().unix({ selection })) : undefined;

  // 2. Owners (-p): one walk per pass, joined to the rows that will print.
  let ownerScan: OwnerScan | undefined;
  if (wantOwners) {
    const shown = shownSockets(inetPlan, unixRead, selection);
    // SCTP rows are read later, as text: their owners need the complete walk.
    const completeWalk = (nothing || o.sctp) && sctpPresent(ctx.procRoot);
    ownerScan = earlyWalk !== undefined ? await earlyWalk : sources.owners.scan({ wanted: wantedInodes(shown, completeWalk) });
    joinOwners(shown, ownerScan);
  }

  // 3. Names, looked up concurrently for the rows that will print.
  const hostNames = o.numericHosts ? null : await resolveHosts(addressesToName(inetPlan, selection), ctx.resolvers);

  // 4. Write, in net-tools' order.
  const formatter = new InetRowFormatter(columns, hostNames, ctx.resolvers);
  const notice = ownerScan === undefined ? '' : ownerNotice(ownerScan);
  if (internet) {
    if (notice) out.err(notice);
    out.out(internetHeader(selection, columns));
  }
  const sectionStatus = (protocol: InetProtocol): number => {
    let status = 0;
    for (const entry of inetPlan) {
      if (entry.protocol !== protocol) continue;
      const read = entry.read;
      if (read.ok) {
        for (let k = 0; k < read.table.malformed; k++) out.err(`warning, got bogus ${WARNING_NAME[protocol]} line.\n`);
        for (const socket of read.table.rows) {
          if (showInet(socket, selection)) out.out(formatter.row(socket));
        }
        continue;
      }
      if (!read.missing) {
        out.err(perrorLine(tablePath(ctx, protocol, entry.family), read.error));
        return 255;
      }
      if (entry.family === 'inet6') continue; // a missing IPv6 file is silent
      if (!o.protocolsImplied && (!nothing || o.verbose)) out.err(`netstat: no support for \`${SUPPORT_NAME[protocol]}' on this system.\n`);
      if (!o.protocolsImplied && !nothing) status = 1;
    }
    return status;
  };

  let status = 0;
  if ((nothing || o.tcp) && (status = sectionStatus('tcp')) !== 0) return status;
  if ((nothing || o.sctp) && (status = await sctpSection(ctx, ownerScan?.owners)) !== 0) return status;
  if ((nothing || o.udp) && (status = sectionStatus('udp')) !== 0) return status;
  if ((nothing || o.udplite) && (status = sectionStatus('udplite')) !== 0) return status;
  if ((nothing || o.raw) && (status = sectionStatus('raw')) !== 0) return status;
  if (o.groups && (status = await groupsSection(ctx)) !== 0) return status;

  if (unixWanted && unixRead !== undefined) {
    if (!internet && notice) out.err(notice);
    out.out(unixHeader(selection, columns));
    if (unixRead.ok) {
      for (let k = 0; k < unixRead.table.malformed; k++) out.err('warning, got bogus unix line.\n');
      for (const socket of unixRead.table.rows) {
        if (showUnix(socket, selection)) out.out(unixRow(socket, columns));
      }
    } else if (!unixRead.missing) {
      out.err(perrorLine(procPath('net/unix', ctx.procRoot), unixRead.error));
      return 255;
    } else {
      if (!o.protocolsImplied && (!nothing || o.verbose)) out.err("netstat: no support for `AF UNIX' on this system.\n");
      if (!o.protocolsImplied && !nothing) return 1;
    }
  }

  if ((status = otherFamilies(ctx)) !== 0) return status;

  if (o.l2cap || o.rfcomm) {
    out.err("netstat: feature `AF BLUETOOTH' not supported.\nPlease recompile `net-tools' with newer kernel source or full configuration.\n");
    return 1;
  }
  return 0;
}

/** Where the /proc backend reads a table (for perror-style messages). */
function tablePath(ctx: ModeContext, protocol: InetProtocol, family: InetFamily): string {
  return procPath(`net/${protocol}${family === 'inet6' ? '6' : ''}`, ctx.procRoot);
}

/** Every address that needs a host-name look-up in the rows that will print. */
function* addressesToName(
  plan: ReadonlyArray<{ read: Read<InetSocket> }>,
  selection: Selection,
): Generator<string> {
  for (const { read } of plan) {
    if (!read.ok) continue;
    for (const socket of read.table.rows) {
      if (!showInet(socket, selection)) continue;
      yield socket.localAddress;
      yield socket.remoteAddress;
    }
  }
}

/** The rows this pass will print (those that need owners). */
function shownSockets(
  inetPlan: ReadonlyArray<{ read: Read<InetSocket> }>,
  unixRead: Read<UnixSocket> | undefined,
  selection: Selection,
): Array<InetSocket | UnixSocket> {
  const shown: Array<InetSocket | UnixSocket> = [];
  for (const { read } of inetPlan) {
    if (read.ok) for (const s of read.table.rows) if (showInet(s, selection)) shown.push(s);
  }
  if (unixRead?.ok) for (const s of unixRead.table.rows) if (showUnix(s, selection)) shown.push(s);
  return shown;
}

/**
 * Which inodes a walk may stop at. As root every fd directory is readable, so
 * the walk may stop once every printed socket has its first owner; otherwise
 * it must see every process to know whether to print net-tools' notice.
 */
function wantedInodes(shown: ReadonlyArray<InetSocket | UnixSocket>, completeWalk: boolean): Set<number> | undefined {
  if (!isRoot() || completeWalk) return undefined;
  const wanted = new Set<number>();
  for (const s of shown) if (s.inode !== 0) wanted.add(s.inode);
  return wanted.size > 0 ? wanted : undefined;
}

function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

const NO_OWNERS: readonly ProcessRef[] = Object.freeze([]);

function joinOwners(shown: ReadonlyArray<InetSocket | UnixSocket>, scan: OwnerScan): void {
  for (const socket of shown) socket.owners = (scan.owners.get(socket.inode) ?? NO_OWNERS) as ProcessRef[];
}

/** net-tools' stderr notice after loading the process table as a non-root user. */
function ownerNotice(scan: OwnerScan): string {
  const euid = typeof process.geteuid === 'function' ? process.geteuid() : 0;
  if (scan.procUnreadable || (scan.denied > 0 && scan.owners.size === 0)) {
    return `(No info could be read for "-p": geteuid()=${euid} but you should be root.)\n`;
  }
  if (scan.denied > 0) {
    return '(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n';
  }
  return '';
}

/** IPX, AX.25, X.25, NET/ROM and ROSE: listed only where the kernel has them, which none here does. */
function otherFamilies(ctx: ModeContext): number {
  const o = ctx.options;
  const nothing = o.explicitCount === 0;
  const families: Array<[boolean, string[], string]> = [
    [o.ipx, ['net/ipx/socket', 'net/ipx'], 'AF IPX'],
    [o.ax25, ['net/ax25'], 'AF AX25'],
    [o.x25, ['net/x25'], 'AF X25'],
    [o.netrom, ['net/nr'], 'AF NETROM'],
    [o.rose, ['net/rose'], 'AF ROSE'],
  ];
  for (const [selected, files, name] of families) {
    if (!(nothing || selected)) continue;
    const present = files.some((f) => {
      try {
        return statSync(procPath(f, ctx.procRoot)).isFile();
      } catch {
        return false;
      }
    });
    if (present) {
      throw new NetstatError(`listing ${name} sockets is not implemented`, 'ERR_UNSUPPORTED_FAMILY');
    }
    if (!nothing || o.verbose) ctx.out.err(`netstat: no support for \`${name}' on this system.\n`);
    if (!nothing) return 1;
  }
  return 0;
}
