/**
 * Parse `/proc/net/nf_conntrack` (kernel `nf_conntrack_standalone.c`,
 * `ct_seq_show`). Each line is:
 *
 *   l3name l3num l4name l4num [timeout] [state] k=v… [packets= bytes=]
 *   [UNREPLIED] k=v… [packets= bytes=] [ASSURED|OFFLOAD|HW_OFFLOAD] mark=… use=…
 *
 * The first tuple (from its `src=`) is the original direction, the second
 * the reply direction. The timeout is absent for offloaded flows. IPv6
 * addresses come in the kernel's full `%pI6` form and are made canonical here.
 */
import { formatIPv6, ipv6FromGroups } from '../inet-text';
import { textLines } from '../procfs/lines';

/** One direction of a connection. Ports are the tuple's ports, ICMP ids or GRE keys; null when the protocol has none. */
export interface ConntrackTuple {
  src: string;
  dst: string;
  sport: number | null;
  dport: number | null;
}

export interface ConntrackEntry {
  family: 'inet' | 'inet6';
  /** The layer-4 protocol name the kernel prints (`tcp`, `udp`, `icmp`, `gre`, `unknown`, …). */
  protocol: string;
  protocolNumber: number;
  /** Seconds until the entry expires; null for offloaded flows, which print none. */
  timeout: number | null;
  /** TCP/SCTP/DCCP state word, if the protocol has one. */
  state: string | null;
  original: ConntrackTuple;
  reply: ConntrackTuple;
}

/** `%pI6` text (eight 4-digit groups) → inet_ntop text; other text is returned as is. */
function canonicalIPv6(text: string): string {
  const bytes = ipv6FromGroups(text.split(':'));
  return bytes === null ? text : formatIPv6(bytes);
}

/** The key=value words of one direction that matter here. */
interface RawTuple {
  src?: string;
  dst?: string;
  sport?: string;
  dport?: string;
  id?: string;
  srckey?: string;
  dstkey?: string;
}

/** Note one key=value word in a tuple (first occurrence wins; other keys are ignored). */
function note(tuple: RawTuple, key: string, value: string): void {
  switch (key) {
    case 'src':
    case 'dst':
    case 'sport':
    case 'dport':
    case 'id':
    case 'srckey':
    case 'dstkey':
      if (tuple[key] === undefined) tuple[key] = value;
  }
}

/** A tuple's "ports": TCP/UDP/SCTP/DCCP ports, else the ICMP echo id (both ways), else GRE keys (0x… hex). */
function ports(raw: RawTuple): [number | null, number | null] | null {
  const pair = raw.sport !== undefined && raw.dport !== undefined ? [raw.sport, raw.dport]
    : raw.id !== undefined ? [raw.id, raw.id]
    : raw.srckey !== undefined && raw.dstkey !== undefined ? [raw.srckey, raw.dstkey]
    : null;
  if (pair === null) return [null, null];
  const a = Number(pair[0]);
  const b = Number(pair[1]);
  return Number.isInteger(a) && Number.isInteger(b) ? [a, b] : null;
}

function tupleFrom(raw: RawTuple, family: 'inet' | 'inet6'): ConntrackTuple | null {
  if (raw.src === undefined || raw.dst === undefined) return null;
  const pair = ports(raw);
  if (pair === null) return null;
  const src = family === 'inet6' ? canonicalIPv6(raw.src) : raw.src;
  const dst = family === 'inet6' ? canonicalIPv6(raw.dst) : raw.dst;
  return { src, dst, sport: pair[0], dport: pair[1] };
}

const DIGITS = /^[0-9]+$/;

/** One line of `/proc/net/nf_conntrack`, or null when it is not in the kernel's format. */
export function parseConntrackLine(line: string): ConntrackEntry | null {
  const words = line.split(' ').filter((w) => w !== '');
  if (words.length < 6) return null;
  const [l3, l3num, l4, l4num] = words;
  if (l3 !== 'ipv4' && l3 !== 'ipv6') return null;
  if (!DIGITS.test(l3num!) || !DIGITS.test(l4num!)) return null;
  const family = l3 === 'ipv4' ? 'inet' : 'inet6';
  let i = 4;
  let timeout: number | null = null;
  if (/^-?[0-9]+$/.test(words[i]!)) timeout = Number(words[i++]);
  let state: string | null = null;
  if (!words[i]!.includes('=') && !words[i]!.startsWith('[')) state = words[i++]!;

  // The key=value words of the two directions: each starts at `src=`. Words
  // before the first one (GRE prints its timeouts as key=value) are skipped.
  const tuples: RawTuple[] = [];
  for (; i < words.length; i++) {
    const word = words[i]!;
    const eq = word.indexOf('=');
    if (eq < 0) continue; // [UNREPLIED], [ASSURED], …
    const key = word.slice(0, eq);
    if (key === 'src') {
      if (tuples.length === 2) break;
      tuples.push({});
    }
    if (tuples.length > 0) note(tuples[tuples.length - 1]!, key, word.slice(eq + 1));
  }
  if (tuples.length !== 2) return null;
  const original = tupleFrom(tuples[0]!, family);
  const reply = tupleFrom(tuples[1]!, family);
  if (original === null || reply === null) return null;
  return { family, protocol: l4!, protocolNumber: Number(l4num), timeout, state, original, reply };
}

/** All entries of the file, in file order; lines not in the kernel's format are left out. */
export function parseConntrack(content: string): ConntrackEntry[] {
  const entries: ConntrackEntry[] = [];
  for (const line of textLines(content)) {
    if (line.trim() === '') continue;
    const entry = parseConntrackLine(line);
    if (entry !== null) entries.push(entry);
  }
  return entries;
}

/** True when the reply tuple is not the mirror of the original: the connection was NAT'd. */
export function isNatted(entry: ConntrackEntry): boolean {
  const { original: o, reply: r } = entry;
  return r.src !== o.dst || r.dst !== o.src || r.sport !== o.dport || r.dport !== o.sport;
}

/** True when the source side was rewritten (SNAT / masquerade): replies go to another address or port. */
export function isSourceNatted(entry: ConntrackEntry): boolean {
  const { original: o, reply: r } = entry;
  return r.dst !== o.src || r.dport !== o.sport;
}
