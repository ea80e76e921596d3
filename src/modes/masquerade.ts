/**
 * `netstat -M`: masqueraded connections (spec §6; mapping in docs/masquerade.md).
 *
 * net-tools reads `/proc/net/ip_masquerade`, which Linux dropped in 2.4, so on
 * a modern kernel it can only say "no support". This port reads that file
 * when it exists (exactly as net-tools does) and otherwise lists the NAT'd
 * connections of `/proc/net/nf_conntrack` in the same table. Only when
 * neither file exists does it print net-tools' message.
 */
import { type ConntrackEntry, isNatted, isSourceNatted, parseConntrack } from '../conntrack/proc';
import { perrorText } from '../errors';
import { formatIPv4 } from '../inet-text';
import type { InetFamily, InetProtocol } from '../model';
import { resolveHosts, serviceProtocol } from '../print/address';
import { LineScanner } from '../procfs/line-scanner';
import { readProcText } from '../procfs/read';
import type { Resolvers } from '../resolve';
import type { ModeContext, ModePass } from './context';
import { exactValue, numbersOf, type Exact } from './counters';
import { shownName, shownText } from './host-names';
import { JsonPass, wantsJson } from './json-output';
import { noSupport } from './no-support';

/** One row of the masquerade table as read, whatever file it came from. */
interface MasqueradeRow {
  /** Protocol word as printed (`tcp`, `udp`, `icmp`, …). */
  protocol: string;
  /** Time left, in hundredths of a second (unsigned 64-bit, as net-tools keeps it). */
  expires: bigint;
  family: InetFamily;
  source: string;
  destination: string;
  sourcePort: number;
  destinationPort: number;
  masqueradePort: number;
  initialSequence: bigint;
  delta: number;
  /** Previous delta; null when the source has none (printed `-`). */
  previousDelta: number | null;
}

const TITLE = 'IP masquerading entries\n';
const HEADER = 'prot   expire source               destination          ports\n';
const HEADER_EXTENDED = 'prot   expire    initseq delta prevd source               destination          ports\n';

/** A fault in `/proc/net/ip_masquerade` that net-tools reports as an internal error (status 255). */
class MasqueradeFileError extends Error {
  constructor(
    readonly where: string,
    what: string,
  ) {
    super(what);
  }
}

const COLON = 0x3a;

/** net-tools' protocol words in `/proc/net/ip_masquerade` and how it prints them. */
const MASQ_PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', IP: 'ip', GRE: 'gre', ESP: 'esp' };

/** The dotted text of a 32-bit address read as one big-endian hex number (`7F000001`). */
function hexAddress(value: bigint): string {
  const n = Number(value);
  return formatIPv4(n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff);
}

/**
 * Parse `/proc/net/ip_masquerade` (Linux 2.2): a header line, then records
 * `PROTO srcaddr:port dstaddr:port mport initseq delta [pdelta] expires`
 * (hex but for the deltas and expires), with `pdelta` when the header names
 * `PDelta`. The whole file is read before anything is printed, as in net-tools.
 */
export function parseIpMasquerade(content: string): MasqueradeRow[] {
  const newline = content.indexOf('\n');
  if (content === '') throw new MasqueradeFileError('masq_info', 'fgets() failed');
  const header = newline < 0 ? content : content.slice(0, newline + 1);
  const hasPreviousDelta = header.includes('PDelta');
  // net-tools reads the records with `fscanf`: one stream of conversions, not
  // line by line, so a stray word becomes the start of the next record.
  const bytes = Buffer.from(content, 'latin1');
  const scan = new LineScanner(bytes);
  scan.setLine(newline < 0 ? bytes.length : newline + 1, bytes.length);
  // One conversion each; null when it fails. `%x` and `%lu` store unsigned
  // (strtoul wraps a minus sign), `%hd` signed, each into its C type's bits.
  const word = (): string | null => (scan.word() ? scan.text() : null);
  const hex = (bits: number): bigint | null => (scan.hex() ? BigInt.asUintN(bits, scan.exact()) : null);
  const signed = (bits: number): bigint | null => (scan.decimal() ? BigInt.asIntN(bits, scan.exact()) : null);
  const unsigned = (): bigint | null => (scan.decimal() ? BigInt.asUintN(64, scan.exact()) : null);
  const colon = (): boolean => scan.literal(COLON);
  const rows: MasqueradeRow[] = [];
  while (!scan.atEnd()) {
    // Conversions in order; the record is good only if all of them succeed.
    const proto = word();
    const src = proto === null ? null : hex(32);
    const sport = src === null || !colon() ? null : hex(16);
    const dst = sport === null ? null : hex(32);
    const dport = dst === null || !colon() ? null : hex(16);
    const mport = dport === null ? null : hex(16);
    const initseq = mport === null ? null : hex(64);
    const delta = initseq === null ? null : signed(16);
    const pdelta = delta === null || !hasPreviousDelta ? null : signed(16);
    const expires = delta === null || (hasPreviousDelta && pdelta === null) ? null : unsigned();
    if (expires === null) throw new MasqueradeFileError('masq_info.c', 'ip_masquerade format error');
    const protocol = MASQ_PROTOCOLS[proto!];
    if (protocol === undefined) throw new MasqueradeFileError('masq_info.c', 'ip_masquerade unknown type');
    rows.push({
      protocol,
      expires,
      family: 'inet',
      source: hexAddress(src!),
      destination: hexAddress(dst!),
      sourcePort: Number(sport),
      destinationPort: Number(dport),
      masqueradePort: Number(mport),
      initialSequence: initseq!,
      delta: Number(delta),
      previousDelta: pdelta === null ? null : Number(pdelta),
    });
  }
  return rows;
}

/**
 * A NAT'd conntrack entry as a masquerade row: the connection's originator is
 * the source, the host that really answers (reply source) the destination,
 * their ports, and as masquerade port the port on the NAT host: the
 * translated source port for source NAT, else the port the originator
 * connected to (destination NAT).
 */
export function conntrackRow(entry: ConntrackEntry): MasqueradeRow {
  const { original: o, reply: r } = entry;
  return {
    protocol: entry.protocol,
    expires: BigInt(entry.timeout ?? 0) * 100n,
    family: entry.family,
    source: o.src,
    destination: r.src,
    sourcePort: o.sport ?? 0,
    destinationPort: r.sport ?? 0,
    masqueradePort: (isSourceNatted(entry) ? r.dport : o.dport) ?? 0,
    initialSequence: 0n,
    delta: 0,
    previousDelta: null,
  };
}

/** One masqueraded connection as `-M` lists it (JSON-safe; see counters.ts for `exact`). */
export interface MasqueradeConnection extends Exact {
  /** Protocol word as printed (`tcp`, `udp`, `icmp`, …). */
  protocol: string;
  family: InetFamily;
  /** Time left, in hundredths of a second (conntrack's seconds × 100). */
  expiresHundredths: number;
  /** `-e`: the initial sequence number, the sequence delta and the previous delta (null: printed `-`). */
  initialSequence?: number;
  delta?: number;
  previousDelta?: number | null;
  source: string;
  /** Without `-n`/`--numeric-hosts`: the name the text shows, null when it shows the address. */
  sourceName?: string | null;
  destination: string;
  destinationName?: string | null;
  sourcePort: number;
  /** Without `-n`/`--numeric-ports`: the service name the text shows (TCP and UDP only), else null. */
  sourcePortName?: string | null;
  destinationPort: number;
  destinationPortName?: string | null;
  masqueradePort: number;
  masqueradePortName?: string | null;
}

/** The protocols whose ports `-M` names: net-tools names only TCP and UDP ports here (UDP-Lite, from conntrack, as UDP). */
const NAMED_PORTS: ReadonlySet<string> = new Set<InetProtocol>(['tcp', 'udp', 'udplite']);

/** The rows as connections, with the names the text shows unless numeric. */
async function connections(ctx: ModeContext, rows: MasqueradeRow[]): Promise<MasqueradeConnection[]> {
  const { options, resolvers } = ctx;
  const extend = options.extend >= 2;
  const hostNames = options.numericHosts ? null : await resolveHosts(rows.flatMap((row) => [row.source, row.destination]), resolvers);
  return rows.map((row) => {
    const services = NAMED_PORTS.has(row.protocol) ? serviceProtocol(row.protocol as InetProtocol) : null;
    const portName = (port: number): string | null =>
      port === 0 || services === null ? null : resolvers.services.name(port, services);
    const expires = numbersOf({ expiresHundredths: row.expires });
    const sequence = numbersOf({ initialSequence: row.initialSequence });
    const exact = { ...expires.exact, ...(extend ? sequence.exact : {}) };
    const withPortNames = !options.numericPorts;
    return {
      protocol: row.protocol,
      family: row.family,
      expiresHundredths: expires.expiresHundredths,
      ...(extend && { initialSequence: sequence.initialSequence, delta: row.delta, previousDelta: row.previousDelta }),
      source: row.source,
      ...(hostNames && { sourceName: shownName(row.source, row.family, hostNames, resolvers) }),
      destination: row.destination,
      ...(hostNames && { destinationName: shownName(row.destination, row.family, hostNames, resolvers) }),
      sourcePort: row.sourcePort,
      ...(withPortNames && { sourcePortName: portName(row.sourcePort) }),
      destinationPort: row.destinationPort,
      ...(withPortNames && { destinationPortName: portName(row.destinationPort) }),
      masqueradePort: row.masqueradePort,
      ...(withPortNames && { masqueradePortName: portName(row.masqueradePort) }),
      ...(Object.keys(exact).length > 0 && { exact }),
    };
  });
}

/** `%5hd` */
function short(value: number): string {
  return String(value).padStart(5);
}

function formatRow(c: MasqueradeConnection, resolvers: Resolvers): string {
  // Unsigned arithmetic, each part then printed with a signed `%ld`, as in net-tools.
  const expires = exactValue(c, 'expiresHundredths');
  const minutes = BigInt.asIntN(64, expires / 6000n);
  const seconds = BigInt.asIntN(64, (expires / 100n) % 60n);
  const hundredths = BigInt.asIntN(64, expires % 100n);
  let text = `${c.protocol.padEnd(4)}${String(minutes).padStart(3)}:${String(seconds).padStart(2, '0')}.${String(hundredths).padStart(2, '0')} `;
  if (c.initialSequence !== undefined) {
    text += `${(c.exact?.initialSequence ?? String(c.initialSequence)).padStart(10)} ${short(c.delta!)} `;
    text += c.previousDelta === null || c.previousDelta === undefined ? '    - ' : `${short(c.previousDelta)} `;
  }
  text += `${shownText(c.source, c.family, c.sourceName, resolvers).padEnd(20)} `;
  text += `${shownText(c.destination, c.family, c.destinationName, resolvers).padEnd(20)} `;
  // As everywhere in net-tools, port 0 is `*`, named or not.
  const port = (n: number, name: string | null | undefined): string => (n === 0 ? '*' : (name ?? String(n)));
  text +=
    `${port(c.sourcePort, c.sourcePortName)} -> ${port(c.destinationPort, c.destinationPortName)} ` +
    `(${port(c.masqueradePort, c.masqueradePortName)})\n`;
  return text;
}

/**
 * The connections, as net-tools' table (nothing at all when there are none,
 * as in net-tools) or as JSON: `{"mode":"masquerade","connections":[…]}`, or
 * one connection per line.
 */
async function printConnections(ctx: ModeContext, rows: MasqueradeRow[]): Promise<void> {
  const list = await connections(ctx, rows);
  if (wantsJson(ctx.options)) {
    const json = new JsonPass(ctx, 'masquerade', 'connections');
    for (const connection of list) json.record(connection);
    json.end();
    return;
  }
  if (list.length === 0) return;
  ctx.out.out(TITLE + (ctx.options.extend >= 2 ? HEADER_EXTENDED : HEADER));
  for (const connection of list) ctx.out.out(formatRow(connection, ctx.resolvers));
}

export const masqueradePass: ModePass = async (ctx) => {
  const masq = readProcText('net/ip_masquerade', ctx.procRoot);
  if (masq.ok) {
    let rows: MasqueradeRow[];
    try {
      rows = parseIpMasquerade(masq.text);
    } catch (err) {
      if (!(err instanceof MasqueradeFileError)) throw err;
      ctx.out.err(`${err.where}: Internal Error \`${err.message}'.\n`);
      return 255;
    }
    await printConnections(ctx, rows);
    return 0;
  }
  if (masq.code === 'EISDIR') {
    // fopen() succeeds on a directory; net-tools' first fgets() then fails.
    ctx.out.err("masq_info: Internal Error `fgets() failed'.\n");
    return 255;
  }
  // Unlike the socket tables, only a missing file means "no support" here: net-tools perrors any other failure.
  if (masq.code !== 'ENOENT') {
    ctx.out.err(`${perrorText('/proc/net/ip_masquerade', masq.code)}\n`);
    return 255;
  }

  const conntrack = readProcText('net/nf_conntrack', ctx.procRoot);
  if (!conntrack.ok) {
    if (conntrack.code === 'ENOENT') return noSupport(ctx, 'ip_masquerade', { explicit: true, implied: false });
    ctx.out.err(`${perrorText('/proc/net/nf_conntrack', conntrack.code)}\n`);
    return 255;
  }
  await printConnections(ctx, parseConntrack(conntrack.text).filter(isNatted).map(conntrackRow));
  return 0;
};
