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
import { strerror } from '../errors';
import type { InetFamily } from '../model';
import { hostText, resolveHosts } from '../print/address';
import { readProcText } from '../proc/read';
import type { ServiceProtocol } from '../resolve';
import type { ModeContext, ModePass } from './context';

/** One row of the masquerade table, whatever file it came from. */
export interface MasqueradeRow {
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

/** net-tools' protocol words in `/proc/net/ip_masquerade` and how it prints them. */
const MASQ_PROTOCOLS: Record<string, string> = { TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', IP: 'ip', GRE: 'gre', ESP: 'esp' };

/**
 * `fscanf` over the whole file: net-tools reads the records as one stream of
 * conversions, not line by line, so a stray word becomes the start of the
 * next record. Each method is one conversion; null means it failed.
 */
class StreamScanner {
  private pos = 0;

  constructor(private readonly text: string) {}

  private skipSpace(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos]!)) this.pos++;
  }

  /** True when only blanks are left (fscanf would return EOF before its first conversion). */
  atEnd(): boolean {
    this.skipSpace();
    return this.pos >= this.text.length;
  }

  private take(pattern: RegExp): string | null {
    this.skipSpace();
    const match = pattern.exec(this.text.slice(this.pos));
    if (match === null || match[0] === '') return null;
    this.pos += match[0].length;
    return match[0];
  }

  /** `%s` */
  word(): string | null {
    return this.take(/^\S+/);
  }

  /** `%x`-family, as an unsigned value of `bits` bits (strtoul wraps a minus sign). */
  hex(bits: number): bigint | null {
    const text = this.take(/^[+-]?(0[xX](?=[0-9a-fA-F]))?[0-9a-fA-F]+/);
    if (text === null) return null;
    const negative = text.startsWith('-');
    const digits = text.replace(/^[+-]/, '').replace(/^0[xX]/, '');
    const value = BigInt(`0x${digits}`);
    return BigInt.asUintN(bits, negative ? -value : value);
  }

  /** `%d`-family, as a signed value of `bits` bits. */
  signed(bits: number): bigint | null {
    const text = this.take(/^[+-]?[0-9]+/);
    return text === null ? null : BigInt.asIntN(bits, BigInt(text));
  }

  /** `%lu` (a minus sign wraps, as strtoul does). */
  unsigned(): bigint | null {
    const text = this.take(/^[+-]?[0-9]+/);
    return text === null ? null : BigInt.asUintN(64, BigInt(text));
  }

  /** A literal character of the format (no blank skipping: `%x:%x`). */
  literal(char: string): boolean {
    if (this.text[this.pos] !== char) return false;
    this.pos++;
    return true;
  }
}

/** The dotted text of a 32-bit address read as one big-endian hex number (`7F000001`). */
function hexAddress(value: bigint): string {
  const n = Number(value);
  return [n >>> 24, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff].join('.');
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
  const scan = new StreamScanner(newline < 0 ? '' : content.slice(newline + 1));
  const rows: MasqueradeRow[] = [];
  while (!scan.atEnd()) {
    // Conversions in order; the record is good only if all of them succeed.
    const proto = scan.word();
    const src = proto === null ? null : scan.hex(32);
    const sport = src === null || !scan.literal(':') ? null : scan.hex(16);
    const dst = sport === null ? null : scan.hex(32);
    const dport = dst === null || !scan.literal(':') ? null : scan.hex(16);
    const mport = dport === null ? null : scan.hex(16);
    const initseq = mport === null ? null : scan.hex(64);
    const delta = initseq === null ? null : scan.signed(16);
    const pdelta = delta === null || !hasPreviousDelta ? null : scan.signed(16);
    const expires = delta === null || (hasPreviousDelta && pdelta === null) ? null : scan.unsigned();
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

/** The services database a protocol's ports are named from (net-tools names only TCP and UDP ports here). */
function serviceProtocol(protocol: string): ServiceProtocol | null {
  if (protocol === 'tcp') return 'tcp';
  if (protocol === 'udp' || protocol === 'udplite') return 'udp';
  return null;
}

/** `%5hd` */
function short(value: number): string {
  return String(value).padStart(5);
}

function formatRow(row: MasqueradeRow, extend: boolean, hostNames: ReadonlyMap<string, string | null> | null, ctx: ModeContext): string {
  // Unsigned arithmetic, each part then printed with a signed `%ld`, as in net-tools.
  const minutes = BigInt.asIntN(64, row.expires / 6000n);
  const seconds = BigInt.asIntN(64, (row.expires / 100n) % 60n);
  const hundredths = BigInt.asIntN(64, row.expires % 100n);
  let text = `${row.protocol.padEnd(4)}${String(minutes).padStart(3)}:${String(seconds).padStart(2, '0')}.${String(hundredths).padStart(2, '0')} `;
  if (extend) {
    text += `${String(row.initialSequence).padStart(10)} ${short(row.delta)} `;
    text += row.previousDelta === null ? '    - ' : `${short(row.previousDelta)} `;
  }
  text += `${hostText(row.source, row.family, hostNames, ctx.resolvers).padEnd(20)} `;
  text += `${hostText(row.destination, row.family, hostNames, ctx.resolvers).padEnd(20)} `;
  const services = ctx.options.numericPorts ? null : serviceProtocol(row.protocol);
  // As everywhere in net-tools, port 0 is `*`, named or not.
  const port = (n: number): string =>
    n === 0 ? '*' : ((services === null ? null : ctx.resolvers.services.name(n, services)) ?? String(n));
  text += `${port(row.sourcePort)} -> ${port(row.destinationPort)} (${port(row.masqueradePort)})\n`;
  return text;
}

/** The table for a set of rows; nothing at all when there are none, as in net-tools. */
async function printTable(ctx: ModeContext, rows: MasqueradeRow[]): Promise<void> {
  if (rows.length === 0) return;
  const extend = ctx.options.extend >= 2;
  const hostNames = ctx.options.numericHosts
    ? null
    : await resolveHosts(rows.flatMap((row) => [row.source, row.destination]), ctx.resolvers);
  ctx.out.out(TITLE + (extend ? HEADER_EXTENDED : HEADER));
  for (const row of rows) ctx.out.out(formatRow(row, extend, hostNames, ctx));
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
    await printTable(ctx, rows);
    return 0;
  }
  if (masq.code === 'EISDIR') {
    // fopen() succeeds on a directory; net-tools' first fgets() then fails.
    ctx.out.err("masq_info: Internal Error `fgets() failed'.\n");
    return 255;
  }
  if (masq.code !== 'ENOENT') {
    ctx.out.err(`/proc/net/ip_masquerade: ${strerror(masq.code)}\n`);
    return 255;
  }

  const conntrack = readProcText('net/nf_conntrack', ctx.procRoot);
  if (!conntrack.ok) {
    if (conntrack.code === 'ENOENT') {
      ctx.out.err("netstat: no support for `ip_masquerade' on this system.\n");
      return 1;
    }
    ctx.out.err(`/proc/net/nf_conntrack: ${strerror(conntrack.code)}\n`);
    return 255;
  }
  await printTable(ctx, parseConntrack(conntrack.text).filter(isNatted).map(conntrackRow));
  return 0;
};
