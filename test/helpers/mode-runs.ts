/**
 * Test helpers for the modes: run a mode's pass in-process and keep what it
 * writes, and run net-tools over the same fixture tree mounted on /proc in a
 * private mount namespace, so both read identical files.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseArgs } from '../../src/cli/args';
import { Output } from '../../src/cli/output';
import type { ModeContext, ModePass } from '../../src/modes/context';
import { createResolvers, type Resolvers } from '../../src/resolve';

/** The reference program every differential test compares against. */
export const ORACLE = '/usr/bin/netstat';

/** What a run printed and returned. */
export interface Run {
  stdout: string;
  stderr: string;
  status: number;
}

/** An Output that collects stdout and stderr text. */
export class CapturedOutput extends Output {
  stdout = '';
  stderr = '';
  override out(text: string): void {
    this.stdout += text;
  }
  override bytes(chunk: Uint8Array): void {
    this.stdout += Buffer.from(chunk).toString('latin1');
  }
  override err(text: string): void {
    this.stderr += text;
  }
  override flush(): void {}
}

/** A mode context over `procRoot` for netstat's `args`, writing into a CapturedOutput. */
export function captureContext(
  procRoot: string,
  args: string[],
  resolvers: Resolvers = createResolvers(),
  pass = 0,
): ModeContext & { out: CapturedOutput } {
  const parsed = parseArgs(args, 'netstat', {});
  if (parsed.kind !== 'run') throw new Error(`arguments rejected: ${args.join(' ')}`);
  return { options: parsed.options, out: new CapturedOutput(), resolvers, procRoot, pass };
}

/** One pass of a mode over `procRoot`, as a Run. */
export async function runPass(pass: ModePass, procRoot: string, args: string[]): Promise<Run> {
  const ctx = captureContext(procRoot, args);
  const status = await pass(ctx);
  return { stdout: ctx.out.stdout, stderr: ctx.out.stderr, status };
}

/** Why net-tools cannot be run over a fixture tree here, or null when it can. */
export function oracleUnavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(ORACLE)) return `${ORACLE} is missing`;
  if (spawnSync('unshare', ['-m', '--propagation', 'private', 'true']).status !== 0) return 'unshare -m does not work here';
  return null;
}

/** net-tools with `tree` mounted over /proc (a private mount namespace), optionally as nobody. */
export function runOracle(tree: string, args: string[], user: 'root' | 'nobody' = 'root'): Run {
  const drop = user === 'nobody' ? 'setpriv --reuid=65534 --regid=65534 --clear-groups' : '';
  const script = `mount -t tmpfs none /proc && cp -a "$0"/. /proc/ && exec ${drop} ${ORACLE} "$@"`;
  const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, tree, ...args], {
    encoding: 'latin1',
    env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    timeout: 30_000,
  });
  return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
}

/** One shell word, whatever bytes it holds. */
function shellWord(text: string): string {
  return `'${text.replace(/'/g, `'\\''`)}'`;
}

/**
 * net-tools once per argument list over one copy of `tree` on /proc: one
 * mount namespace for all of them (the runs only read the tree), so checking
 * several options per generated tree starts one namespace, not one per run.
 * Each run's output goes to files, so stdout and stderr stay apart as with
 * runOracle.
 */
export function runOracleEach(tree: string, argLists: string[][]): Run[] {
  const out = mkdtempSync(path.join(os.tmpdir(), 'netstat-oracle-'));
  try {
    const runs = argLists.map((args, i) => `${ORACLE} ${args.map(shellWord).join(' ')} >"$1/${i}.out" 2>"$1/${i}.err"; echo $? >"$1/${i}.status"`);
    const script = ['mount -t tmpfs none /proc && cp -a "$0"/. /proc/ || exit 1', ...runs].join('\n');
    const result = spawnSync('unshare', ['-m', '--propagation', 'private', 'sh', '-c', script, tree, out], {
      encoding: 'latin1',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
      timeout: 30_000,
    });
    if (result.status !== 0) throw new Error(`net-tools runs over ${tree} failed: ${result.stderr}`);
    const read = (name: string) => readFileSync(path.join(out, name), 'latin1');
    return argLists.map((_, i) => ({ stdout: read(`${i}.out`), stderr: read(`${i}.err`), status: Number(read(`${i}.status`)) }));
  } finally {
    rmSync(out, { recursive: true, force: true });
  }
}
