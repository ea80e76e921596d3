/**
 * The counters of `netstat -s`, read as net-tools 2.10 reads them (spec §7)
 * into plain, JSON-safe sections: `/proc/net/snmp` and `/proc/net/netstat`
 * as `Title: names…` / `Title: values…` line pairs, `/proc/net/sctp/snmp`
 * and `/proc/net/snmp6` as `Name value` lines. A known section whose
 * `-t/-u/-w/-S` filter is off is kept, not selected and without counters:
 * the text's indentation depends on it (text.ts).
 */
import type { Options } from '../options';
import { textScanner } from '../../procfs/line-scanner';
import { textLines } from '../../procfs/lines';
import { cNumberAt, exactValue, unsignedLong } from '../../procfs/strtoul';
import { numbersOf, type Exact } from '../counters';
import { knownTable, type StatFile, type TableFilter } from './tables';

/**
 * One counter: the kernel's name, and its value as the file has it (Tcp
 * `MaxConn` is -1); see counters.ts for `exact`. The text reads the value
 * as C's `strtoull` does ({@link parseCounter}).
 */
export interface StatCounter extends Exact {
  name: string;
  value: number;
}

export interface StatSection {
  /** The title (`Ip`, `TcpExt`, `Icmp6`, …). */
  section: string;
  file: StatFile;
  /** False for a known section the `-t/-u/-w/-S` options leave out (then without counters). */
  selected: boolean;
  counters: StatCounter[];
}

/** Which of the `-t/-u/-w/-S` tables are wanted (after net-tools' option derivation). */
export type StatFilters = Record<TableFilter, boolean>;

export function filtersOf(options: Options): StatFilters {
  return { raw: options.raw, tcp: options.tcp, udp: options.udp, sctp: options.sctp };
}

/**
 * A counter as C's `strtoull(text, NULL, 10)` reads it: leading blanks, an
 * optional sign (a minus wraps modulo 2^64), digits up to the first
 * non-digit, and saturation at 2^64-1 on overflow.
 */
export function parseCounter(text: string): bigint {
  const bytes = Buffer.from(text, 'latin1');
  return unsignedLong(bytes, cNumberAt(bytes, 0, bytes.length, 10));
}

/**
 * The counter `strtoull` finds at `from` (blanks, a sign, digits), as the
 * file has it (signed, unwrapped), and where it ends; undefined when there
 * are no digits there.
 */
function counterAt(bytes: Buffer, from = 0): { value: bigint; end: number } | undefined {
  const n = cNumberAt(bytes, from, bytes.length, 10);
  return n.digitsEnd === n.digitsStart ? undefined : { value: exactValue(bytes, n), end: n.digitsEnd };
}

/** A section of `file`, selected unless it is known and its filter is off. */
function section(title: string, file: StatFile, filters: StatFilters): StatSection {
  const known = knownTable(title, file);
  return { section: title, file, selected: known === undefined || filters[known.filter], counters: [] };
}

function addCounter(target: StatSection, name: string, value: bigint): void {
  if (!target.selected) return;
  const { value: number, exact } = numbersOf({ value });
  target.counters.push(exact === undefined ? { name, value: number } : { name, value: number, exact });
}

/** Split off a `Title:` prefix; null when the line has no colon. */
function splitTitle(line: string): { title: string; rest: string } | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  return { title: line.slice(0, colon), rest: line.slice(colon + 1) };
}

/**
 * The line pairs of `/proc/net/snmp` or `/proc/net/netstat`. With
 * `titlePrefix`, only pairs whose title starts with it (the IPv6 report takes
 * only `Tcp` from the IPv4 file). `complete` is false when a pair lacks its
 * colon: net-tools stops reading the file there (and the caller reports it).
 */
export function pairSections(
  content: string,
  file: StatFile,
  filters: StatFilters,
  titlePrefix?: string,
): { sections: StatSection[]; complete: boolean } {
  const sections: StatSection[] = [];
  const lines = textLines(content);
  let i = 0;
  while (i < lines.length) {
    const names = lines[i++]!;
    if (names === '') continue; // an empty line before a pair is skipped
    const values = lines[i++];
    if (values === undefined) break; // a lone last line is ignored
    const head = splitTitle(names);
    const tail = splitTitle(values);
    if (head === null || tail === null) return { sections, complete: false };
    if (titlePrefix !== undefined && !head.title.startsWith(titlePrefix)) continue;
    const current = section(head.title, file, filters);
    sections.push(current);
    // Names split at blanks, tabs and newlines only (strcspn " \t\n").
    const nameList = head.rest.split(/[ \t\n]+/).filter((w) => w !== '');
    const valueList = pairValues(tail.rest, nameList.length);
    nameList.forEach((name, k) => addCounter(current, name, valueList[k]!));
  }
  return { sections, complete: true };
}

/**
 * The values of a pair as net-tools reads them: one `strtoull(np, &np, 10)`
 * per name, each from where the last stopped. Text that is no number does
 * not move the cursor, so it and every later value read 0 (`12abc 5` gives
 * 12 then 0), and a name without a value reads 0. The kernel writes neither;
 * a differential property test (test/property/statistics-files.test.ts) does.
 */
function pairValues(text: string, count: number): bigint[] {
  const bytes = Buffer.from(text, 'latin1');
  const values: bigint[] = [];
  let pos = 0;
  for (let k = 0; k < count; k++) {
    const counter = counterAt(bytes, pos);
    values.push(counter?.value ?? 0n);
    if (counter !== undefined) pos = counter.end;
  }
  return values;
}

/**
 * `/proc/net/sctp/snmp`: `Name value` lines, all in the `Sctp` section. The
 * name ends at the first blank or tab; a line whose remainder holds no number
 * is skipped.
 */
export function sctpSection(content: string, filters: StatFilters): StatSection {
  const current = section('Sctp', '/proc/net/sctp/snmp', filters);
  for (const line of textLines(content)) {
    const split = line.search(/[ \t]/);
    if (split < 0) continue;
    const counter = counterAt(Buffer.from(line.slice(split), 'latin1'));
    if (counter !== undefined) addCounter(current, line.slice(0, split), counter.value);
  }
  return current;
}

/**
 * `/proc/net/snmp6`: `Name value` lines. A section is named by the counter's
 * prefix up to its first `6` (`Ip6`, `Icmp6`, `Udp6`, `UdpLite6`; a name
 * without `6` is its own title) and lasts while the names contain that title.
 * net-tools scans each line into the previous line's buffers, so a line
 * missing its value keeps the previous value, and an empty line repeats the
 * previous counter; both show in its output and are kept.
 */
export function snmp6Sections(content: string, filters: StatFilters): StatSection[] {
  const sections: StatSection[] = [];
  let current: StatSection | undefined;
  let name: string | undefined;
  let value = 0n;
  for (const line of textLines(content)) {
    const scan = textScanner(line);
    if (scan.word()) name = scan.text();
    // `%llu` fails on a word that is no number: the previous value stays then too.
    if (scan.decimal()) value = scan.exact();
    if (name === undefined) continue;
    if (current === undefined || !name.includes(current.section)) {
      const six = name.indexOf('6');
      current = section(six < 0 ? name : name.slice(0, six + 1), '/proc/net/snmp6', filters);
      sections.push(current);
    }
    addCounter(current, name, value);
  }
  return sections;
}
