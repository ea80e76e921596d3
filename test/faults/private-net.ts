/**
 * Test support: run a batch of commands in one private network + mount + PID namespace
 * holding a fixed set of sockets (test/scenario/faults.py, held by the namespace's PID 1, the
 * batch runner), so net-tools and the candidate, each with and without a fault, read the same
 * tables.
 *
 * Sockets held: TCP 127.0.0.1:7101 (listener, one connection), TCP ::1:7102,
 * UDP 127.0.0.1:7103, raw ICMP and ICMPv6, UNIX @faults-root (listener and a
 * connection), all by root (PID 1); TCP 127.0.0.1:7104 and UNIX
 * @faults-nobody by a uid-65534 child.
 */
import * as path from 'node:path';
import { asRun, runBatch } from '../harness/batch';
import type { Run } from '../harness/commands';
import { unavailable } from '../harness/needs';
import { CLI, ORACLE } from '../harness/paths';

export { AS_NOBODY } from '../harness/commands';
export { CLI, ORACLE as REFERENCE };

export interface Command {
  argv: string[];
  /** Overrides; null unsets. */
  env?: Record<string, string | null>;
}

export type Outcome = Run;

/** Why these namespaces cannot be made here, or undefined when they can. */
export function privateNetUnavailable(): string | undefined {
  return unavailable({ unshare: ['net', 'mount', 'pid'], commands: ['ip', 'python3'], oracle: true, built: true });
}

/** The caller's environment, in the C locale, with the command's overrides (null: unset). */
function environment(overrides: Record<string, string | null> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, LC_ALL: 'C' };
  for (const [key, value] of Object.entries(overrides)) {
    if (value === null) delete env[key];
    else env[key] = value;
  }
  return env;
}

/** Runs every command, in order, in one fresh namespace (hidepid: /proc mounted with that option). */
export async function runInPrivateNet(commands: Command[], options: { hidepid?: 1 | 2 } = {}): Promise<Outcome[]> {
  const [step] = await runBatch(
    {
      // A proc of this PID namespace (PIDs as its processes see them), with the hidepid option asked for.
      setup: `mount -t proc -o hidepid=${options.hidepid ?? 0} proc /proc`,
      scenario: { name: 'faults' },
      steps: [{ runs: commands.map((command) => ({ argv: command.argv, env: environment(command.env), timeoutMs: 60_000 })) }],
    },
    { net: true, mount: true, pid: true, loUp: true },
  );
  return step!.runs.map(asRun);
}

/** `node dist/cli.js ARGS`. */
export function candidate(args: string[]): string[] {
  return [process.execPath, CLI, ...args];
}

/** {@link runInPrivateNet} over named commands: the outcomes by the same names. */
export async function runNamed(commands: Record<string, Command>, options: { hidepid?: 1 | 2 } = {}): Promise<Record<string, Outcome>> {
  const names = Object.keys(commands);
  const outcomes = await runInPrivateNet(
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
