/**
 * The socket listing (netstat's default mode): one pass prints the Internet
 * section (tcp, sctp, udp, udplite, raw), the multicast groups of `-g`, the
 * UNIX section and the other families, in net-tools' order and with its
 * messages and exit statuses (spec §2, §9).
 *
 * The rows come from the query engine (`query/engine.ts`), the same path the
 * library takes: a pass plans the tables from the options, runs the plan
 * (reads, owner join), resolves names concurrently, then prints the result —
 * as net-tools' text, or as JSON with `--json` / `--ndjson`. Only the writing
 * follows net-tools' order step by step, which is all that is visible.
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import { sctpPresent, sctpSection } from './sctp';
import type { Sources } from '../../backends/choose';
import type { OwnerScan, Table } from '../../backends/types';
import { NetstatError, errorCode, perrorText } from '../../errors';
import type { InetProtocol, InetSocket, ProcessRef, UnixSocket } from '../../model';
import { inetRows } from '../../backends/netlink';
import type { PackedInet } from '../../native';
import type { ModeContext } from '../context';
import { groupsSection } from '../groups';
import type { Options } from '../options';
import { procPath } from '../../procfs/root';
import { resolveHosts } from '../../print/address';
import { jsonLine } from '../../print/json';
import { InetRowFormatter, internetHeader, programLabel, unixHeader, unixRow } from '../../print/sockets';
import { PackedInetWriter, keptAddresses } from '../../print/packed-inet';
import type { Selection, SocketFilter } from '../../filter';
import { columnsOf } from './columns';
import { noSupport } from '../no-support';
import { type QueryPlan, type QueryResult, type TableOutcome, type TableSpec, runQueryAsync, tableReport } from '../../query/engine';
import { fillCgroupsAsync } from '../../cgroup/fill';
import type { Namespace } from '../../netns/discover';
import { namespaceError, runNamespacesAsync } from '../../query/namespaces';
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

function isRoot(): boolean {
  return typeof process.geteuid === 'function' && process.geteuid() === 0;
}

/** The engine's plan for one pass of the listing, from the options. */
function planOf(ctx: ModeContext, sources: Sources): QueryPlan {
  const o = ctx.options;
  const nothing = o.explicitCount === 0;
  const selection = selectionOf(o);
  const tables: TableSpec[] = [];
  for (const protocol of ['tcp', 'udp', 'udplite', 'raw'] as const) {
    if (!(nothing || o[protocol])) continue;
    for (const family of ['inet', 'inet6'] as const) {
      if (nothing || (family === 'inet' ? o.inet : o.inet6)) tables.push({ kind: 'inet', protocol, family, name: `${protocol}/${family}` });
    }
  }
  const unixWanted = nothing || o.unix;
  if (unixWanted) tables.push({ kind: 'unix', name: 'unix' });
  const internet = nothing || o.tcp || o.sctp || o.udp || o.udplite || o.raw;
  const owners = o.programs && (internet || unixWanted);
  // As root every fd directory is readable, so the walk may stop once every
  // printed socket has its first owner; otherwise it must see every process
  // to know whether to print net-tools' notice. SCTP rows are read later, as
  // text: their owners need the complete walk too.
  const completeWalk = !isRoot() || ((nothing || o.sctp) && sctpPresent(ctx.procRoot));
  const earlyWalk = owners && selection !== 'listening' && isRoot();
  return {
    tables,
    filter: { selection },
    owners,
    ownerWalk: completeWalk ? 'complete' : 'wanted',
    // With -p and a broad selection nearly every socket needs its owner, so the
    // whole walk starts at once, on its own threads, while the tables are read
    // (for -l, a few listeners, a walk that stops early after the reads is
    // cheaper). Only as root: the walk then also sees this process's own
    // netlink socket of the dump in progress, which would count as
    // "identified" for net-tools' non-root notice.
    earlyWalk,
    timers: o.timers,
    sources,
    // Text needs no record per Internet socket: the packed printer reads the
    // engine's rows. JSON without owners takes packed rows too, to stream them.
    packedInet: (!o.json && !o.ndjson) || !owners,
    // Numeric text and JSON need nothing of a table before its first row:
    // print each batch while the kernel builds the next (memory bounded by a batch).
    // (Not with --cgroups: their paths are looked up once for all rows.)
    // With owners, text streams when the walk is the complete early one: it
    // ends before the first row prints, while the kernel dumps beside it.
    streamInet: o.json || o.ndjson ? !o.cgroups && !owners : o.numericHosts && (!owners || earlyWalk),
  };
}

/** A system error as `perror(path)` prints it. */
function perrorLine(path: string, error: unknown): string {
  return `${perrorText(path, errorCode(error) ?? 'EIO')}\n`;
}

/** A table's failure as net-tools would report it: perror on the /proc file; a netlink failure by its own message. */
function failureLine(ctx: ModeContext, t: Extract<TableOutcome<unknown>, { status: 'error' }>): string {
  if (t.source.backend === 'procfs') {
    const file = t.spec.kind === 'unix' ? 'net/unix' : `net/${t.spec.protocol}${t.spec.family === 'inet6' ? '6' : ''}`;
    return perrorLine(procPath(file, ctx.procRoot), t.error);
  }
  const message = t.error instanceof Error ? t.error.message : String(t.error);
  return `netstat: ${message}\n`;
}

/**
 * The network namespaces a listing reads (`--netns`, `--all-netns`): one
 * explicit namespace, printed as `ip netns exec NAME netstat …` would print
 * it, or several, each under a one-line header.
 */
export interface ListingNamespaces {
  namespaces: Namespace[];
  explicit: boolean;
}

/** One pass of the socket listing; returns net-tools' status for it. */
export async function listingPass(ctx: ModeContext, sources: Sources, netns?: ListingNamespaces): Promise<number> {
  const o = ctx.options;
  const plan = planOf(ctx, sources);
  if (netns !== undefined) return namespacesPass(ctx, plan, netns);
  const result = await runQueryAsync(plan, { readTablesSync: true });
  if (o.sources) for (const c of result.sources) ctx.out.err(`netstat: ${c.table}: ${c.backend} (${c.reason})\n`);
  return printListing(ctx, result, plan);
}

function printListing(ctx: ModeContext, result: QueryResult, plan: QueryPlan): Promise<number> {
  const o = ctx.options;
  if (o.json || o.ndjson) return printJson(ctx, result, plan, plan.tables.length > 0);
  return printText(ctx, result, plan.filter);
}

/** The header line over one namespace's listing (`--all-netns`, text). */
export function namespaceHeader(ns: Namespace): string {
  const about = [ns.name === undefined ? undefined : `name ${ns.name}`, ns.pid === undefined ? undefined : `pid ${ns.pid}`, ns.current ? 'current' : undefined];
  const details = about.filter((x) => x !== undefined).join(', ');
  return `Network namespace net:[${ns.inode}]${details === '' ? '' : ` (${details})`}\n`;
}

/**
 * The listing of one or more namespaces: their tables read and their owners
 * joined in one run (one fd walk for all), then each printed as the listing
 * of that namespace — the /proc files a section reads itself (SCTP, `-g`,
 * the other families) come from a process inside it.
 */
async function namespacesPass(ctx: ModeContext, plan: QueryPlan, netns: ListingNamespaces): Promise<number> {
  const o = ctx.options;
  const done = await runNamespacesAsync(plan, netns.namespaces);
  if (o.sources) for (const c of done.sources) ctx.out.err(`netstat: ${c.table}: ${c.backend} (${c.reason})\n`);
  let status = 0;
  for (const part of done.parts) {
    const text = !o.json && !o.ndjson;
    if (!netns.explicit && text) ctx.out.out(namespaceHeader(part.namespace));
    if (part.status === 'unreadable') {
      ctx.out.err(`netstat: ${namespaceError(part.namespace, part.error).message}\n`);
      if (netns.explicit) return 1;
      continue;
    }
    if (done.ownerScan !== undefined) part.result.ownerScan = done.ownerScan;
    // Sections that read /proc/net themselves read the namespace's own files.
    const scoped: ModeContext = { ...ctx, procRoot: part.namespace.current ? ctx.procRoot : (part.namespace.procDir ?? NO_PROC_DIR) };
    if (o.json && !netns.explicit) scoped.jsonNetns = part.ref;
    status = await printListing(scoped, part.result, plan);
    if (status !== 0) return status;
  }
  return status;
}

/** A directory that does not exist: a namespace without a process has no /proc/net files to show. */
const NO_PROC_DIR = '/nonexistent/netns-without-process';

/** Every address that needs a host-name look-up in the rows that will print. */
function* addressesToName(result: QueryResult, filter: SocketFilter): Generator<string> {
  for (const t of result.inet) {
    if (t.status !== 'ok' || t.spec.kind !== 'inet') continue;
    if (t.table.packed !== undefined) yield* keptAddresses(t.table.packed.dump, t.spec.protocol, filter);
    for (const socket of t.table.rows) {
      yield socket.localAddress;
      yield socket.remoteAddress;
    }
  }
}

async function printText(ctx: ModeContext, result: QueryResult, filter: SocketFilter): Promise<number> {
  const selection = filter.selection;
  const o = ctx.options;
  const out = ctx.out;
  const nothing = o.explicitCount === 0;
  const columns = columnsOf(o);
  const internet = nothing || o.tcp || o.sctp || o.udp || o.udplite || o.raw;
  const unixWanted = nothing || o.unix;

  // Names, looked up concurrently for the rows that will print.
  const hostNames = o.numericHosts ? null : await resolveHosts(addressesToName(result, filter), ctx.resolvers);
  const formatter = new InetRowFormatter(columns, hostNames, ctx.resolvers);
  // Packed tables (netlink) are written from the engine's rows in 64 KiB chunks, in order with the rest.
  let writer: PackedInetWriter | undefined;
  const packedWriter = (): PackedInetWriter =>
    (writer ??= new PackedInetWriter(
      { columns, hostNames, resolvers: ctx.resolvers, ownerLabel: ownerLabels(result.ownerScan) },
      (chunk) => out.bytes(chunk),
    ));
  const notice = result.ownerScan === undefined ? '' : ownerNotice(result.ownerScan);
  if (internet) {
    if (notice) out.err(notice);
    out.out(internetHeader(selection, columns));
  }
  const sectionStatus = async (protocol: InetProtocol): Promise<number> => {
    let status = 0;
    for (const t of result.inet) {
      if (t.spec.kind !== 'inet' || t.spec.protocol !== protocol) continue;
      if (t.status === 'ok' && t.table.packed !== undefined) {
        const w = packedWriter();
        const { dump, more } = t.table.packed;
        w.table(dump, protocol, t.spec.family, filter);
        try {
          for (let batch = await more?.(); batch !== undefined; batch = await more!()) w.table(batch, protocol, t.spec.family, filter);
        } catch (error) {
          // A streamed dump that fails midway: the rows so far are out, as a
          // failing read leaves net-tools' (the message is ours: /proc has none).
          w.flush();
          out.err(failureLine(ctx, { status: 'error', spec: t.spec, source: t.source, error }));
          return 255;
        }
        w.flush();
        continue;
      }
      if (t.status === 'ok') {
        const warning = `warning, got bogus ${WARNING_NAME[protocol]} line.\n`;
        printRows(t.table, (socket) => out.out(formatter.row(socket)), () => out.err(warning));
        continue;
      }
      if (t.status === 'error') {
        out.err(failureLine(ctx, t));
        return 255;
      }
      if (t.spec.family === 'inet6') continue; // a missing IPv6 file is silent
      status = noSupport(ctx, SUPPORT_NAME[protocol]) || status;
    }
    return status;
  };

  let status = 0;
  if ((nothing || o.tcp) && (status = await sectionStatus('tcp')) !== 0) return status;
  if ((nothing || o.sctp) && (status = await sctpSection(ctx, result.ownerScan?.owners)) !== 0) return status;
  if ((nothing || o.udp) && (status = await sectionStatus('udp')) !== 0) return status;
  if ((nothing || o.udplite) && (status = await sectionStatus('udplite')) !== 0) return status;
  if ((nothing || o.raw) && (status = await sectionStatus('raw')) !== 0) return status;
  if (o.groups && (status = await groupsSection(ctx)) !== 0) return status;

  const unix = result.unix;
  if (unixWanted && unix !== undefined) {
    if (!internet && notice) out.err(notice);
    out.out(unixHeader(selection, columns));
    if (unix.status === 'ok') {
      printRows(unix.table, (socket) => out.out(unixRow(socket, columns)), () => out.err('warning, got bogus unix line.\n'));
    } else if (unix.status === 'error') {
      out.err(failureLine(ctx, unix));
      return 255;
    } else if ((status = noSupport(ctx, 'AF UNIX')) !== 0) {
      return status;
    }
  }
  return finishText(ctx);
}

/**
 * A table's rows, with the warning for each malformed line at its place
 * among them (net-tools warns as it reads), or before them where the table
 * does not say. Only a merged stream, or a closed pipe that ends the run
 * between the two, can tell the places apart.
 */
function printRows<T>(table: Table<T>, row: (socket: T) => void, warn: () => void): void {
  const at = table.malformedAt ?? new Array<number>(table.malformed).fill(0);
  let k = 0;
  table.rows.forEach((socket, index) => {
    for (; k < at.length && at[k]! <= index; k++) warn();
    row(socket);
  });
  for (; k < at.length; k++) warn();
}

/** The families after UNIX, and Bluetooth's message. */
function finishText(ctx: ModeContext): number {
  const o = ctx.options;
  let status: number;
  if ((status = otherFamilies(ctx)) !== 0) return status;
  if (o.l2cap || o.rfcomm) {
    ctx.out.err("netstat: feature `AF BLUETOOTH' not supported.\nPlease recompile `net-tools' with newer kernel source or full configuration.\n");
    return 1;
  }
  return 0;
}

/**
 * `--json`: one line per pass, `{"mode":"sockets","inet":[…],"unix":[…],"tables":[…]}`;
 * `--ndjson`: one socket per line, `{"kind":"inet"|"unix", …record}`. The records
 * are the library's (always numeric: names are not looked up). Messages and
 * statuses on stderr are net-tools' (a failing table: its message and 255).
 */
async function printJson(ctx: ModeContext, result: QueryResult, plan: QueryPlan, anyTable: boolean): Promise<number> {
  const out = ctx.out;
  const o = ctx.options;
  const notice = result.ownerScan === undefined ? '' : ownerNotice(result.ownerScan);
  if (notice) out.err(notice);
  const outcomes: Array<TableOutcome<unknown>> = [...result.inet, ...(result.unix === undefined ? [] : [result.unix])];
  for (const t of outcomes) {
    if (t.status === 'error') {
      out.err(failureLine(ctx, t));
      return 255;
    }
  }
  let status = 0;
  for (const t of outcomes) {
    if (t.status !== 'absent' || (t.spec.kind === 'inet' && t.spec.family === 'inet6')) continue;
    status = noSupport(ctx, t.spec.kind === 'unix' ? 'AF UNIX' : SUPPORT_NAME[t.spec.protocol]) || status;
  }
  const unixRows = result.unix?.status === 'ok' ? result.unix.table.rows : [];
  // Rows written per streamed table: its count is known once it is written.
  const written = new Map<TableOutcome<unknown>, number>();
  const batches = inetBatches(result, plan.filter, written);
  try {
    if (!anyTable) {
      // `-g` alone lists no sockets: only the groups' own document.
    } else if (o.ndjson) {
      for await (const records of batches) {
        if (o.cgroups) await fillCgroupsAsync(records);
        for (const row of records) out.out('{"kind":"inet",' + recordJson(row).slice(1) + '\n');
      }
      for (const row of unixRows) out.out('{"kind":"unix",' + recordJson(row).slice(1) + '\n');
    } else {
      out.out(ctx.jsonNetns === undefined ? '{"mode":"sockets","inet":[' : `{"mode":"sockets","netns":${JSON.stringify(ctx.jsonNetns)},"inet":[`);
      let first = true;
      for await (const records of batches) {
        if (o.cgroups) await fillCgroupsAsync(records);
        first = writeRows(ctx, records, first);
      }
      out.out('],"unix":[');
      writeRows(ctx, unixRows, true);
      const report = (t: TableOutcome<unknown>) => ({ ...tableReport(t), ...(written.has(t) ? { rows: written.get(t)! } : {}) });
      out.out(`],"tables":${jsonLine(outcomes.map(report)).trimEnd()}}\n`);
    }
  } catch (error) {
    if (!(error instanceof StreamFailure)) throw error;
    // A streamed dump that failed midway: what was written stays (the document is cut short).
    out.err(failureLine(ctx, error.outcome));
    return 255;
  }
  if (status !== 0) return status;
  // -g with a listing: the groups print their own JSON (modes/groups.ts).
  if (o.groups && (status = await groupsSection(ctx)) !== 0) return status;
  return finishText(ctx);
}

/**
 * The Internet records of a result, table by table; a packed table's batch
 * by batch (a streamed one as the kernel gives them), so each batch can be
 * written and dropped. The rows of each packed table are counted in `written`.
 */
async function* inetBatches(result: QueryResult, filter: SocketFilter, written: Map<TableOutcome<unknown>, number>): AsyncGenerator<InetSocket[]> {
  for (const t of result.inet) {
    if (t.status !== 'ok' || t.spec.kind !== 'inet') continue;
    const packed = t.table.packed;
    if (packed === undefined) {
      yield t.table.rows;
      continue;
    }
    let rows = 0;
    let batch: PackedInet | undefined = packed.dump;
    while (batch !== undefined) {
      const records = inetRows(batch, t.spec.protocol, t.spec.family, filter);
      rows += records.length;
      yield records;
      try {
        batch = await packed.more?.();
      } catch (error) {
        throw new StreamFailure({ status: 'error', spec: t.spec, source: t.source, error });
      }
    }
    written.set(t, rows);
  }
}

/** A streamed table that failed while its rows were being written. */
class StreamFailure extends Error {
  constructor(readonly outcome: Extract<TableOutcome<unknown>, { status: 'error' }>) {
    super('a streamed table failed');
  }
}

/**
 * One record's JSON, ready for `Output` (latin1). An Internet record without
 * owners is ASCII by construction (numbers, address text, names from fixed
 * lists), so only records with kernel text go through the UTF-8 step.
 */
function recordJson(row: InetSocket | UnixSocket): string {
  if ('localAddress' in row && row.owners === undefined) return JSON.stringify(row);
  return jsonLine(row).slice(0, -1);
}

/**
 * Rows as comma-separated JSON, written as they are turned into text (no one
 * large string); `first`: no comma before the first. Returns whether still
 * nothing was written.
 */
function writeRows(ctx: ModeContext, rows: ReadonlyArray<InetSocket | UnixSocket>, first: boolean): boolean {
  for (let i = 0; i < rows.length; i++) ctx.out.out(first && i === 0 ? recordJson(rows[i]!) : ',' + recordJson(rows[i]!));
  return first && rows.length === 0;
}

/**
 * The `-p` column's text per socket inode, made once per process (its first
 * holder's `ProcessRef` is shared by all its sockets): a server's 100k
 * sockets are a handful of processes.
 */
function ownerLabels(scan: OwnerScan | undefined): (inode: number) => string {
  const byProcess = new Map<ProcessRef, string>();
  return (inode) => {
    const owners = scan?.owners.get(inode);
    const first = owners?.[0];
    if (first === undefined) return '-';
    let label = byProcess.get(first);
    if (label === undefined) byProcess.set(first, (label = programLabel(owners)));
    return label;
  };
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

/** Whether a family's /proc file is there to read (a regular file that opens); an error other than ENOENT is returned. */
function familyFile(file: string): boolean | { error: unknown } {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    return errorCode(error) === 'ENOENT' ? false : { error };
  }
  try {
    return fstatSync(fd).isFile();
  } finally {
    closeSync(fd);
  }
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
    let present = false;
    for (const f of files) {
      const file = procPath(f, ctx.procRoot);
      const found = familyFile(file);
      // net-tools opens the file: only ENOENT means "no such family"; any
      // other failure (EACCES, ELOOP) is perror'd and ends the run with 255.
      if (typeof found === 'object') {
        ctx.out.err(perrorLine(file, found.error));
        return 255;
      }
      if ((present = found)) break;
    }
    if (present) {
      throw new NetstatError(`listing ${name} sockets is not implemented`, 'ERR_UNSUPPORTED_FAMILY');
    }
    const status = noSupport(ctx, name, { implied: false });
    if (status !== 0) return status;
  }
  return 0;
}
