/**
 * The one way the tests run many programs in one private namespace: a batch (batch.py, started
 * in the namespaces the caller names) with an optional set-up, an optional socket scenario
 * held for the whole batch, and steps of runs. Hundreds of runs cost one namespace.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import * as path from 'node:path';
import { type Isolation, isolated } from './isolate';

const RUNNER = path.join(__dirname, 'batch.py');

export interface BatchRun {
  argv: readonly string[];
  /** The file executed, when argv[0] is only the name the program sees. */
  executable?: string;
  /** The whole environment of the run. */
  env: NodeJS.ProcessEnv;
  user?: 'root' | 'nobody';
  /** Where standard output goes instead of a pipe read to its end (see batch.py). */
  stdout?: 'full' | 'closed' | 'head';
  /** `2>&1`. */
  merged?: boolean;
  timeoutMs?: number;
}

export type BatchStep =
  | { shell: string }
  | {
      runs: BatchRun[];
      /** Run side by side, each stopped with SIGINT after this long. */
      togetherMs?: number;
      /** Re-run (up to 3 times) while the kernel's socket, route or group tables change under them. */
      stable?: boolean;
    };

export interface Batch {
  /** Shell run first, as root, in the namespaces. */
  setup?: string;
  /** A socket scenario of test/scenario/, built and held by the runner for the whole batch. */
  scenario?: { name: string; args?: Record<string, unknown> };
  /** Paths the runs as nobody need; the batch fails with a clear message if uid 65534 cannot read them. */
  readableByNobody?: string[];
  steps: BatchStep[];
}

/** One finished run (stdout and stderr one character per byte). */
export interface RawRun {
  stdout: string;
  stderr: string;
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Stopped with SIGINT by the runner (`togetherMs`). */
  interrupted: boolean;
  ms: number;
}

/** The runs of one step, in order, and how many times the step ran. */
export interface StepResult {
  runs: RawRun[];
  attempts: number;
  /** False when the tables still changed during the last attempt. */
  stable: boolean;
}

/**
 * The results of the steps that have runs, in order. The runner's messages (progress, retries,
 * the set-up's output) go to `log`; without one they are kept for the error of a failed batch.
 */
export async function runBatch(batch: Batch, isolation: Isolation, log?: (line: string) => void): Promise<StepResult[]> {
  const job = {
    ...batch,
    steps: batch.steps.map((step) =>
      'shell' in step ? step : { ...step, runs: step.runs.map((run) => ({ ...run, user: run.user === 'nobody' ? 'nobody' : null, timeoutMs: run.timeoutMs ?? 20_000 })) },
    ),
  };
  const [command, ...args] = isolated(['python3', RUNNER], isolation);
  const child = spawn(command!, args, { stdio: ['pipe', 'pipe', 'pipe'] });
  const out: Buffer[] = [];
  child.stdout.on('data', (chunk: Buffer) => out.push(chunk));
  const kept: string[] = [];
  const say = log ?? ((line: string) => kept.push(line));
  let errText = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (text: string) => {
    errText += text;
    const lines = errText.split('\n');
    errText = lines.pop() ?? '';
    for (const line of lines) say(line);
  });
  child.stdin.end(JSON.stringify(job));
  const status = await new Promise<number | null>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code) => resolve(code));
  });
  if (errText) say(errText);
  if (status !== 0) throw new Error(`the namespace batch failed (exit ${String(status)})${log ? '; see its messages above' : `:\n${kept.join('\n')}`}`);
  const answer = JSON.parse(Buffer.concat(out).toString('utf8')) as { fatal: string | null; results: StepResult[] };
  if (answer.fatal) throw new Error(answer.fatal);
  const decode = (text: string) => Buffer.from(text, 'base64').toString('latin1');
  return answer.results.map((result) => ({ ...result, runs: result.runs.map((run) => ({ ...run, stdout: decode(run.stdout), stderr: decode(run.stderr) })) }));
}

/** A finished run as a comparable Run; killed by a signal, its status is 128 + the signal's number, as a shell says. */
export function asRun(raw: RawRun): { stdout: string; stderr: string; status: number } {
  const signal = raw.signal === null ? undefined : constants.signals[raw.signal as NodeJS.Signals];
  return { stdout: raw.stdout, stderr: raw.stderr, status: raw.code ?? 128 + (signal ?? 0) };
}
