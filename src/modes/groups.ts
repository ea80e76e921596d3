/**
 * `netstat -g`: multicast group memberships (spec §5), printed by the socket
 * listing after the Internet rows and before the UNIX section.
 *
 * `/proc/net/igmp` (IPv4) has a header line, then per device a line
 * `idx<TAB>name      :  count  querier` followed by TAB-indented group lines
 * `hexaddr users …`, the address being the in-memory 32-bit word (host byte
 * order). `/proc/net/igmp6` has one line per group, `idx name hexaddr users
 * …`, with the address in network byte order. net-tools reads both with
 * `sscanf`; the small scanner below follows the same conversions so that odd
 * lines are taken or rejected as net-tools takes or rejects them.
 *
 * Where net-tools prints uninitialised memory (an IPv6 address shorter than 32
 * hex digits, or the second `-c` pass reading the IPv4 file as IPv6), this
 * port rejects the line with net-tools' warning, or simply behaves correctly.
 */
import { readFileSync } from 'node:fs';
import { errorCode, strerror } from '../errors';
import { formatIPv4, formatIPv6 } from '../inet-text';
import type { InetFamily } from '../model';
import { hostText, resolveHosts } from '../print/address';
import { procPath } from '../proc/root';
import type { ModeContext } from './context';

export const GROUPS_HEADER =
  'IPv6/IPv4 Group Memberships\n' + 'Interface       RefCnt Group\n' + '--------------- ------ ---------------------\n';

/** One membership row, or the warning for a line net-tools rejects (in file order). */
export type GroupItem =
  | { kind: 'group'; device: string; users: number; family: InetFamily; address: string }
  | { kind: 'bogus'; file: 'igmp' | 'igmp6'; line: number };

const WHITESPACE = /[ \t\n\v\f\r]/;

/** A cursor over one line with the `sscanf` conversions net-tools uses. */
class Scanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && WHITESPACE.test(this.text[this.pos]!)) this.pos++;
  }

  /** `%d`: optional sign and decimal digits after blanks; null when none. */
  decimal(): number | null {
    this.skipSpace();
    const match = /^[+-]?[0-9]+/.exec(this.text.slice(this.pos));
    if (match === null) return null;
    this.pos += match[0].length;
    // int conversion: wrap like the C library's store into a 32-bit int.
    return Number(BigInt.asIntN(32, BigInt(match[0])));
  }

  /** `%<width>lx`, then kept as a 32-bit in_addr: sign and hex digits within `width` characters. */
  hex32(width: number): number | null {
    this.skipSpace();
    const match = /^[+-]?[0-9a-fA-F]*/.exec(this.text.slice(this.pos, this.pos + width));
    const digits = match === null ? '' : match[0].replace(/^[+-]/, '');
    if (digits === '') return null;
    this.pos += match![0].length;
    const magnitude = BigInt(`0x${digits}`);
    const value = match![0].startsWith('-') ? -magnitude : magnitude;
    return Number(BigInt.asUintN(32, value));
  }

  /** `%<width>s`: a run of non-blanks after blanks (at most `width`); null at end of line. */
  word(width = Infinity): string | null {
    this.skipSpace();
    let end = this.pos;
    while (end < this.text.length && end - this.pos < width && !WHITESPACE.test(this.text[end]!)) end++;
    if (end === this.pos) return null;
    const word = this.text.slice(this.pos, end);
    this.pos = end;
    return word;
  }

  /** `%<count>c`: the next characters as they are (fewer at the end of the line). */
  chars(count: number): string | null {
    if (this.pos >= this.text.length) return null;
    const text = this.text.slice(this.pos, this.pos + count);
    this.pos += text.length;
    return text;
  }

  /** A blank in a `scanf` format: skip any blanks. */
  space(): void {
    this.skipSpace();
  }
}

/** Lines as `fgets` returns them: each with its newline, if it has one. */
function fileLines(content: string): string[] {
  const lines = content.split(/(?<=\n)/);
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/** The IPv4 dotted text of an in-memory address word read on a little-endian host. */
function inAddrText(word: number): string {
  return formatIPv4(word & 0xff, (word >>> 8) & 0xff, (word >>> 16) & 0xff, word >>> 24);
}

/** One `/proc/net/igmp6` line, or null when net-tools would call it bogus. */
function igmp6Line(line: string): { device: string; users: number; address: string } | null {
  const scan = new Scanner(line);
  if (scan.decimal() === null) return null;
  const device = scan.word(15);
  const hex = scan.word();
  const users = scan.decimal();
  if (device === null || hex === null || users === null) return null;
  if (!/^[0-9a-fA-F]{32}/.test(hex)) return null; // net-tools would print stale memory here
  const bytes = new Uint8Array(16);
  for (let i = 0; i < 16; i++) bytes[i] = parseInt(hex.slice(2 * i, 2 * i + 2), 16);
  return { device, users, address: formatIPv6(bytes) };
}

/** Parse `/proc/net/igmp6`. Warnings count lines from 0, as net-tools does. */
export function parseIgmp6(content: string): GroupItem[] {
  const items: GroupItem[] = [];
  fileLines(content).forEach((line, index) => {
    const row = igmp6Line(line);
    items.push(row === null ? { kind: 'bogus', file: 'igmp6', line: index } : { kind: 'group', family: 'inet6', ...row });
  });
  return items;
}

/**
 * Parse `/proc/net/igmp`. The first line must be the header (it names the
 * `Device` column; a leading `Idx` means device lines start with an index);
 * net-tools reads a file without that header as if it were `igmp6`, and so
 * does this. A device name is the next 15 characters, cut at the last `:`.
 */
export function parseIgmp(content: string): GroupItem[] {
  const lines = fileLines(content);
  const header = lines[0];
  if (header === undefined) return [];
  if (!header.includes('Device')) {
    return parseIgmp6(content);
  }
  const indexed = header.startsWith('Idx');
  const items: GroupItem[] = [];
  let device = '';
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    const scan = new Scanner(line);
    if (line.startsWith('\t')) {
      const word = scan.hex32(8);
      const users = word === null ? null : scan.decimal();
      if (word === null || users === null) items.push({ kind: 'bogus', file: 'igmp', line: index });
      else items.push({ kind: 'group', family: 'inet', device, users, address: inAddrText(word) });
      continue;
    }
    if (indexed) {
      if (scan.decimal() === null) {
        items.push({ kind: 'bogus', file: 'igmp', line: index });
        continue;
      }
      scan.space();
    }
    const name = scan.chars(15);
    if (name === null) {
      items.push({ kind: 'bogus', file: 'igmp', line: index });
      continue;
    }
    const colon = name.lastIndexOf(':');
    device = colon < 0 ? name : name.slice(0, colon);
  }
  return items;
}

type ReadResult = { ok: true; text: string } | { ok: false; code: string };

function readProcFile(ctx: ModeContext, relative: string): ReadResult {
  try {
    return { ok: true, text: readFileSync(procPath(relative, ctx.procRoot), 'latin1') };
  } catch (err) {
    return { ok: false, code: errorCode(err) ?? 'EIO' };
  }
}

/** `%-15s %-6d %s` */
function groupRow(device: string, users: number, group: string): string {
  return `${device.padEnd(15)} ${String(users).padEnd(6)} ${group}\n`;
}

/**
 * The `-g` block: header, IPv4 groups when inet is selected, IPv6 groups
 * when inet6 is. A missing `/proc/net/igmp` is reported (status 1) unless the
 * Internet protocols were only implied by `-4`/`-A inet`; the IPv6 groups are
 * still listed first. Another error opening it is fatal (255), as in
 * net-tools; `/proc/net/igmp6` is skipped quietly whatever the error.
 */
export async function groupsSection(ctx: ModeContext): Promise<number> {
  const { options, out } = ctx;
  out.out(GROUPS_HEADER);
  let status = 0;
  const items: GroupItem[] = [];
  if (options.inet) {
    const igmp = readProcFile(ctx, 'net/igmp');
    if (igmp.ok) {
      items.push(...parseIgmp(igmp.text));
    } else if (igmp.code === 'ENOENT' || igmp.code === 'EACCES') {
      if (!options.protocolsImplied) {
        out.err("netstat: no support for `AF INET (igmp)' on this system.\n");
        status = 1;
      }
    } else {
      out.err(`/proc/net/igmp: ${strerror(igmp.code)}\n`);
      return 255;
    }
  }
  if (options.inet6) {
    const igmp6 = readProcFile(ctx, 'net/igmp6');
    if (igmp6.ok) items.push(...parseIgmp6(igmp6.text));
  }

  const addresses = items.flatMap((item) => (item.kind === 'group' ? [item.address] : []));
  const names = options.numericHosts ? null : await resolveHosts(addresses, ctx.resolvers);
  for (const item of items) {
    if (item.kind === 'bogus') out.err(`warning, got bogus ${item.file} line ${item.line}.\n`);
    else out.out(groupRow(item.device, item.users, hostText(item.address, item.family, names, ctx.resolvers)));
  }
  return status;
}
