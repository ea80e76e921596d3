/**
 * Differential test harness: runs net-tools `netstat` (the oracle, /usr/bin/netstat) and this
 * project's CLI side by side on the same cases, inside ONE private namespace
 * (`unshare --net --mount --pid`) that holds the differential scenario (test/scenario/:
 * environment.py's links, routes, groups, private hosts/networks, and differential.py's fixed
 * set of sockets).
 *
 * The namespace is one batch (test/harness/batch.ts) that receives the whole case list and
 * answers with every run's raw output: hundreds of cases cost one scenario set-up. Each case is
 * one step of three runs: reference, candidate, reference again (the second reference run shows
 * what moves by itself), re-run while the kernel's tables change under it.
 *
 * Candidate: `node <repo>/dist/cli.js` by default; NETSTAT_DIFF_CANDIDATE overrides it (a `.js`
 * file runs under this Node, anything else is executed directly -- e.g. /usr/bin/netstat itself,
 * which validates the harness: every case must then pass).
 */
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { type BatchRun, runBatch } from '../harness/batch';
import { unavailable } from '../harness/needs';
import { ORACLE as REFERENCE, REPO } from '../harness/paths';
import { judge, type Mask, type RunResult, type Verdict } from './compare';

export { REFERENCE, REPO };

export interface DiffCase {
  /** netstat's arguments (argv after the program name), the same for both programs. */
  args: string[];
  /** Run both programs as root (default) or as uid/gid 65534. */
  user?: 'root' | 'nobody';
  /** Extra environment, on top of a fixed PATH and the caller's NETSTAT_* settings (passedThrough). */
  env?: Record<string, string>;
  /** What may legitimately differ between two runs (see compare.ts). */
  mask?: Mask[];
  /** 'netstat': run the reference with argv[0] `netstat` (as typed in a shell) and the candidate
   *  through a link named `netstat` (as the installed bin). Default: argv[0] is the reference's
   *  path, `/usr/bin/netstat`, and the candidate runs as `node dist/cli.js`. */
  argv0?: 'netstat';
  /** `-c`: run all three programs side by side for a fixed time, stop them with SIGINT and
   *  compare the complete passes. */
  continuous?: boolean;
  /** Where standard output goes instead of a pipe the harness reads to its end:
   *  `full` = /dev/full (every write fails with ENOSPC);
   *  `closed` = a pipe whose reader closed before the program started (`| true`);
   *  `head` = a 4096-byte pipe from which the harness reads one byte and then closes it
   *  (`| head -c 1`; deterministic when the output exceeds two pipe buffers).
   *  The one byte read is compared as stdout; otherwise stdout is empty. */
  stdout?: 'full' | 'closed' | 'head';
  /** `2>&1`: standard error into standard output (compares how the two streams interleave). */
  merged?: boolean;
}

export interface DiffResult extends Verdict {
  case: DiffCase;
  /** Readable, unique name of the case (used as the test name). */
  name: string;
  reference: RunResult;
  /** The second reference run, after the candidate's. */
  reference2: RunResult;
  candidate: RunResult;
  /** Runs of the case (>1 when the kernel tables changed during a run). */
  attempts: number;
  /** False when the tables still changed during the last attempt. */
  tablesStable: boolean;
}

export interface DiffOptions {
  /** Command of the candidate (default: NETSTAT_DIFF_CANDIDATE or node dist/cli.js). */
  candidate?: string[];
  /** Per-run time limit. */
  timeoutMs?: number;
  /** How long `continuous` cases run before SIGINT. */
  continuousMs?: number;
  /** Progress lines of the namespace child (default: process.stderr). */
  log?: (line: string) => void;
}

/** Why the differential suite cannot run here (it is skipped), or undefined when it can. */
export function skipReason(): string | undefined {
  return unavailable({ unshare: ['net', 'mount', 'pid'], commands: ['ip', 'python3'] });
}

/** The candidate command, or an Error that says what is missing. */
export function resolveCandidate(): string[] | Error {
  const override = process.env.NETSTAT_DIFF_CANDIDATE;
  const target = override ? path.resolve(override) : path.join(REPO, 'dist', 'cli.js');
  if (!existsSync(target)) {
    return new Error(
      override
        ? `NETSTAT_DIFF_CANDIDATE=${override}: no such file`
        : `${target} is missing: the differential suite tests the compiled CLI; run \`npm run build\` first`,
    );
  }
  return target.endsWith('.js') ? [process.execPath, target] : [target];
}

function quote(arg: string): string {
  return /^[\w@%+=:,./-]+$/.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`;
}

/** The arguments as a shell would show them; a run of 4 or more equal ones as `ARG{xN}` (names stay short). */
function argumentText(args: readonly string[]): string {
  let text = '';
  for (let k = 0; k < args.length; ) {
    let n = 1;
    while (args[k + n] === args[k]) n++;
    text += n >= 4 ? ` ${quote(args[k]!)}{x${n}}` : args.slice(k, k + n).map((a) => ' ' + quote(a)).join('');
    k += n;
  }
  return text;
}

export function caseName(c: DiffCase): string {
  const env = Object.entries(c.env ?? {}).map(([k, v]) => `${k}=${quote(v)} `).join('');
  const who = c.user === 'nobody' ? '[nobody] ' : '';
  const program = c.argv0 === 'netstat' ? '(as netstat) netstat' : 'netstat';
  const redirect = c.stdout === undefined ? '' : { full: ' >/dev/full', closed: ' | true', head: ' | head -c 1' }[c.stdout];
  return `${who}${env}${program}${argumentText(c.args)}${c.merged ? ' 2>&1' : ''}${redirect}${c.continuous ? ' (continuous)' : ''}`;
}

/**
 * The project's own NETSTAT_* settings (e.g. NETSTAT_BACKEND, NETSTAT_REQUIRE_NATIVE, which CI
 * sets to run the suite once per backend) reach both programs. Left out: the harness's own
 * NETSTAT_DIFF_*, and NETSTAT_PROC_ROOT / NETSTAT_ARGV0, which would make the comparison moot.
 */
export function passedThrough(env: NodeJS.ProcessEnv = process.env): Record<string, string> {
  const kept: Record<string, string> = {};
  for (const [name, value] of Object.entries(env)) {
    if (!name.startsWith('NETSTAT_') || name.startsWith('NETSTAT_DIFF_')) continue;
    if (name === 'NETSTAT_PROC_ROOT' || name === 'NETSTAT_ARGV0' || value === undefined) continue;
    kept[name] = value;
  }
  return kept;
}

/** The private directory of the scenario's socket paths (test/scenario/environment.py's SCRATCH). */
const SCRATCH = '/tmp/netstat-diff';
/** The fixed PATH both programs get. */
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

/**
 * The runs of one case. argv[0] is the reference's path, like the candidate run as
 * `node dist/cli.js`; a case with argv0 `netstat` runs the reference under that name and the
 * candidate through a link named `netstat` (SCRATCH/bin/netstat), as an installed bin would be.
 */
function caseRuns(c: DiffCase, candidate: string[], passEnv: Record<string, string>, timeoutMs: number): BatchRun[] {
  const shared = { env: { PATH, ...passEnv, ...c.env }, user: c.user ?? 'root', stdout: c.stdout, merged: c.merged, timeoutMs } as const;
  const reference: BatchRun = { ...shared, executable: REFERENCE, argv: [c.argv0 ?? REFERENCE, ...c.args] };
  const [command, ...rest] = candidate as [string, ...string[]];
  let ours: BatchRun;
  if (rest.length === 0 && !command.endsWith('.js')) ours = { ...shared, executable: command, argv: [c.argv0 ?? command, ...c.args] };
  else if (c.argv0 === 'netstat') ours = { ...shared, executable: command, argv: [command, ...rest.slice(0, -1), `${SCRATCH}/bin/netstat`, ...c.args] };
  else ours = { ...shared, executable: command, argv: [...candidate, ...c.args] };
  return [reference, ours, reference];
}

export async function runDifferential(cases: DiffCase[], opts: DiffOptions = {}): Promise<DiffResult[]> {
  const candidate = opts.candidate ?? resolveCandidate();
  if (candidate instanceof Error) throw candidate;
  if (!existsSync(REFERENCE)) throw new Error(`${REFERENCE} (net-tools 2.10, the oracle) is not installed`);
  const names = cases.map(caseName);
  const duplicate = names.find((n, k) => names.indexOf(n) !== k);
  if (duplicate) throw new Error(`duplicate differential case: ${duplicate}`);

  const passEnv = passedThrough();
  const timeoutMs = opts.timeoutMs ?? 20_000;
  const continuousMs = opts.continuousMs ?? 3_500;
  // Cases run as nobody need the candidate and the checkout readable by uid 65534, or they would test a permission error.
  const readable = [...candidate.filter((p) => p.startsWith('/')), ...['dist', 'node_modules', 'build'].map((d) => path.join(REPO, d)).filter((d) => existsSync(d))];
  const results = await runBatch(
    {
      setup: [
        `python3 -B ${path.join(REPO, 'test', 'scenario', 'environment.py')}`,
        // The link named `netstat` to the candidate script (cases with argv0 'netstat').
        `mkdir -m 755 -p ${SCRATCH}/bin && ln -s '${candidate[candidate.length - 1]}' ${SCRATCH}/bin/netstat`,
      ].join(' && '),
      scenario: { name: 'differential', args: { scratch: SCRATCH } },
      readableByNobody: cases.some((c) => c.user === 'nobody') ? readable : undefined,
      steps: cases.map((c) => ({ runs: caseRuns(c, candidate, passEnv, timeoutMs), togetherMs: c.continuous ? continuousMs : undefined, stable: true })),
    },
    { net: true, mount: true, pid: true, mountProc: true },
    opts.log ?? ((line) => process.stderr.write(`${line}\n`)),
  );
  return results.map((r, k) => {
    const [reference, cand, reference2] = r.runs as [RunResult, RunResult, RunResult];
    return {
      case: cases[k]!,
      name: names[k]!,
      reference,
      reference2,
      candidate: cand,
      attempts: r.attempts,
      tablesStable: r.stable,
      ...judge(reference, cand, reference2, cases[k]!.mask ?? []),
    };
  });
}
