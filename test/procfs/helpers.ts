/**
 * Shared test helpers: fixture paths, and running the reference net-tools
 * `netstat` over a fixture tree mounted as /proc in a private mount namespace
 * (the differential oracle; needs root and `unshare`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { InetProtocol, UnixSocket } from '../../src/model';

export const FIXTURES = path.resolve(__dirname, '../../fixtures/proc');

export function fixture(name: string): string {
  return path.join(FIXTURES, name);
}

const REFERENCE_NETSTAT = '/usr/bin/netstat';

/** Why the oracle tests cannot run here, or undefined when they can. */
export function oracleUnavailable(): string | undefined {
  if (process.geteuid?.() !== 0) return 'needs root (mounts a tmpfs over /proc in a private mount namespace)';
  if (!fs.existsSync(REFERENCE_NETSTAT)) return `reference ${REFERENCE_NETSTAT} is not installed`;
  const probe = spawnSync('unshare', ['-m', 'true']);
  if (probe.status !== 0) return `unshare -m does not work here: ${probe.stderr?.toString().trim() ?? probe.error?.message}`;
  return undefined;
}

/** Prints the reason once and returns whether oracle tests should be skipped. */
export function skipOracle(): boolean {
  const reason = oracleUnavailable();
  if (reason !== undefined) console.warn(`skipping net-tools oracle tests: ${reason}`);
  return reason !== undefined;
}

export interface NetstatRun {
  stdout: string;
  stderr: string;
  status: number | null;
}

/**
 * Runs the reference netstat with `tree` copied onto a tmpfs mounted over
 * /proc. `setup` is shell run after the copy (e.g. chmod); `asNobody` runs
 * netstat as uid 65534.
 */
export function netstatOverTree(tree: string, args: string[], options: { setup?: string; asNobody?: boolean } = {}): NetstatRun {
  const quoted = args.map((a) => `'${a}'`).join(' ');
  const run = options.asNobody
    ? `setpriv --reuid=65534 --regid=65534 --clear-groups ${REFERENCE_NETSTAT} ${quoted}`
    : `${REFERENCE_NETSTAT} ${quoted}`;
  const script = `set -e; mount -t tmpfs none /proc; cp -a "$1"/. /proc/; ${options.setup ?? ''}\n${run}`;
  const result = spawnSync('unshare', ['-m', 'sh', '-c', script, 'sh', tree], { encoding: 'utf8', env: { ...process.env, LC_ALL: 'C' } });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status };
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
