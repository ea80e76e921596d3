/**
 * `netstat -s`: the kernel's SNMP-style counters in net-tools' wording
 * (spec §7). IPv4 reads `/proc/net/snmp`, `/proc/net/netstat` and
 * `/proc/net/sctp/snmp`; IPv6 (`-6`, `-A inet6`) reads `/proc/net/snmp6` and
 * the `Tcp` section of `/proc/net/snmp`.
 *
 * Counters net-tools knows become sentences (`statistics-tables.ts`); others
 * print as `Name: value`. Indentation follows net-tools' small state machine:
 * entering an ICMP histogram prints its title at the indentation of the state
 * being left, and unknown sections keep whatever state the previous section
 * left behind. Both quirks are visible in net-tools' output and kept.
 */
import { strerror } from '../errors';
import type { Options } from '../options';
import { readProcText } from '../proc/read';
import type { ModePass } from './context';
import { INET6_TABLES, INET_TABLES, type EntryKind, type StatTable, type TableFilter } from './statistics-tables';

/** The indentation state: plain sentences, or inside the input/output ICMP histogram. */
type State = 'normal' | 'input' | 'output';

const INDENT: Record<State, string> = { normal: '    ', input: '        ', output: '        ' };
const HISTOGRAM_TITLE: Record<'input' | 'output', string> = {
  input: 'ICMP input histogram:',
  output: 'ICMP output histogram:',
};

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
  const match = /^[ \t\n\v\f\r]*([+-]?)([0-9]*)/.exec(text);
  if (match === null || match[2] === '') return 0n;
  const max = (1n << 64n) - 1n;
  let value = BigInt(match[2]);
  if (value > max) return max;
  if (match[1] === '-') value = (1n << 64n) - value;
  return value & max;
}

/** Collects the text of one statistics report and carries the indentation state. */
export class StatisticsPrinter {
  private state: State = 'normal';
  private readonly lines: string[] = [];

  constructor(private readonly filters: StatFilters) {}

  /** The text collected so far, which is then forgotten. */
  take(): string {
    const text = this.lines.join('');
    this.lines.length = 0;
    return text;
  }

  /**
   * Start a section. Known sections print their title only when their filter
   * is on and always reset the state; unknown ones always print and keep it.
   * Returns whether the section's counters are to be shown.
   */
  section(title: string, known: StatTable | undefined): boolean {
    if (known === undefined) {
      this.lines.push(`${title}:\n`);
      return true;
    }
    this.state = 'normal';
    const wanted = this.filters[known.filter];
    if (wanted) this.lines.push(`${title}:\n`);
    return wanted;
  }

  /** One counter of the current section. */
  counter(name: string, value: bigint, known: StatTable | undefined): void {
    const entry = known?.entries.get(name);
    if (entry === undefined || entry.unreachable === true) {
      if (value !== 0n) this.lines.push(`${INDENT[this.state]}${name}: ${value}\n`);
      return;
    }
    this.print(entry.kind, entry.text, value);
  }

  private print(kind: EntryKind, template: string, value: bigint): void {
    const sentence = (): string => template.replace('%u', value.toString());
    switch (kind) {
      case 'silent':
        return;
      case 'always':
        this.lines.push(`${INDENT.normal}${sentence()}\n`);
        this.state = 'normal';
        return;
      case 'nonzero':
        if (value !== 0n) this.lines.push(`${INDENT.normal}${sentence()}\n`);
        this.state = 'normal';
        return;
      case 'input':
      case 'output':
        if (this.state !== kind) this.lines.push(`${INDENT[this.state]}${HISTOGRAM_TITLE[kind]}\n`);
        if (value > 0n) this.lines.push(`${INDENT[kind]}${sentence()}\n`);
        this.state = kind;
        return;
    }
  }
}

function tableNamed(tables: readonly StatTable[], title: string): StatTable | undefined {
  return tables.find((t) => t.title === title);
}

/** Split off a `Title:` prefix; null when the line has no colon. */
function splitTitle(line: string): { title: string; rest: string } | null {
  const colon = line.indexOf(':');
  if (colon < 0) return null;
  return { title: line.slice(0, colon), rest: line.slice(colon + 1) };
}

function words(text: string): string[] {
  return text.split(/[ \t\n\v\f\r]+/).filter((w) => w !== '');
}

/** A file's lines as `fgets` returns them (without the newline; no empty piece after a final newline). */
function linesOf(content: string): string[] {
  const lines = content.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines;
}

/**
 * The `Title: names…` / `Title: values…` line pairs of `/proc/net/snmp` and
 * `/proc/net/netstat`. With `titlePrefix`, only pairs whose title starts with
 * it are shown (the IPv6 report takes only `Tcp` from the IPv4 file).
 * Returns false when a pair lacks its colon: net-tools stops reading the file
 * there (and the caller reports it).
 */
export function printPairs(printer: StatisticsPrinter, content: string, titlePrefix?: string): boolean {
  const lines = linesOf(content);
  let i = 0;
  while (i < lines.length) {
    const names = lines[i++]!;
    if (names === '') continue; // an empty line before a pair is skipped
    const values = lines[i++];
    if (values === undefined) break; // a lone last line is ignored
    const head = splitTitle(names);
    const tail = splitTitle(values);
    if (head === null || tail === null) return false;
    if (titlePrefix !== undefined && !head.title.startsWith(titlePrefix)) continue;
    const known = tableNamed(INET_TABLES, head.title);
    if (!printer.section(head.title, known)) continue;
    const nameList = words(head.rest);
    const valueList = words(tail.rest);
    const count = Math.min(nameList.length, valueList.length);
    for (let k = 0; k < count; k++) printer.counter(nameList[k]!, parseCounter(valueList[k]!), known);
  }
  return true;
}

/**
 * `/proc/net/sctp/snmp`: `Name value` lines, all in the `Sctp` table. The
 * name ends at the first blank or tab; a line whose remainder holds no number
 * is skipped.
 */
export function printSctp(printer: StatisticsPrinter, content: string): void {
  const known = tableNamed(INET_TABLES, 'Sctp');
  if (!printer.section('Sctp', known)) return;
  for (const line of linesOf(content)) {
    const split = line.search(/[ \t]/);
    if (split < 0) continue;
    const rest = line.slice(split);
    if (!/^[ \t\n\v\f\r]*[+-]?[0-9]/.test(rest)) continue;
    printer.counter(line.slice(0, split), parseCounter(rest), known);
  }
}

/**
 * `/proc/net/snmp6`: `Name value` lines. A section is named by the counter's
 * prefix up to its first `6` (`Ip6`, `Icmp6`, `Udp6`, `UdpLite6`; a name
 * without `6` is its own title) and lasts while the names contain that title.
 * net-tools scans each line into the previous line's buffers, so a line
 * missing its value keeps the previous value, and an empty line repeats the
 * previous counter; both show in its output and are kept.
 */
export function printSnmp6(printer: StatisticsPrinter, content: string): void {
  let title: string | undefined;
  let known: StatTable | undefined;
  let shown = false;
  let name: string | undefined;
  let value = '';
  for (const line of linesOf(content)) {
    const [first, second] = words(line);
    if (first !== undefined) name = first;
    if (second !== undefined) value = second;
    if (name === undefined) continue;
    if (title === undefined || !name.includes(title)) {
      const six = name.indexOf('6');
      title = six < 0 ? name : name.slice(0, six + 1);
      known = tableNamed(INET6_TABLES, title);
      shown = printer.section(title, known);
    }
    if (shown) printer.counter(name, parseCounter(value), known);
  }
}

/** Which report the `-A` list asks for, or null when `-s` has none for it. */
function reportFamily(options: Options): 'inet' | 'inet6' | null {
  const list = options.afList.join(',');
  if (list === '' || list === 'inet') return 'inet';
  if (list === 'inet6') return 'inet6';
  return null;
}

/**
 * One `-s` report. net-tools runs it once (it ignores `-c`) and returns 0
 * once it has started reading, even when files are missing.
 */
export const statisticsPass: ModePass = async (ctx) => {
  const family = reportFamily(ctx.options);
  if (family === null) {
    // net-tools prints this on standard output.
    ctx.out.out(`netstat: No statistics support for specified address family: ${ctx.options.afList.join(',')}\n`);
    return 1;
  }
  const printer = new StatisticsPrinter(filtersOf(ctx.options));
  // What was printed goes out before a complaint, as with a line-buffered stdout.
  const complain = (text: string): void => {
    ctx.out.out(printer.take());
    ctx.out.err(text);
  };
  const readError = (file: string, result: { code: string }): void => complain(`/proc/${file}: ${strerror(result.code)}\n`);

  const first = family === 'inet' ? 'net/snmp' : 'net/snmp6';
  const main = readProcText(first, ctx.procRoot);
  if (!main.ok && !main.opened) {
    ctx.out.err(`cannot open /proc/${first}: ${strerror(main.code)}\n`);
    return 0;
  }
  if (!main.ok) readError(first, main);

  if (family === 'inet') {
    if (main.ok && !printPairs(printer, main.text)) complain('Problem while parsing /proc/net/snmp\n');
    const netstat = readProcText('net/netstat', ctx.procRoot);
    if (netstat.ok && !printPairs(printer, netstat.text)) complain('Problem while parsing /proc/net/netstat\n');
    if (!netstat.ok && netstat.opened) readError('net/netstat', netstat);
    const sctp = readProcText('net/sctp/snmp', ctx.procRoot);
    if (sctp.ok) printSctp(printer, sctp.text);
    if (!sctp.ok && sctp.opened) {
      printSctp(printer, ''); // the title comes before the failed read
      readError('net/sctp/snmp', sctp);
    }
  } else {
    if (main.ok) printSnmp6(printer, main.text);
    const snmp = readProcText('net/snmp', ctx.procRoot);
    // A malformed pair ends the Tcp part silently in the IPv6 report.
    if (snmp.ok) printPairs(printer, snmp.text, 'Tcp');
    else if (snmp.opened) readError('net/snmp', snmp);
    else complain(`cannot open /proc/net/snmp: ${strerror(snmp.code)}\n`);
  }
  ctx.out.out(printer.take());
  return 0;
};
