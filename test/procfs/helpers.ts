/**
 * Shared test helpers: fixture paths, and running the reference net-tools
 * `netstat` over a fixture tree mounted as /proc in a private mount namespace
 * (the differential oracle; needs root and `unshare`).
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';

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
