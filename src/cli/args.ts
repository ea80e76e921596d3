/**
 * netstat's command line: the option table of net-tools 2.10 and what each
 * option does, in order, then the selections it derives afterwards
 * (`../shared/spec/netstat-2.10.md` §1). Pure: returns what to print and the
 * exit status instead of printing, so it is testable.
 */
import { readFileSync } from 'node:fs';
import type { AfName, Options } from '../modes/options';
import { getoptLong, type LongOption } from './getopt';
import { ROUTABLE_FAMILIES, USAGE, VERSION } from './texts';

const SHORT_OPTIONS = 'A:CFMacdeghilnNoprsStuUvVWw2fx64?Z';

/** Value reported by every address-family long option (`--inet`, `--unix`, …), as in net-tools. */
const AF_OPTION = 'af';
/** The address-family long options come first; net-tools accepts only indices below 12 (`--tcpip` is 12). */
const AF_OPTION_COUNT_ACCEPTED = 12;

const flag = (name: string, value: string): LongOption => ({ name, arg: 'none', value });

/** net-tools' long-option table, in its order (the order decides abbreviations). */
export const LONG_OPTIONS: readonly LongOption[] = [
  ...['ax25', 'x25', 'ip', 'ipx', 'appletalk', 'netrom', 'inet', 'inet6', 'ddp', 'rose', 'unix', 'bluetooth', 'tcpip'].map(
    (name) => flag(name, AF_OPTION),
  ),
  flag('version', 'V'),
  flag('interfaces', 'i'),
  flag('help', 'h'),
  flag('route', 'r'),
  flag('masquerade', 'M'),
  { name: 'protocol', arg: 'required', value: 'A' },
  flag('tcp', 't'),
  flag('sctp', 'S'),
  flag('udp', 'u'),
  flag('udplite', 'U'),
  flag('raw', 'w'),
  flag('unix', 'x'),
  flag('l2cap', '2'),
  flag('rfcomm', 'f'),
  flag('listening', 'l'),
  flag('all', 'a'),
  flag('timers', 'o'),
  flag('continuous', 'c'),
  flag('extend', 'e'),
  flag('programs', 'p'),
  flag('verbose', 'v'),
  flag('statistics', 's'),
  flag('wide', 'W'),
  flag('numeric', 'n'),
  flag('numeric-hosts', 'numeric-hosts'),
  flag('numeric-ports', 'numeric-ports'),
  flag('numeric-users', 'numeric-users'),
  flag('symbolic', 'N'),
  flag('cache', 'C'),
  flag('fib', 'F'),
  flag('groups', 'g'),
  flag('context', 'Z'),
];

/**
 * This project's own options. Recognised only when spelled in full (see
 * `GetoptConfig.extensionOptions`), so no net-tools argument list changes
 * meaning: `--js` is still net-tools' "unrecognized option".
 */
export const EXTENSION_OPTIONS: readonly LongOption[] = [
  flag('json', 'json'),
  flag('ndjson', 'ndjson'),
  flag('sources', 'sources'),
  { name: 'netns', arg: 'required', value: 'netns' },
  flag('all-netns', 'all-netns'),
  flag('cgroups', 'cgroups'),
  flag('watch', 'watch'),
  { name: 'interval', arg: 'required', value: 'interval' },
];

/** Address-family words accepted by `-A`, and the canonical name each one adds to the AF list. */
const AF_WORDS: Readonly<Record<string, AfName>> = {
  inet: 'inet',
  ip: 'inet',
  tcpip: 'inet',
  inet6: 'inet6',
  ip6: 'inet6',
  unix: 'unix',
  ipx: 'ipx',
  ax25: 'ax25',
  netrom: 'netrom',
  rose: 'rose',
  x25: 'x25',
  ddp: 'ddp',
  appletalk: 'ddp',
  econet: 'ec',
  ash: 'ash',
  bluetooth: 'bluetooth',
};

/** What to do after parsing. */
export type ParseOutcome =
  | {
      kind: 'run';
      options: Options;
      /** Messages net-tools prints while parsing and then carries on (`--tcpip`). */
      warnings: string[];
    }
  | { kind: 'exit'; status: number; stdout: string; stderr: string };

/** The usage text on stderr with exit status 3, after an optional error line. */
function usageError(line?: string): ParseOutcome {
  return { kind: 'exit', status: 3, stdout: '', stderr: (line === undefined ? '' : `${line}\n`) + USAGE + ROUTABLE_FAMILIES };
}

function defaultOptions(programName: string): Options {
  return {
    programName,
    route: false,
    interfaces: false,
    groups: false,
    statistics: false,
    masquerade: false,
    verbose: false,
    wide: false,
    numericHosts: false,
    numericPorts: false,
    numericUsers: false,
    symbolic: false,
    extend: 1,
    programs: false,
    timers: false,
    continuous: false,
    listening: false,
    all: false,
    fib: false,
    cache: false,
    tcp: false,
    sctp: false,
    udp: false,
    udplite: false,
    raw: false,
    inet: false,
    inet6: false,
    unix: false,
    ipx: false,
    ax25: false,
    netrom: false,
    x25: false,
    rose: false,
    bluetooth: false,
    l2cap: false,
    rfcomm: false,
    protocolsImplied: false,
    explicitCount: 0,
    afList: [],
    json: false,
    ndjson: false,
    sources: false,
    allNetns: false,
    cgroups: false,
    watch: false,
    intervalMs: 1000,
  };
}

/**
 * net-tools copies an `-A`/`--protocol` argument into a 256-byte buffer
 * before reading it: only its first 255 bytes count (`-A` of 256 bytes ending
 * in `inet,x` reads as `...inet,`, whose last word is empty).
 */
const AF_ARGUMENT_BYTES = 255;
/**
 * The canonical names are gathered, comma-separated, in another 256-byte
 * buffer; a name that would not fit with its comma and the NUL is refused
 * with a message (the rest of that list is not read) and parsing goes on.
 */
const AF_LIST_SIZE = 256;

/**
 * Add the families of a comma-separated `-A` list (one byte per character).
 * Returns an error outcome for an unknown word (net-tools stops at the first
 * one); pushes net-tools' message onto `warnings` when the gathered list is full.
 */
function addFamilies(options: Options, list: string, warnings: string[]): ParseOutcome | undefined {
  for (const word of list.slice(0, AF_ARGUMENT_BYTES).split(',')) {
    const name = Object.prototype.hasOwnProperty.call(AF_WORDS, word) ? AF_WORDS[word] : undefined;
    if (name === undefined) return { kind: 'exit', status: 1, stdout: '', stderr: `Unknown address family \`${word}'.\n` };
    if (name.length + options.afList.join(',').length + 1 >= AF_LIST_SIZE) {
      warnings.push('Too much address family arguments.\n');
      return undefined;
    }
    options.afList.push(name);
    switch (name) {
      case 'inet': options.inet = true; break;
      case 'inet6': options.inet6 = true; break;
      case 'unix': options.unix = true; break;
      case 'ipx': options.ipx = true; break;
      case 'ax25': options.ax25 = true; break;
      case 'netrom': options.netrom = true; break;
      case 'rose': options.rose = true; break;
      case 'x25': options.x25 = true; break;
      case 'bluetooth': options.bluetooth = true; break;
      default: break; // ddp, ec, ash: listed for -r/-s, no socket listing
    }
  }
  return undefined;
}

/**
 * The arguments as net-tools sees them: bytes, one per character. Node
 * decodes argv as UTF-8 (bytes that are not UTF-8 become U+FFFD), but what
 * net-tools echoes (``Unknown address family `…'``) and cuts (`-A` at 255
 * bytes) are bytes; /proc/self/cmdline still holds them. Its last words are
 * the arguments (Node's own options come before the script).
 */
export function argumentBytes(argv: readonly string[] = process.argv): string[] {
  const args = argv.slice(2);
  const asBytes = (text: string) => Buffer.from(text, 'utf8').toString('latin1');
  let words: string[];
  try {
    const all = readFileSync('/proc/self/cmdline', 'latin1').split('\0').slice(0, -1); // it ends with a NUL
    words = all.slice(all.length - args.length);
  } catch {
    return args.map(asBytes);
  }
  // The same words, unless the command line was rewritten: each decodes to its argv entry.
  const same = words.length === args.length && words.every((w, k) => args[k]!.includes('\uFFFD') || asBytes(args[k]!) === w);
  return same ? words : args.map(asBytes);
}

/** Text of an argument given as bytes (a path: the file system takes UTF-8 text). */
function textOf(bytes: string): string {
  return Buffer.from(bytes, 'latin1').toString('utf8');
}

/** Parse netstat's arguments (argv without the program name, as bytes: see argumentBytes). */
export function parseArgs(args: readonly string[], programName: string, env: NodeJS.ProcessEnv = process.env): ParseOutcome {
  const options = defaultOptions(programName);
  const warnings: string[] = [];
  // Mode options are counters in net-tools: `-rr` counts twice and is a conflict.
  let modeCount = 0;

  const scan = getoptLong(args, {
    shortOptions: SHORT_OPTIONS,
    longOptions: LONG_OPTIONS,
    extensionOptions: EXTENSION_OPTIONS,
    programName,
    posixlyCorrect: env.POSIXLY_CORRECT !== undefined,
  });
  for (const item of scan) {
    if (item.kind === 'error') return withWarnings(usageError(item.message), warnings);
    let failure: ParseOutcome | undefined;
    switch (item.value) {
      case AF_OPTION: {
        const index = item.longIndex ?? 0;
        if (index >= AF_OPTION_COUNT_ACCEPTED) warnings.push("netstat.c: Internal Error `longopts 1 range'.\n");
        else failure = addFamilies(options, (LONG_OPTIONS[index] as LongOption).name, warnings);
        break;
      }
      case 'A': failure = addFamilies(options, item.argument ?? '', warnings); break;
      case '4': failure = addFamilies(options, 'inet', warnings); break;
      case '6': failure = addFamilies(options, 'inet6', warnings); break;
      case 'x': failure = addFamilies(options, 'unix', warnings); break;
      case 'V': return { kind: 'exit', status: 0, stdout: VERSION, stderr: warnings.join('') };
      case 'h': return { kind: 'exit', status: 0, stdout: USAGE, stderr: warnings.join('') + ROUTABLE_FAMILIES };
      case '?': return withWarnings(usageError(), warnings);
      case 'Z': return { kind: 'exit', status: 1, stdout: '', stderr: warnings.join('') + 'SELinux is not enabled on this machine.\n' };
      case 'r': options.route = true; modeCount++; break;
      case 'i': options.interfaces = true; modeCount++; break;
      case 's': options.statistics = true; modeCount++; break;
      case 'M': options.masquerade = true; modeCount++; break;
      case 'g': options.groups = true; break;
      case 'v': options.verbose = true; break;
      case 'W': options.wide = true; break;
      case 'n': options.numericHosts = options.numericPorts = options.numericUsers = true; break;
      case 'numeric-hosts': options.numericHosts = true; break;
      case 'numeric-ports': options.numericPorts = true; break;
      case 'numeric-users': options.numericUsers = true; break;
      case 'N': options.symbolic = true; break;
      case 'e': options.extend++; break;
      case 'p': options.programs = true; break;
      case 'o': options.timers = true; break;
      case 'c': options.continuous = true; break;
      case 'l': options.listening = true; break;
      case 'a': options.all = true; break;
      case 'F': options.fib = true; break;
      case 'C': options.cache = true; break;
      case 't': options.tcp = true; break;
      case 'S': options.sctp = true; break;
      case 'u': options.udp = true; break;
      case 'U': options.udplite = true; break;
      case 'w': options.raw = true; break;
      case '2': options.l2cap = true; break;
      case 'f': options.rfcomm = true; break;
      case 'd': break; // accepted, no effect
      case 'json': options.json = true; options.ndjson = false; break;
      case 'ndjson': options.ndjson = true; options.json = false; break;
      case 'sources': options.sources = true; break;
      case 'netns': options.netns = textOf(item.argument ?? ''); options.allNetns = false; break;
      case 'all-netns': options.allNetns = true; delete options.netns; break;
      case 'cgroups': options.cgroups = true; break;
      case 'watch': options.watch = true; break;
      case 'interval': {
        const text = item.argument ?? '';
        const ms = /^[0-9]{1,10}$/.test(text) ? Number(text) : NaN;
        if (!(ms >= 10 && ms <= 2 ** 31 - 1)) {
          return { kind: 'exit', status: 1, stdout: '', stderr: `${programName}: --interval takes milliseconds from 10 to ${2 ** 31 - 1} (got '${text}')\n` };
        }
        options.intervalMs = ms;
        break;
      }
      default: break;
    }
    if (failure !== undefined) return withWarnings(failure, warnings);
  }

  if (modeCount > 1) return withWarnings(usageError(), warnings);
  deriveSelections(options);
  return { kind: 'run', options, warnings };
}

function withWarnings(outcome: ParseOutcome, warnings: string[]): ParseOutcome {
  if (outcome.kind !== 'exit' || warnings.length === 0) return outcome;
  return { ...outcome, stderr: warnings.join('') + outcome.stderr };
}

/** net-tools' post-parse rules (spec §1.5), in its order. */
function deriveSelections(o: Options): void {
  const anyInetProtocol = () => o.tcp || o.sctp || o.udp || o.udplite || o.raw;
  if ((o.inet || o.inet6 || o.statistics) && !anyInetProtocol()) {
    o.tcp = o.sctp = o.udp = o.udplite = o.raw = true;
    o.protocolsImplied = true;
  }
  if ((anyInetProtocol() || o.groups) && !o.inet && !o.inet6) {
    o.inet = o.inet6 = true;
  }
  if (o.bluetooth && !o.l2cap && !o.rfcomm) o.l2cap = o.rfcomm = true;
  o.explicitCount = [o.tcp, o.sctp, o.udp, o.udplite, o.raw, o.unix, o.ipx, o.ax25, o.netrom, o.groups, o.x25, o.rose, o.l2cap, o.rfcomm].filter(
    Boolean,
  ).length;
}
