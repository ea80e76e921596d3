/**
 * Differential test harness: runs net-tools `netstat` (the oracle, /usr/bin/netstat) and this
 * project's CLI side by side on the same cases, inside ONE private namespace
 * (`unshare --net --mount --pid`) that holds the scenario of test/scenario/ (links, routes,
 * groups, private hosts/networks, a fixed set of sockets).
 *
 * The namespace is one child process (test/diff/run_cases.py) that receives the whole case list
 * as JSON and answers with every run's raw output: hundreds of cases cost one scenario set-up.
 *
 * Candidate: `node <repo>/dist/cli.js` by default; NETSTAT_DIFF_CANDIDATE overrides it (a `.js`
 * file runs under this Node, anything else is executed directly -- e.g. /usr/bin/netstat itself,
 * which validates the harness: every case must then pass).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { judge, type Mask, type RunResult, type Verdict } from './compare';

export const REPO = path.resolve(__dirname, '..', '..');
export const REFERENCE = '/usr/bin/netstat';

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

/** Why the differential suite cannot run here (it is skipped), or null when it can. */
export function skipReason(): string | null {
  if (process.platform !== 'linux') return 'not Linux';
  if (process.getuid?.() !== 0) return 'needs root (unshare of network/mount/pid namespaces)';
  const probe = spawnSync('unshare', ['--net', '--mount', '--pid', '--fork', '--mount-proc', 'true'], { stdio: 'ignore' });
  if (probe.error || probe.status !== 0) {
    return `unshare --net --mount --pid is not available (${probe.error?.message ?? `exit ${probe.status}`})`;
  }
  return null;
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

interface RawRun {
  stdout: string;
  stderr: string;
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  interrupted: boolean;
  ms: number;
}

/** Output is compared as bytes: one character per byte (latin1), so no byte is lost to decoding. */
function decode(raw: RawRun): RunResult {
  return {
    ...raw,
    stdout: Buffer.from(raw.stdout, 'base64').toString('latin1'),
    stderr: Buffer.from(raw.stderr, 'base64').toString('latin1'),
  };
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

export async function runDifferential(cases: DiffCase[], opts: DiffOptions = {}): Promise<DiffResult[]> {
  const candidate = opts.candidate ?? resolveCandidate();
  if (candidate instanceof Error) throw candidate;
  if (!existsSync(REFERENCE)) throw new Error(`${REFERENCE} (net-tools 2.10, the oracle) is not installed`);
  const names = cases.map(caseName);
  const duplicate = names.find((n, k) => names.indexOf(n) !== k);
  if (duplicate) throw new Error(`duplicate differential case: ${duplicate}`);

  const job = {
    reference: REFERENCE,
    candidate,
    passEnv: passedThrough(),
    timeoutMs: opts.timeoutMs ?? 20_000,
    continuousMs: opts.continuousMs ?? 3_500,
    cases: cases.map((c) => ({
      args: c.args,
      user: c.user ?? 'root',
      env: c.env ?? {},
      continuous: !!c.continuous,
      argv0: c.argv0 ?? null,
      stdout: c.stdout ?? null,
      merged: !!c.merged,
    })),
  };
  const log = opts.log ?? ((line: string) => process.stderr.write(line + '\n'));
  const child = spawn(
    'unshare',
    ['--net', '--mount', '--pid', '--fork', '--mount-proc', '--propagation', 'private',
      'python3', path.join(__dirname, 'run_cases.py')],
    { stdio: ['pipe', 'pipe', 'pipe'] },
  );
  const out: Buffer[] = [];
  child.stdout.on('data', (b: Buffer) => out.push(b));
  let errText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (s: string) => {
    errText += s;
    const lines = errText.split('\n');
    errText = lines.pop() ?? '';
    for (const line of lines) log(line);
  });
  child.stdin.end(JSON.stringify(job));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  if (errText) log(errText);
  if (status !== 0) throw new Error(`the differential namespace child failed (exit ${status}); see its messages above`);
  const answer = JSON.parse(Buffer.concat(out).toString('utf8')) as {
    fatal: string | null;
    results: { reference: RawRun; candidate: RawRun; reference2: RawRun; attempts: number; tablesStable: boolean }[];
  };
  if (answer.fatal) throw new Error(answer.fatal);
  return answer.results.map((r, k) => {
    const [reference, cand, reference2] = [decode(r.reference), decode(r.candidate), decode(r.reference2)];
    return {
      case: cases[k],
      name: names[k],
      reference,
      reference2,
      candidate: cand,
      attempts: r.attempts,
      tablesStable: r.tablesStable,
      ...judge(reference, cand, reference2, cases[k].mask ?? []),
    };
  });
}
