/**
 * SCTP rows of the socket listing (`-S`), read from `/proc/net/sctp{,6}/eps`
 * (endpoints) and `/proc/net/sctp{,6}/assocs` (associations), laid out as
 * net-tools 2.10 lays them out (spec §2.12): one line per local address (and,
 * for associations, per remote address), the first carrying the port and the
 * state. Kernels without the sctp module have none of these files, in which
 * case only net-tools' "no support" behaviour is visible.
 *
 * Text-level on purpose: SCTP is not part of the socket model, which covers
 * what sock_diag lists for TCP, UDP, UDP-Lite and RAW.
 */
import { existsSync, readFileSync } from 'node:fs';
import { errorCode, strerror } from '../errors';
import { formatIPv6 } from '../inet-text';
import { TCP_STATE_NAMES, type InetFamily, type ProcessRef } from '../model';
import type { ModeContext } from '../modes/context';
import { hostText, resolveHosts } from '../print/address';
import { programLabel } from '../print/sockets';
import { procPath } from '../proc/root';

type SctpFile = 'eps' | 'assocs';

/** Blank-separated tokens as strtok(" \t\n") yields them. */
function tokens(text: string): string[] {
  return text.split(/[ \t\n]+/).filter((t) => t !== '');
}

/** A kernel address token: dotted IPv4, or IPv6 as eight 4-digit hex groups. */
function parseAddress(token: string): { address: string; family: InetFamily } {
  if (!token.includes(':')) {
    const parts = token.split('.').map((p) => Number.parseInt(p, 10));
    const valid = parts.length === 4 && parts.every((p) => p >= 0 && p <= 255);
    // inet_addr() fails as all-ones for malformed text.
    return { address: valid ? parts.join('.') : '255.255.255.255', family: 'inet' };
  }
  const bytes = new Uint8Array(16);
  token
    .split(':')
    .slice(0, 8)
    .forEach((group, i) => {
      const value = Number.parseInt(group, 16) || 0;
      bytes[2 * i] = value >> 8;
      bytes[2 * i + 1] = value & 0xff;
    });
  return { address: formatIPv6(bytes), family: 'inet6' };
}

function stateText(state: number): string {
  return state >= 0 && state < TCP_STATE_NAMES.length ? (TCP_STATE_NAMES[state] as string) : `UNKNOWN(${state})`;
}

/** `atoi`: leading decimal digits (with sign), 0 when none. */
function atoi(text: string): number {
  const match = /^[ \t]*([+-]?[0-9]+)/.exec(text);
  return match ? Number.parseInt(match[1] as string, 10) : 0;
}

interface SctpRow {
  lines: Array<{ local?: string; remote?: string }>;
  state: number;
  uid: number;
  inode: number;
  rxQueue?: number;
  txQueue?: number;
  localPort: number;
  remotePort?: number;
}

/** Parse one data line; null when net-tools would call it bogus. */
function parseLine(file: SctpFile, line: string): SctpRow | null {
  if (file === 'eps') {
    // ENDPT SOCK STY SST HBKT LPORT UID INODE LADDRS
    const head = tokens(line).slice(0, 8);
    if (head.length < 8) return null;
    const [, , , sst, , lport, uid, inode] = head as [string, string, string, string, string, string, string, string];
    // net-tools takes the rest up to a TAB or newline, then splits it at blanks.
    const addresses = tokens(afterTokens(line, 8).split('\t')[0] ?? '');
    return { lines: addresses.map((local) => ({ local })), state: atoi(sst), uid: atoi(uid), inode: Number.parseInt(inode, 10) || 0, localPort: atoi(lport) };
  }
  // ASSOC SOCK STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS \t…
  const head = tokens(line).slice(0, 13);
  if (head.length < 13) return null;
  const [, , , sst, , , , tx, rx, uid, inode, lport, rport] = head as string[] as [
    string, string, string, string, string, string, string, string, string, string, string, string, string,
  ];
  // net-tools splits the rest at any of '<', '-', '>', TAB or newline: local list, then remote list.
  const rest = afterTokens(line, 13).split(/[<\->\t\n]+/).filter((part) => part !== '');
  const locals = tokens(rest[0] ?? '');
  const remotes = tokens(rest[1] ?? '');
  const lines: SctpRow['lines'] = [];
  for (let i = 0; i < Math.max(locals.length, remotes.length); i++) {
    const entry: { local?: string; remote?: string } = {};
    if (locals[i] !== undefined) entry.local = (locals[i] as string).replace(/^\*/, '');
    if (remotes[i] !== undefined) entry.remote = (remotes[i] as string).replace(/^\*/, '');
    lines.push(entry);
  }
  return {
    lines,
    state: atoi(sst),
    uid: atoi(uid),
    inode: Number.parseInt(inode, 10) || 0,
    txQueue: atoi(tx) >>> 0,
    rxQueue: atoi(rx) >>> 0,
    localPort: atoi(lport),
    remotePort: atoi(rport),
  };
}

/** The text of `line` after its first `count` blank-separated tokens. */
function afterTokens(line: string, count: number): string {
  const re = /[^ \t\n]+/g;
  let end = 0;
  for (let k = 0; k < count; k++) {
    const match = re.exec(line);
    if (match === null) return '';
    end = match.index + match[0].length;
  }
  return line.slice(end);
}

/** True when the kernel lists SCTP sockets at all (the sctp module is loaded). */
export function sctpPresent(procRoot: string): boolean {
  return existsSync(procPath('net/sctp', procRoot));
}

/**
 * Print the SCTP part of one pass. Returns net-tools' status: 1 when SCTP was
 * asked for explicitly and the kernel has none, 255 on other open errors.
 */
export async function sctpSection(ctx: ModeContext, owners?: ReadonlyMap<number, ProcessRef[]>): Promise<number> {
  const o = ctx.options;
  const nothing = o.explicitCount === 0;
  const files: SctpFile[] = [];
  if (o.all || o.listening) files.push('eps');
  if (o.all || !o.listening) files.push('assocs');
  const numeric = o.numericHosts || o.numericPorts || o.numericUsers || o.symbolic;

  for (const file of files) {
    let status = 0;
    for (const family of ['inet', 'inet6'] as const) {
      if (!(nothing || (family === 'inet' ? o.inet : o.inet6))) continue;
      const path = procPath(`net/${family === 'inet' ? 'sctp' : 'sctp6'}/${file}`, ctx.procRoot);
      let text: string;
      try {
        text = readFileSync(path, 'latin1');
      } catch (error) {
        const code = errorCode(error);
        if (family === 'inet6') continue; // a missing IPv6 file is silent
        if (code !== 'ENOENT' && code !== 'EACCES') {
          ctx.out.err(`${path}: ${strerror(code ?? 'EIO')}\n`);
          return 255;
        }
        if (!o.protocolsImplied && (!nothing || o.verbose)) ctx.out.err("netstat: no support for `AF INET (sctp)' on this system.\n");
        if (!o.protocolsImplied && !nothing) status = 1;
        continue;
      }
      await printFile(ctx, file, text, numeric, owners);
    }
    if (status !== 0) return status;
  }
  return 0;
}

async function printFile(
  ctx: ModeContext,
  file: SctpFile,
  text: string,
  numeric: boolean,
  owners: ReadonlyMap<number, ProcessRef[]> | undefined,
): Promise<void> {
  const o = ctx.options;
  const rows: SctpRow[] = [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  for (const line of lines.slice(1)) {
    const row = parseLine(file, line);
    if (row === null) ctx.out.err(`warning, got bogus sctp ${file === 'eps' ? 'eps' : 'assoc'} line.\n`);
    else rows.push(row);
  }
  const parsed = rows.flatMap((r) => r.lines.flatMap((l) => [l.local, l.remote])).filter((t): t is string => t !== undefined).map(parseAddress);
  const names = numeric ? null : await resolveHosts(parsed.map((p) => p.address), ctx.resolvers);
  const addressText = (token: string) => {
    const { address, family } = parseAddress(token);
    return hostText(address, family, names, ctx.resolvers);
  };
  const portText = (port: number) => (port === 0 ? '*' : String(port));

  for (const row of rows) {
    let out = '';
    row.lines.forEach((line, index) => {
      const first = index === 0;
      if (file === 'eps') {
        out += first ? 'sctp                ' : '\n                    ';
        out += `${addressText(line.local as string)}:${portText(row.localPort)}`.padEnd(47);
      } else {
        out += first ? `sctp  ${String(row.rxQueue).padStart(6)} ${String(row.txQueue).padStart(6)} ` : '\n                    ';
        const local = line.local === undefined ? '' : addressText(line.local) + (first ? `:${portText(row.localPort)}` : '');
        const remote = line.remote === undefined ? '' : addressText(line.remote) + (first ? `:${portText(row.remotePort ?? 0)}` : '');
        out += local.padEnd(23) + ' ' + remote.padEnd(23);
      }
      out += ' ' + (first ? stateText(row.state) : '').padEnd(11);
    });
    if (o.extend >= 2) {
      const user = o.numericUsers ? null : ctx.resolvers.users.name(row.uid);
      out += ' ' + (user ?? String(row.uid | 0)).padEnd(10) + ' ' + String(row.inode).padEnd(10);
    }
    if (o.programs) out += ' ' + programLabel(owners?.get(row.inode)).padEnd(20);
    if (o.timers) out += ' ';
    ctx.out.out(out + '\n');
  }
}
