/**
 * How the differential suite decides that the candidate's output equals net-tools'.
 *
 * Every case runs reference, candidate, reference again. Output is compared byte for byte,
 * except for what a case's masks name:
 *  - 'timers': the figures of `-o` timers that run (`on`, `keepalive`, `timewait`, `probe`,
 *    `unkn-N`): they count down between two runs. The timer kind stays compared, and so does
 *    `off (0.00/R/T)`, which does not move.
 *  - 'counters': packet/statistics counters (-i, -s) that move by themselves (zero-window probes
 *    and SYN retransmissions of the scenario on lo). A number is accepted when it lies between the
 *    values of the two reference runs that bracket the candidate's run -- only where those two
 *    differ; everything else on the line is compared exactly.
 * A candidate output equal to either reference run is accepted in any case.
 */
import { unifiedDiff } from './unified-diff';

export type Mask = 'timers' | 'counters';

/** One finished run of a program, as run_cases.py reports it (stdout/stderr decoded as UTF-8). */
export interface RunResult {
  stdout: string;
  stderr: string;
  /** Exit status, or null when killed by a signal. */
  code: number | null;
  signal: string | null;
  timedOut: boolean;
  /** Stopped by the harness with SIGINT (continuous mode). */
  interrupted: boolean;
  ms: number;
}

export interface Verdict {
  equal: boolean;
  /** The two reference runs agreed (after masks): the case is stable. */
  referenceStable: boolean;
  /** Human-readable account of every difference (empty when equal). */
  report: string;
}

const RUNNING_TIMER = /\b(on|on1|on2|keepalive|timewait|probe|unkn-\d+) \(\d+\.\d{2}\/\d+\/\d+\)/g;

export function maskTimers(text: string): string {
  return text.replace(RUNNING_TIMER, '$1 (#.##/#/#)');
}

const NUMBER = /(\d+(?:\.\d+)?)/;

/** `cand` differs from both references only in numbers that moved between them, and lies between. */
function lineWithinBracket(ref1: string, ref2: string, cand: string): boolean {
  const t1 = ref1.split(NUMBER);
  const t2 = ref2.split(NUMBER);
  const tc = cand.split(NUMBER);
  if (t1.length !== t2.length || t1.length !== tc.length) return false;
  for (let k = 0; k < t1.length; k++) {
    if (t1[k] === t2[k]) {
      if (tc[k] !== t1[k]) return false;
    } else if (k % 2 === 1) {
      const [lo, hi] = [Number(t1[k]), Number(t2[k])].sort((x, y) => x - y);
      const value = Number(tc[k]);
      if (!(value >= lo && value <= hi)) return false;
    } else {
      // Padding around a number whose width changed: compare without the run lengths of blanks.
      const squeeze = (s: string) => s.replace(/ +/g, ' ');
      if (squeeze(tc[k]) !== squeeze(t1[k]) || squeeze(t1[k]) !== squeeze(t2[k])) return false;
    }
  }
  return true;
}

interface TextVerdict {
  equal: boolean;
  expected: string;
  /** The candidate's text, with lines accepted by the counters rule shown as the expected line. */
  actual: string;
}

export function compareText(ref1: string, ref2: string, cand: string, masks: readonly Mask[]): TextVerdict {
  const mask = masks.includes('timers') ? maskTimers : (s: string) => s;
  const [r1, r2, c] = [mask(ref1), mask(ref2), mask(cand)];
  if (c === r1 || c === r2) return { equal: true, expected: r1, actual: r1 };
  if (!masks.includes('counters')) return { equal: false, expected: r1, actual: c };
  const l1 = r1.split('\n');
  const l2 = r2.split('\n');
  const lc = c.split('\n');
  if (l1.length !== l2.length || lc.length !== l1.length) return { equal: false, expected: r1, actual: c };
  let equal = true;
  const shown = lc.map((line, k) => {
    if (line === l1[k] || line === l2[k] || (l1[k] !== l2[k] && lineWithinBracket(l1[k], l2[k], line))) return l1[k];
    equal = false;
    return line;
  });
  return { equal, expected: r1, actual: shown.join('\n') };
}

/**
 * Continuous mode (`-c`): the output of a run stopped by SIGINT is a prefix (printed once, e.g.
 * `Kernel Interface table`) followed by passes that each start with the same line; the last
 * pass may be cut short, so it is dropped. Returns null when no pass boundary is visible.
 */
export function splitPasses(text: string): { prefix: string[]; passes: string[][] } | null {
  const lines = text.split('\n');
  const count = (l: string) => lines.filter((x) => x === l).length;
  const delimiter = [lines[0], lines[1]].find((l) => l !== undefined && l !== '' && count(l) >= 2);
  if (delimiter === undefined) return null;
  const first = lines.indexOf(delimiter);
  const passes: string[][] = [];
  for (let k = first; k < lines.length; k++) {
    if (lines[k] === delimiter) passes.push([]);
    passes[passes.length - 1].push(lines[k]);
  }
  passes.pop(); // possibly incomplete
  return { prefix: lines.slice(0, first), passes };
}

/** The first `n` complete passes of each continuous run, re-joined, so they compare as text. */
function completePasses(texts: string[]): { texts: string[]; note: string } | null {
  const split = texts.map(splitPasses);
  if (split.some((s) => s === null)) return null;
  const parts = split as { prefix: string[]; passes: string[][] }[];
  const n = Math.min(...parts.map((p) => p.passes.length));
  const note = `continuous mode: comparing the first ${n} complete pass(es) (of ${parts.map((p) => p.passes.length).join('/')} in ref/cand/ref)`;
  return { texts: parts.map((p) => [...p.prefix, ...p.passes.slice(0, n).flat()].join('\n')), note };
}

function exitText(r: RunResult): string {
  if (r.timedOut) return `timed out after ${r.ms} ms`;
  return r.signal ? `killed by ${r.signal}` : `exit ${r.code}`;
}

export function judge(ref1: RunResult, cand: RunResult, ref2: RunResult, masks: readonly Mask[]): Verdict {
  const problems: string[] = [];
  const notes: string[] = [];
  if (ref1.timedOut || ref2.timedOut) problems.push('the REFERENCE timed out: the scenario or the case is broken');
  if (cand.timedOut) problems.push(`the candidate timed out after ${cand.ms} ms`);
  const sameExit = (r: RunResult) => r.code === cand.code && r.signal === cand.signal;
  if (!sameExit(ref1) && !sameExit(ref2)) {
    problems.push(`exit status: expected ${exitText(ref1)}, got ${exitText(cand)}`);
  }
  let referenceStable = true;
  for (const stream of ['stdout', 'stderr'] as const) {
    let texts = [ref1[stream], cand[stream], ref2[stream]];
    if (ref1.interrupted && cand.interrupted && ref2.interrupted) {
      const passes = completePasses(texts);
      if (passes) {
        texts = passes.texts;
        if (stream === 'stdout') notes.push(passes.note);
      }
    }
    const [r1, c, r2] = texts;
    // Stable = the two reference runs agree once timer figures are masked (counters aside).
    const timersOnly = masks.includes('timers') ? maskTimers : (s: string) => s;
    if (timersOnly(r1) !== timersOnly(r2)) referenceStable = false;
    const verdict = compareText(r1, r2, c, masks);
    if (!verdict.equal) {
      problems.push(`${stream} differs:\n${unifiedDiff(verdict.expected, verdict.actual, [`${stream} of /usr/bin/netstat`, `${stream} of the candidate`])}`);
    }
  }
  return {
    equal: problems.length === 0,
    referenceStable,
    report: [...problems, ...(problems.length ? notes : [])].join('\n\n'),
  };
}
