/**
 * `netstat -g`: multicast group memberships (spec §5), printed by the socket
 * listing after the Internet rows and before the UNIX section.
 *
 * `/proc/net/igmp` (IPv4) has a header line, then per device a line
 * `idx<TAB>name      :  count  querier` followed by TAB-indented group lines
 * `hexaddr users …`, the address being the in-memory 32-bit word (host byte
 * order). `/proc/net/igmp6` has one line per group, `idx name hexaddr users
 * …`, with the address in network byte order. net-tools reads both with
 * `sscanf`; so does this (`procfs/line-scanner.ts`), so that odd lines are
 * taken or rejected as net-tools takes or rejects them.
 *
 * Under `-c`, net-tools reads the IPv4 file as IPv6 from the second pass on
 * (a flag it never resets) and prints garbage; this port reads every pass
 * correctly.
 */
import { perrorText } from '../errors';
import { formatIPv4Word, formatIPv6 } from '../inet-text';
import type { InetFamily } from '../model';
import { resolveHosts } from '../print/address';
import { hexValue, textScanner } from '../procfs/line-scanner';
import { fgetsLines } from '../procfs/lines';
import { isAbsent, readProcText } from '../procfs/read';
import type { Resolvers } from '../resolve';
import type { ModeContext } from './context';
import { shownName, shownText } from './host-names';
import { JsonPass, wantsJson } from './json-output';
import { noSupport } from './no-support';

export const GROUPS_HEADER =
  'IPv6/IPv4 Group Memberships\n' + 'Interface       RefCnt Group\n' + '--------------- ------ ---------------------\n';

/** One membership row, or the warning for a line net-tools rejects (in file order). */
export type GroupItem =
  | { kind: 'group'; device: string; users: number; family: InetFamily; address: string }
  | { kind: 'bogus'; file: 'igmp' | 'igmp6'; line: number };

/**
 * What net-tools carries from one line to the next. The device name lives in
 * a static 16-byte buffer that `%15c` overwrites without terminating it, so
 * a short device line keeps the tail of the previous name. The IPv6 address
 * words are only partly overwritten when the hex text is shorter than 32
 * digits, and all four are then byte-swapped in place; keeping them here makes
 * such lines come out as net-tools prints them (it starts from stack garbage,
 * this from zeros).
 */
export class GroupScanState {
  readonly device = new Uint8Array(16);
  readonly in6 = new Uint32Array(4);

  /** The device buffer as a C string. */
  deviceName(): string {
    const end = this.device.indexOf(0);
    return Buffer.from(this.device.subarray(0, end < 0 ? 16 : end)).toString('latin1');
  }

  /** `%15c` into the buffer, then cut at the last `:` of the resulting string. */
  setDeviceChars(chars: string): void {
    for (let i = 0; i < chars.length; i++) this.device[i] = chars.charCodeAt(i) & 0xff;
    const name = this.deviceName();
    const colon = name.lastIndexOf(':');
    if (colon >= 0) this.device[colon] = 0;
  }

  /** `%15s` into the buffer (terminated). */
  setDeviceWord(word: string): void {
    for (let i = 0; i < word.length; i++) this.device[i] = word.charCodeAt(i) & 0xff;
    this.device[word.length] = 0;
  }

  /** `%08X%08X%08X%08X` over the hex text, then `htonl` of all four words: the address in network order. */
  ipv6Address(hex: string): string {
    for (let i = 0; i < 4; i++) {
      const part = hex.slice(8 * i, 8 * i + 8);
      if (part === '') break; // this conversion and the later ones fail: the old words stay
      this.in6[i] = parseInt(part, 16) >>> 0;
    }
    const bytes = new Uint8Array(16);
    for (let i = 0; i < 4; i++) {
      const word = this.in6[i]!;
      // htonl on a little-endian host swaps the bytes; memory then holds the word big-endian.
      const swapped = (((word & 0xff) << 24) | ((word & 0xff00) << 8) | ((word >>> 8) & 0xff00) | (word >>> 24)) >>> 0;
      this.in6[i] = swapped;
      bytes[4 * i] = swapped & 0xff;
      bytes[4 * i + 1] = (swapped >>> 8) & 0xff;
      bytes[4 * i + 2] = (swapped >>> 16) & 0xff;
      bytes[4 * i + 3] = swapped >>> 24;
    }
    return formatIPv6(bytes);
  }
}

/** One `/proc/net/igmp6` line (`%d %15s %64[0-9A-Fa-f] %d`). */
function igmp6Item(line: string, index: number, state: GroupScanState): GroupItem {
  const bogus: GroupItem = { kind: 'bogus', file: 'igmp6', line: index };
  const scan = textScanner(line);
  if (!scan.decimal() || !scan.word(15)) return bogus;
  state.setDeviceWord(scan.text());
  scan.skipSpace();
  if (scan.hexRun(64) === 0) return bogus;
  const hex = scan.text();
  if (!scan.decimal()) return bogus;
  return { kind: 'group', family: 'inet6', device: state.deviceName(), users: scan.int32(), address: state.ipv6Address(hex) };
}

/** Parse `/proc/net/igmp6`. Warnings count lines from 0, as net-tools does. */
export function parseIgmp6(content: string, state = new GroupScanState()): GroupItem[] {
  return fgetsLines(content).map((line, index) => igmp6Item(line, index, state));
}

/**
 * Parse `/proc/net/igmp`. The first line must be the header (it names the
 * `Device` column; a leading `Idx` means device lines start with an index);
 * net-tools reads a file without that header as if it were `igmp6`, and so
 * does this. Device lines (`%d\t%15c`, or `%15c` without `Idx`) set the
 * device of the TAB-indented group lines (`\t%8[0-9A-Fa-f] %d`) below them.
 */
export function parseIgmp(content: string, state = new GroupScanState()): GroupItem[] {
  const lines = fgetsLines(content);
  const header = lines[0];
  if (header === undefined) return [];
  if (!header.includes('Device')) return parseIgmp6(content, state);
  const indexed = header.startsWith('Idx');
  const items: GroupItem[] = [];
  for (let index = 1; index < lines.length; index++) {
    const line = lines[index]!;
    const bogus: GroupItem = { kind: 'bogus', file: 'igmp', line: index };
    // The line with its newline, as fgets leaves it: `%15c` can read it.
    const scan = textScanner(line);
    if (line.startsWith('\t')) {
      scan.skipSpace();
      const digits = scan.hexRun(8);
      const word = hexValue(scan.buf, scan.runStart, digits);
      if (digits === 0 || !scan.decimal()) items.push(bogus);
      else items.push({ kind: 'group', family: 'inet', device: state.deviceName(), users: scan.int32(), address: formatIPv4Word(word) });
      continue;
    }
    if (indexed) {
      if (!scan.decimal()) {
        items.push(bogus);
        continue;
      }
      scan.skipSpace();
    }
    if (scan.chars(15)) state.setDeviceChars(scan.text());
    else items.push(bogus);
  }
  return items;
}

/** One group membership as `-g` lists it. */
export interface GroupMembership {
  family: InetFamily;
  /** The device, as net-tools reads it (without the blanks that pad it in /proc/net/igmp). */
  interface: string;
  /** The RefCnt column: how many sockets joined the group. */
  refCnt: number;
  /** The group address (inet_ntop text). */
  group: string;
  /** Without `-n`: the name the text shows in place of the address, null when it shows the address. */
  groupName?: string | null;
}

/** What a pass reads: memberships and bogus-line warnings in file order, and the status. */
export interface GroupsRead {
  status: number;
  items: Array<GroupMembership | { warning: string }>;
}

/**
 * Read the memberships: IPv4 groups when inet is selected, IPv6 groups when
 * inet6 is. A missing `/proc/net/igmp` is reported (status 1) unless the
 * Internet protocols were only implied by `-4`/`-A inet`; the IPv6 groups are
 * still read. Another error opening it is fatal (255, nothing read), as in
 * net-tools; `/proc/net/igmp6` is skipped quietly whatever the error.
 */
export async function readGroups(ctx: ModeContext): Promise<GroupsRead> {
  const { options, out } = ctx;
  let status = 0;
  const parsed: GroupItem[] = [];
  const state = new GroupScanState();
  if (options.inet) {
    const igmp = readProcText('net/igmp', ctx.procRoot);
    if (igmp.ok) {
      parsed.push(...parseIgmp(igmp.text, state));
    } else if (isAbsent(igmp.code)) {
      status = noSupport(ctx, 'AF INET (igmp)', { explicit: true });
    } else {
      out.err(`${perrorText('/proc/net/igmp', igmp.code)}\n`);
      return { status: 255, items: [] };
    }
  }
  if (options.inet6) {
    const igmp6 = readProcText('net/igmp6', ctx.procRoot);
    if (igmp6.ok) parsed.push(...parseIgmp6(igmp6.text, state));
  }

  const addresses = parsed.flatMap((item) => (item.kind === 'group' ? [item.address] : []));
  const names = options.numericHosts ? null : await resolveHosts(addresses, ctx.resolvers);
  const items = parsed.map((item): GroupsRead['items'][number] => {
    if (item.kind === 'bogus') return { warning: `warning, got bogus ${item.file} line ${item.line}.\n` };
    // `%15c` keeps the blanks that pad the name in /proc/net/igmp; the text pads to 15 columns anyway.
    const device = item.device.replace(/ +$/, '');
    const membership: GroupMembership = { family: item.family, interface: device, refCnt: item.users, group: item.address };
    return names === null ? membership : { ...membership, groupName: shownName(item.address, item.family, names, ctx.resolvers) };
  });
  return { status, items };
}

/** `%-15s %-6d %s` */
function groupRow(membership: GroupMembership, resolvers: Resolvers): string {
  const group = shownText(membership.group, membership.family, membership.groupName, resolvers);
  return `${membership.interface.padEnd(15)} ${String(membership.refCnt).padEnd(6)} ${group}\n`;
}

/**
 * The `-g` block: header and memberships as net-tools prints them, or as
 * JSON, `{"mode":"groups","groups":[…]}` or one membership per line;
 * warnings and statuses as {@link readGroups} reports them.
 */
export async function groupsSection(ctx: ModeContext): Promise<number> {
  const json = wantsJson(ctx.options) ? new JsonPass(ctx, 'groups', 'groups') : null;
  if (json === null) ctx.out.out(GROUPS_HEADER);
  const { status, items } = await readGroups(ctx);
  for (const item of items) {
    if ('warning' in item) ctx.out.err(item.warning);
    else if (json !== null) json.record(item);
    else ctx.out.out(groupRow(item, ctx.resolvers));
  }
  json?.end();
  return status;
}
