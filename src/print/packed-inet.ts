/**
 * The Internet listing's rows written straight from the engine's packed
 * dumps into bytes: the text `InetRowFormatter.row()` (`sockets.ts`) makes
 * for the records `inetRows()` (`backends/netlink.ts`) would build, without
 * an object or a string per row. A 200k-row `netstat -tan` is then one loop
 * over a `Uint32Array` writing into one reused buffer.
 *
 * Texts that repeat across rows are made once and kept as bytes: host texts
 * per address index of a dump (the dump already interns its addresses), port
 * texts per protocol and port, state columns per protocol and state. Numbers
 * are written digit by digit. Every rule of the text itself (state names,
 * the 23-column endpoint cut, the timer column, the signed uid) comes from
 * `sockets.ts` and `address.ts`, and every rule of the mapping (the
 * listener's Send-Q, RAW's remote port, the timer counters, which rows are
 * kept) from `backends/netlink.ts`: this file only decides where bytes go.
 *
 * Host names must be resolved before (`resolveHosts`), as for the string
 * formatter; nothing here waits.
 */
import { inetRemotePort, inetSendQueue, inetTimer, packedInetKeep } from '../backends/netlink';
import type { SocketFilter } from '../filter';
import type { InetFamily, InetProtocol } from '../model';
import { INET_STRIDE, InetField, type PackedInet } from '../native';
import type { Resolvers } from '../resolve';
import { hostText, portText } from './address';
import { ByteTexts } from './byte-texts';
import { type Columns, PROTO_COLUMN, endpointColumn, stateColumn, timerText, userText } from './sockets';

/**
 * Receives the written bytes. The chunk is a view of the writer's own
 * buffer, which is reused once the sink returns: write it out (or copy it)
 * before returning.
 */
export type ChunkSink = (chunk: Buffer) => void;

export interface PackedInetOptions {
  columns: Columns;
  /** From `resolveHosts` over the addresses of the rows that will print; null when numeric. */
  hostNames: ReadonlyMap<string, string | null> | null;
  resolvers: Resolvers;
  /**
   * The `-p` column's text for a socket inode, unpadded (`programLabel` of
   * its owners: `PID/program` cut to 19, or `-`). Needed when
   * `columns.programs` is set.
   */
  ownerLabel?: (inode: number) => string;
}

/** 64 KiB chunks: a 200k-row listing is a few hundred writes. */
const CHUNK_SIZE = 1 << 16;
/**
 * Room a row needs besides its variable texts (proto 6, two queues of up
 * to 10 digits, two endpoints of at least 23, state 11, User and Inode
 * fields of at least 10, PID/Program at least 20, separators, newline): 133.
 */
const ROW_BASE = 160;
/** States the state-column cache holds (the kernel's are below 16; larger ones are made per row). */
const STATE_SLOTS = 256;
const SPACE = 0x20;
const COLON = 0x3a;
const NEWLINE = 0x0a;

/**
 * The addresses of the rows a filter keeps, for `resolveHosts`: net-tools
 * looks up only the hosts it prints (a `-l` listing of a busy server asks
 * for its few listeners, not for every peer in the dump).
 */
export function keptAddresses(packed: PackedInet, protocol: InetProtocol, filter: SocketFilter): Set<string> {
  const f = packed.fields;
  const keep = packedInetKeep(packed, protocol, filter);
  const seen = new Uint8Array(packed.addresses.length);
  for (let o = 0; o < f.length; o += INET_STRIDE) {
    if (keep !== undefined && !keep(o)) continue;
    seen[f[o + InetField.LocalAddress]!] = 1;
    seen[f[o + InetField.RemoteAddress]!] = 1;
  }
  const addresses = new Set<string>();
  for (let i = 0; i < seen.length; i++) if (seen[i] === 1) addresses.add(packed.addresses[i]!);
  return addresses;
}

/**
 * Writes Internet rows for one listing. Host texts (per family and address)
 * and port, state and user texts are kept for the whole listing, across
 * tables and `-c` passes, as `InetRowFormatter` keeps them.
 */
export class PackedInetWriter {
  private buf: Buffer;
  private pos = 0;
  private readonly hostCache: Record<InetFamily, Map<string, string>> = { inet: new Map(), inet6: new Map() };
  private readonly portCache = new Map<InetProtocol, ByteTexts>();
  private readonly stateCache = new Map<InetProtocol, ByteTexts>();
  private readonly userCache = new Map<number, string>();
  private lastAddresses: readonly string[] | undefined;
  private lastFamily: InetFamily | undefined;
  private lastHosts: ByteTexts | undefined;

  constructor(
    private readonly options: PackedInetOptions,
    private readonly sink: ChunkSink,
    chunkSize = CHUNK_SIZE,
  ) {
    this.buf = Buffer.allocUnsafe(Math.max(chunkSize, ROW_BASE));
    if (options.columns.programs && options.ownerLabel === undefined) throw new TypeError('ownerLabel is needed for the -p column');
  }

  /** Append text (one byte per char), e.g. a section header, in order with the rows. */
  text(text: string): void {
    if (this.pos + text.length > this.buf.length) this.makeRoom(text.length);
    this.pos = putText(this.buf, this.pos, text);
  }

  /** Hand everything written so far to the sink. */
  flush(): void {
    if (this.pos === 0) return;
    const chunk = this.buf.subarray(0, this.pos);
    this.pos = 0;
    this.sink(chunk);
  }

  /**
   * Append the rows of one dump (one protocol and family) that the filter
   * keeps — net-tools' selection for a listing: `{ selection }` — in kernel
   * order. Returns how many rows were written.
   */
  table(packed: PackedInet, protocol: InetProtocol, family: InetFamily, filter: SocketFilter = { selection: 'all' }): number {
    const f = packed.fields;
    const keep = packedInetKeep(packed, protocol, filter);
    const { extended, programs, timers, wide } = this.options.columns;
    const ownerLabel = this.options.ownerLabel;
    const hosts = this.hostTexts(packed, family);
    const ports = this.portTexts(protocol);
    const states = this.stateTexts(protocol);
    const proto = PROTO_COLUMN[protocol][family === 'inet6' ? 1 : 0];
    const isTcp = protocol === 'tcp';
    const isRaw = protocol === 'raw';
    let rows = 0;
    for (let o = 0; o < f.length; o += INET_STRIDE) {
      if (keep !== undefined && !keep(o)) continue;
      rows++;
      const local = f[o + InetField.LocalAddress]!;
      const remote = f[o + InetField.RemoteAddress]!;
      const portPair = f[o + InetField.Ports]!;
      const localPort = portPair >>> 16;
      const remotePort = inetRemotePort(portPair, isRaw);
      const state = f[o + InetField.State]!;
      const inode = f[o + InetField.Inode]!;
      if (hosts.start[local]! < 0) hosts.set(local, this.host(packed.addresses[local]!, family));
      if (hosts.start[remote]! < 0) hosts.set(remote, this.host(packed.addresses[remote]!, family));
      if (ports.start[localPort]! < 0) ports.set(localPort, this.port(localPort, protocol));
      if (ports.start[remotePort]! < 0) ports.set(remotePort, this.port(remotePort, protocol));
      const stateSlot = state < STATE_SLOTS ? state : -1;
      if (stateSlot >= 0 && states.start[stateSlot]! < 0) states.set(stateSlot, stateColumn(protocol, state));
      const stateText = stateSlot < 0 ? stateColumn(protocol, state) : '';
      const user = extended ? this.user(f[o + InetField.Uid]!) : '';
      const label = programs ? ownerLabel!(inode) : '';
      const timer = timers ? timerText(protocol, inetTimer(f, o, isTcp)) : '';

      const room =
        ROW_BASE +
        hosts.length[local]! +
        ports.length[localPort]! +
        hosts.length[remote]! +
        ports.length[remotePort]! +
        stateText.length +
        user.length +
        label.length +
        timer.length;
      if (this.pos + room > this.buf.length) this.makeRoom(room);
      const b = this.buf;
      let pos = putText(b, this.pos, proto);
      pos = putRight6(b, pos, f[o + InetField.RecvQueue]!);
      b[pos++] = SPACE;
      pos = putRight6(b, pos, inetSendQueue(f, o, isTcp));
      b[pos++] = SPACE;
      pos = putEndpoint(b, pos, hosts, local, ports, localPort, wide);
      b[pos++] = SPACE;
      pos = putEndpoint(b, pos, hosts, remote, ports, remotePort, wide);
      b[pos++] = SPACE;
      pos = stateSlot < 0 ? putText(b, pos, stateText) : putSlot(b, pos, states, stateSlot);
      if (extended) {
        b[pos++] = SPACE;
        pos = putPadded(b, pos, user, 10);
        b[pos++] = SPACE;
        pos = putLeft10(b, pos, inode);
      }
      if (programs) {
        b[pos++] = SPACE;
        pos = putPadded(b, pos, label, 20);
      }
      if (timers) {
        b[pos++] = SPACE;
        pos = putText(b, pos, timer);
      }
      b[pos++] = NEWLINE;
      this.pos = pos;
    }
    return rows;
  }

  /** Flush, and make sure the buffer holds at least `room` bytes. */
  private makeRoom(room: number): void {
    this.flush();
    if (room > this.buf.length) this.buf = Buffer.allocUnsafe(Math.max(room, this.buf.length * 2));
  }

  private host(address: string, family: InetFamily): string {
    const cache = this.hostCache[family];
    let text = cache.get(address);
    if (text === undefined) {
      text = hostText(address, family, this.options.hostNames, this.options.resolvers);
      cache.set(address, text);
    }
    return text;
  }

  private port(port: number, protocol: InetProtocol): string {
    return portText(port, protocol, this.options.columns.numericPorts, this.options.resolvers);
  }

  private user(uid: number): string {
    let text = this.userCache.get(uid);
    if (text === undefined) {
      text = userText(uid, this.options.columns.numericUsers, this.options.resolvers);
      this.userCache.set(uid, text);
    }
    return text;
  }

  /**
   * Host texts per address index of a dump. The batches of a streamed dump
   * share one growing address array (each address sent once), so its texts
   * are kept from batch to batch while that array is the one given.
   */
  private hostTexts(packed: PackedInet, family: InetFamily): ByteTexts {
    if (this.lastAddresses !== packed.addresses || this.lastFamily !== family || this.lastHosts === undefined) {
      this.lastAddresses = packed.addresses;
      this.lastFamily = family;
      this.lastHosts = new ByteTexts(packed.addresses.length);
    } else {
      this.lastHosts.ensureSlots(packed.addresses.length);
    }
    return this.lastHosts;
  }

  private portTexts(protocol: InetProtocol): ByteTexts {
    let texts = this.portCache.get(protocol);
    if (texts === undefined) {
      texts = new ByteTexts(65536);
      this.portCache.set(protocol, texts);
    }
    return texts;
  }

  private stateTexts(protocol: InetProtocol): ByteTexts {
    let texts = this.stateCache.get(protocol);
    if (texts === undefined) {
      texts = new ByteTexts(STATE_SLOTS);
      this.stateCache.set(protocol, texts);
    }
    return texts;
  }
}

/** Write a string's chars as bytes (the printer's strings hold one byte per char). */
function putText(b: Buffer, pos: number, text: string): number {
  const n = text.length;
  for (let i = 0; i < n; i++) b[pos + i] = text.charCodeAt(i);
  return pos + n;
}

/** `%-Ns`: the text, then blanks up to `width`. */
function putPadded(b: Buffer, pos: number, text: string, width: number): number {
  pos = putText(b, pos, text);
  for (let k = text.length; k < width; k++) b[pos++] = SPACE;
  return pos;
}

function putSlot(b: Buffer, pos: number, texts: ByteTexts, slot: number): number {
  const bytes = texts.bytes;
  const start = texts.start[slot]!;
  const n = texts.length[slot]!;
  for (let i = 0; i < n; i++) b[pos + i] = bytes[start + i]!;
  return pos + n;
}

/** `address:port` padded to 23 columns; longer ones go through the shared cut rule. */
function putEndpoint(b: Buffer, pos: number, hosts: ByteTexts, host: number, ports: ByteTexts, port: number, wide: boolean): number {
  const hostLength = hosts.length[host]!;
  const portLength = ports.length[port]!;
  if (hostLength + portLength >= 23) return putText(b, pos, endpointColumn(hosts.text[host]!, ports.text[port]!, wide));
  pos = putSlot(b, pos, hosts, host);
  b[pos++] = COLON;
  pos = putSlot(b, pos, ports, port);
  for (let k = hostLength + portLength; k < 22; k++) b[pos++] = SPACE;
  return pos;
}

/** Decimal digits of an unsigned 32-bit value. */
function digitCount(v: number): number {
  if (v < 10) return 1;
  if (v < 100) return 2;
  if (v < 1000) return 3;
  if (v < 10000) return 4;
  if (v < 100000) return 5;
  if (v < 1000000) return 6;
  if (v < 10000000) return 7;
  if (v < 100000000) return 8;
  if (v < 1000000000) return 9;
  return 10;
}

function putDigits(b: Buffer, pos: number, v: number, digits: number): number {
  let i = pos + digits;
  do {
    const q = Math.floor(v / 10);
    b[--i] = 0x30 + v - q * 10;
    v = q;
  } while (v !== 0);
  return pos + digits;
}

/** `%6lu`: a queue figure right-aligned in 6 columns. */
function putRight6(b: Buffer, pos: number, v: number): number {
  const digits = digitCount(v);
  for (let k = digits; k < 6; k++) b[pos++] = SPACE;
  return putDigits(b, pos, v, digits);
}

/** `%-10lu`: the inode, left-aligned in 10 columns. */
function putLeft10(b: Buffer, pos: number, v: number): number {
  const digits = digitCount(v);
  pos = putDigits(b, pos, v, digits);
  for (let k = digits; k < 10; k++) b[pos++] = SPACE;
  return pos;
}
