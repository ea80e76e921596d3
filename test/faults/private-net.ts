/**
 * Test support: run a batch of commands in one private network + mount + PID
 * namespace holding a fixed set of sockets (private-net.py), so net-tools
 * and the candidate, each with and without a fault, read the same tables.
 *
 * Sockets held: TCP 127.0.0.1:7101 (listener, one connection), TCP ::1:7102,
 * UDP 127.0.0.1:7103, raw ICMP and ICMPv6, UNIX @faults-root (listener and a
 * connection), all by root (PID 1); TCP 127.0.0.1:7104 and UNIX
 * @faults-nobody by a uid-65534 child.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { namespaceUnavailable } from '../helpers/netns-fixture';

export const REPO = path.resolve(__dirname, '..', '..');
export const CLI = path.join(REPO, 'dist', 'cli.js');
export const REFERENCE = '/usr/bin/netstat';
const RUNNER = path.join(__dirname, 'private-net.py');

export interface Command {
  argv: string[];
  /** Overrides; null unsets. */
  env?: Record<string, string | null>;
}

export interface Outcome {
  status: number;
  stdout: string;
  stderr: string;
}

/** Why these namespaces cannot be made here, or undefined when they can. */
export function privateNetUnavailable(): string | undefined {
  const reason = namespaceUnavailable();
  if (reason !== undefined) return reason;
  if (!existsSync(REFERENCE)) return `reference ${REFERENCE} is not installed`;
  if (!existsSync(CLI)) return 'dist/ not built (npm run build)';
  const probe = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', 'true']);
  if (probe.status !== 0) return `unshare --net --mount --pid refused: ${probe.stderr?.toString().trim()}`;
  return undefined;
}

/** Runs every command, in order, in one fresh namespace (hidepid: /proc remounted with that option). */
export function runInPrivateNet(commands: Command[], options: { hidepid?: 1 | 2 } = {}): Outcome[] {
  const spec = JSON.stringify({ hidepid: options.hidepid ?? 0, commands });
  const result = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', 'python3', RUNNER, spec], {
    encoding: 'utf8',
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  if (result.status !== 0) throw new Error(`private-net.py failed (${result.error?.message ?? `status ${String(result.status)}`}): ${result.stderr}`);
  return JSON.parse(result.stdout) as Outcome[];
}

/** `node dist/cli.js ARGS`. */
export function candidate(args: string[]): string[] {
  return [process.execPath, CLI, ...args];
}

/** `setpriv` prefix that runs a command as uid/gid 65534. */
export const AS_NOBODY = ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'];

/** {@link runInPrivateNet} over named commands: the outcomes by the same names. */
export function runNamed(commands: Record<string, Command>, options: { hidepid?: 1 | 2 } = {}): Record<string, Outcome> {
  const names = Object.keys(commands);
  const outcomes = runInPrivateNet(
    names.map((name) => commands[name]!),
    options,
  );
  return Object.fromEntries(names.map((name, i) => [name, outcomes[i]!]));
}

/** `node library-report.js MODE QUERY` (see that file). */
export function library(mode: 'list' | 'count' | 'watch', query: object = {}): string[] {
  return [process.execPath, path.join(__dirname, 'library-report.js'), mode, JSON.stringify(query)];
}

/** The JSON line a library-report.js run printed. */
export function report(outcome: Outcome): Record<string, unknown> {
  if (outcome.status !== 0 || outcome.stderr !== '') throw new Error(`library-report.js failed (status ${outcome.status}): ${outcome.stderr}`);
  return JSON.parse(outcome.stdout) as Record<string, unknown>;
}
