/**
 * The socket listing's text, column for column as net-tools 2.10 prints it
 * (spec §2.1, §2.2, §2.7–§2.10, §2.13). Everything here is synchronous and
 * pure: names are resolved beforehand (see `address.ts`).
 */
import {
  TCP_STATE_NAMES,
  UNIX_FLAG_ACCEPTCON,
  UNIX_FLAG_NOSPACE,
  UNIX_FLAG_WAITDATA,
  UnixState,
  type InetProtocol,
  type InetSocket,
  type ProcessRef,
  type SocketTimer,
  type UnixSocket,
} from '../model';
import { LineScanner } from '../procfs/line-scanner';
import type { Resolvers } from '../resolve';
import type { Selection } from '../filter';
import { endpointField, kernelBytes, hostText, portText } from './address';

/** The columns a listing shows, from the options. */
export interface Columns {
  /** `-e` given at least once more than the default (User, Inode). */
  extended: boolean;
  programs: boolean;
  timers: boolean;
  wide: boolean;
  numericHosts: boolean;
  numericPorts: boolean;
  numericUsers: boolean;
}


const SELECTION_TEXT: Record<Selection, string> = {
  all: '(servers and established)',
  listening: '(only servers)',
  connected: '(w/o servers)',
};

/** `Active Internet connections …` and the column header line. */
export function internetHeader(selection: Selection, columns: Columns): string {
  let text = `Active Internet connections ${SELECTION_TEXT[selection]}\n`;
  text += 'Proto Recv-Q Send-Q Local Address           Foreign Address         State      ';
  if (columns.extended) text += ' User       Inode     ';
  if (columns.programs) text += ' PID/Program name    ';
  if (columns.timers) text += ' Timer';
  return text + '\n';
}

/** `Active UNIX domain sockets …` and its column header line. */
export function unixHeader(selection: Selection, columns: Columns): string {
  return (
    `Active UNIX domain sockets ${SELECTION_TEXT[selection]}\n` +
    'Proto RefCnt Flags       Type       State         I-Node  ' +
    (columns.programs ? ' PID/Program name    ' : '') +
    ' Path\n'
  );
}

/** `PID/program` cut to 19 characters, or `-`: the `-p` column. */
export function programLabel(owners: readonly ProcessRef[] | undefined): string {
  const first = owners?.[0];
  return first === undefined ? '-' : `${first.pid}/${kernelBytes(first.program, first.programBase64)}`.slice(0, 19);
}

/** Proto column with its separator (`%-4s  ` / `%-5s `), by protocol then [IPv4, IPv6]. */
export const PROTO_COLUMN: Record<InetProtocol, readonly [string, string]> = {
  tcp: ['tcp   ', 'tcp6  '],
  udp: ['udp   ', 'udp6  '],
  udplite: ['udpl  ', 'udpl6 '],
  raw: ['raw   ', 'raw6  '],
};

/** State column text, padded to 11 (`%-11s`; RAW prints the number, `%-11d`). */
export function stateColumn(protocol: InetProtocol, state: number): string {
  switch (protocol) {
    case 'tcp':
      return TCP_STATE_COLUMN[state] ?? ''.padEnd(11);
    case 'raw':
      return String(state).padEnd(11);
    default:
      return state === 1 ? 'ESTABLISHED' : state === 7 ? BLANK_STATE : 'UNKNOWN    ';
  }
}
const TCP_STATE_COLUMN = TCP_STATE_NAMES.map((name) => name.padEnd(11));
const BLANK_STATE = ''.padEnd(11);

/** The `-o` column (spec §2.10). */
export function timerText(protocol: InetProtocol, timer: SocketTimer): string {
  const { kind, expiresMs, retransmits, probes } = timer;
  const seconds = (Math.round(expiresMs / 10) / 100).toFixed(2);
  if (protocol === 'tcp') {
    switch (kind) {
      case 0: return `off (0.00/${retransmits}/${probes})`;
      case 1: return `on (${seconds}/${retransmits}/${probes})`;
      case 2: return `keepalive (${seconds}/${retransmits}/${probes})`;
      case 3: return `timewait (${seconds}/${retransmits}/${probes})`;
      case 4: return `probe (${seconds}/${retransmits}/${probes})`;
      default: return `unkn-${kind} (${seconds}/${retransmits}/${probes})`;
    }
  }
  // UDP and UDP-Lite: net-tools prints 0 retransmissions; RAW: the column's value
  // (the kernel writes 0 there; a differential property test saw the difference).
  const retries = protocol === 'raw' ? retransmits : 0;
  switch (kind) {
    case 0: return `off (0.00/${retries}/${probes})`;
    case 1: return `on1 (${seconds}/${retries}/${probes})`;
    case 2: return `on2 (${seconds}/${retries}/${probes})`;
    default: return `unkn-${kind} (${seconds}/${retries}/${probes})`;
  }
}

const SPACES = ' '.repeat(32);

/** The `-e` User column's text (unpadded): the user name, or the uid as net-tools prints it. */
export function userText(uid: number, numericUsers: boolean, resolvers: Resolvers): string {
  const user = numericUsers ? null : resolvers.users.name(uid);
  // net-tools prints the uid as a signed int: 2^31 and above come out negative.
  return user ?? String(uid | 0);
}

/** `address:port` padded to 23 columns (`%-23s`), cut as net-tools cuts it. */
export function endpointColumn(host: string, port: string, wide: boolean): string {
  const length = host.length + port.length + 1;
  if (length <= 23) return host + ':' + port + SPACES.substring(0, 23 - length);
  return endpointField(host, port, wide);
}

/** A queue figure right-aligned in 6 columns (`%6lu`). */
function queueColumn(value: number): string {
  const text = String(value);
  return text.length >= 6 ? text : SPACES.substring(0, 6 - text.length) + text;
}

/**
 * Formats Internet rows for one listing. Host and port texts repeat across
 * rows (a busy server has few addresses and many sockets per port), so they
 * are computed once per listing: a 200k-row `netstat -tan` is mostly cache
 * hits and string concatenation.
 */
export class InetRowFormatter {
  /** Host texts by address, one map per family (the same text means the same address in both). */
  private readonly hostCache = { inet: new Map<string, string>(), inet6: new Map<string, string>() };
  private readonly portCache = new Map<string, Array<string | undefined>>();

  /** `hostNames` comes from `resolveHosts` (null when numeric). */
  constructor(
    private readonly columns: Columns,
    private readonly hostNames: ReadonlyMap<string, string | null> | null,
    private readonly resolvers: Resolvers,
  ) {}

  private host(address: string, family: InetSocket['family']): string {
    const cache = this.hostCache[family];
    let text = cache.get(address);
    if (text === undefined) {
      text = hostText(address, family, this.hostNames, this.resolvers);
      cache.set(address, text);
    }
    return text;
  }

  private port(port: number, protocol: InetSocket['protocol']): string {
    let texts = this.portCache.get(protocol);
    if (texts === undefined) {
      texts = [];
      this.portCache.set(protocol, texts);
    }
    let text = texts[port];
    if (text === undefined) {
      text = portText(port, protocol, this.columns.numericPorts, this.resolvers);
      texts[port] = text;
    }
    return text;
  }

  /** One Internet row, newline included. */
  row(socket: InetSocket): string {
    const columns = this.columns;
    const local = endpointColumn(this.host(socket.localAddress, socket.family), this.port(socket.localPort, socket.protocol), columns.wide);
    const remote = endpointColumn(this.host(socket.remoteAddress, socket.family), this.port(socket.remotePort, socket.protocol), columns.wide);
    let row =
      PROTO_COLUMN[socket.protocol][socket.family === 'inet6' ? 1 : 0] +
      queueColumn(socket.recvQueue) +
      ' ' +
      queueColumn(socket.sendQueue) +
      ' ' +
      local +
      ' ' +
      remote +
      ' ' +
      stateColumn(socket.protocol, socket.state);
    if (columns.extended) row += ' ' + userText(socket.uid, columns.numericUsers, this.resolvers).padEnd(10) + ' ' + String(socket.inode).padEnd(10);
    if (columns.programs) row += ' ' + programLabel(socket.owners).padEnd(20);
    if (columns.timers) row += ' ' + timerText(socket.protocol, socket.timer);
    return row + '\n';
  }
}

/** One Internet row (a convenience over {@link InetRowFormatter} for single rows). */
export function inetRow(
  socket: InetSocket,
  columns: Columns,
  hostNames: ReadonlyMap<string, string | null> | null,
  resolvers: Resolvers,
): string {
  return new InetRowFormatter(columns, hostNames, resolvers).row(socket);
}

const UNIX_TYPES = ['', 'STREAM', 'DGRAM', 'RAW', 'RDM', 'SEQPACKET'];

function unixStateText(socket: UnixSocket): string {
  switch (socket.state) {
    case UnixState.FREE: return 'FREE';
    case UnixState.UNCONNECTED: return (socket.flags & UNIX_FLAG_ACCEPTCON) !== 0 ? 'LISTENING' : '';
    case UnixState.CONNECTING: return 'CONNECTING';
    case UnixState.CONNECTED: return 'CONNECTED';
    case UnixState.DISCONNECTING: return 'DISCONNECTING';
    default: return 'UNKNOWN';
  }
}

function unixFlagsText(flags: number): string {
  let text = '[ ';
  if (flags & UNIX_FLAG_ACCEPTCON) text += 'ACC ';
  if (flags & UNIX_FLAG_WAITDATA) text += 'W ';
  if (flags & UNIX_FLAG_NOSPACE) text += 'N ';
  return text + ']';
}

/**
 * net-tools reads the path with `%s` from a C string: blanks before it are
 * skipped, it ends at the next blank, and a NUL byte ends everything (the
 * kernel writes neither, but a differential property test feeds both).
 */
function unixPathText(socket: UnixSocket): string {
  const path = Buffer.from(kernelBytes(socket.path, socket.pathBase64), 'latin1');
  const nul = path.indexOf(0);
  const scan = new LineScanner(path);
  scan.setLine(0, nul < 0 ? path.length : nul);
  return scan.word() ? scan.text() : '';
}

/** One UNIX row. */
export function unixRow(socket: UnixSocket, columns: Columns): string {
  let row =
    (socket.protocol === 0 ? 'unix' : '??').padEnd(5) +
    ' ' +
    String(socket.refCount).padEnd(6) +
    ' ' +
    unixFlagsText(socket.flags).padEnd(11) +
    ' ' +
    (UNIX_TYPES[socket.type] || 'UNKNOWN').padEnd(10) +
    ' ' +
    unixStateText(socket).padEnd(13) +
    ' ' +
    String(socket.inode).padEnd(8);
  if (columns.programs) row += ' ' + programLabel(socket.owners).padEnd(20);
  return row + ' ' + unixPathText(socket) + '\n';
}
