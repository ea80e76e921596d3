/**
 * Shared helpers of the /proc reader tests: fixture paths, and just enough of
 * net-tools' row layout to compare records with its output. net-tools itself
 * runs over the trees through test/harness (oracleOverProc).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InetProtocol, UnixSocket } from '../../src/model';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/proc');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

/** Copies a fixture tree to a fresh temporary directory readable by everyone (symlinks kept as links). */
export function copyTree(tree: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'procfs-fixture-'));
  fs.chmodSync(dir, 0o755);
  fs.cpSync(tree, dir, { recursive: true, verbatimSymlinks: true });
  return dir;
}

/** The data rows of netstat's Internet section, split into columns on blanks. */
export function inetRows(stdout: string): string[][] {
  return stdout
    .split('\n')
    .filter((line) => /^(tcp|udp|udpl|raw)6? /.test(line))
    .map((line) => line.trim().split(/ +/));
}

/*
 * Just enough of net-tools' row layout to compare our records with its output
 * (spec §2.5, §2.6, §2.13); the real printer lives elsewhere.
 */

/** `address:port` as `netstat -n` prints it without -W. */
export function netstatEndpoint(address: string, port: number): string {
  const a = address.startsWith('::ffff:') && address.includes('.') ? address.slice('::ffff:'.length) : address;
  const p = port === 0 ? '*' : String(port);
  if (a.length + p.length <= 22) return `${a}:${p}`;
  const portLength = Math.min(p.length, 18);
  return `${a.slice(0, 22 - portLength)}:${p.slice(0, portLength)}`;
}

export const PROTO_COLUMN: Record<InetProtocol, string> = { tcp: 'tcp', udp: 'udp', udplite: 'udpl', raw: 'raw' };

const UNIX_TYPES = ['UNKNOWN', 'STREAM', 'DGRAM', 'RAW', 'RDM', 'SEQPACKET'];
const UNIX_STATES = ['FREE', 'LISTENING', 'CONNECTING', 'CONNECTED', 'DISCONNECTING'];

/** A UNIX row as `netstat -ax` prints it; with `label`, as `netstat -axp` does. */
export function netstatUnixRow(r: UnixSocket, label?: string): string {
  const flags = `[ ${r.flags & 0x10000 ? 'ACC ' : ''}${r.flags & 0x20000 ? 'W ' : ''}${r.flags & 0x40000 ? 'N ' : ''}]`;
  const type = UNIX_TYPES[r.type] ?? 'UNKNOWN';
  const state = r.state === 1 ? (r.flags & 0x10000 ? 'LISTENING' : '') : (UNIX_STATES[r.state] ?? 'UNKNOWN');
  const pathWord = /^\s*(\S*)/.exec(r.path)![1];
  const program = label === undefined ? '' : ` ${label.padEnd(20)}`;
  return `${(r.protocol === 0 ? 'unix' : '??').padEnd(5)} ${String(r.refCount).padEnd(6)} ${flags.padEnd(11)} ${type.padEnd(10)} ${state.padEnd(13)} ${String(r.inode).padEnd(8)}${program} ${pathWord}`;
}
