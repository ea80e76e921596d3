/**
 * How the differential suite decides that the candidate's output equals net-tools'.
 *
 * Every case runs reference, candidate, reference again (in continuous mode, all three side by
 * side). Output is compared byte for byte,
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
import type { RawRun } from '../harness/batch';
import { unifiedDiff } from './unified-diff';

export type Mask = 'timers' | 'counters';

/** One finished run of a program, as the batch runner reports it (stdout/stderr one character per byte). */
export type RunResult = RawRun;

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

/** Start and end column of every token of a line split on NUMBER. */
function spans(tokens: string[]): [number, number][] {
  let at = 0;
  return tokens.map((t) => {
    const span: [number, number] = [at, at + t.length];
    at += t.length;
    return span;
  });
}

/**
 * `cand` differs from the reference lines only in numbers that moved between them, lies within
 * the range they span, and sits in the same column: where the references agree on where such a
 * number starts (left-justified) or ends (right-justified), the candidate's must too.
 */
function lineWithinBracket(refs: string[], cand: string): boolean {
  const tokens = refs.map((r) => r.split(NUMBER));
  const tc = cand.split(NUMBER);
  if (tokens.some((t) => t.length !== tc.length)) return false;
  const refSpans = tokens.map(spans);
  const candSpans = spans(tc);
  const squeeze = (s: string) => s.replace(/ +/g, ' ');
  for (let k = 0; k < tc.length; k++) {
    const values = tokens.map((t) => t[k]);
    if (values.every((v) => v === values[0])) {
      if (tc[k] !== values[0]) return false;
    } else {
      if (k % 2 === 1) {
        const numbers = values.map(Number);
        const value = Number(tc[k]);
        if (!(value >= Math.min(...numbers) && value <= Math.max(...numbers))) return false;
      } else if (!values.every((v) => squeeze(v) === squeeze(tc[k]))) {
        return false;
      }
      // A number whose width changed, or the padding next to it: where the references agree on
      // the column this token starts (left-justified) or ends (right-justified), so must the candidate.
      const starts = refSpans.map((s) => s[k][0]);
      const ends = refSpans.map((s) => s[k][1]);
      if (starts.every((x) => x === starts[0]) && candSpans[k][0] !== starts[0]) return false;
      if (ends.every((x) => x === ends[0]) && candSpans[k][1] !== ends[0]) return false;
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

/**
 * Compare the candidate's text with reference texts (refs[0] is the one shown as expected).
 * Accepted: equal to any reference; with 'counters', also line by line within their bracket.
 */
export function compareText(refs: string[], cand: string, masks: readonly Mask[]): TextVerdict {
  const mask = masks.includes('timers') ? maskTimers : (s: string) => s;
  const r = refs.map(mask);
  const c = mask(cand);
  if (r.includes(c)) return { equal: true, expected: r[0], actual: r[0] };
  if (!masks.includes('counters')) return { equal: false, expected: r[0], actual: c };
  const refLines = r.map((t) => t.split('\n'));
  const lc = c.split('\n');
  if (refLines.some((l) => l.length !== lc.length)) return { equal: false, expected: r[0], actual: c };
  let equal = true;
  const shown = lc.map((line, k) => {
    const at = refLines.map((l) => l[k]);
    if (at.includes(line) || lineWithinBracket(at, line)) return at[0];
    equal = false;
    return line;
  });
  return { equal, expected: r[0], actual: shown.join('\n') };
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

/**
 * The first n complete passes of the candidate and of both reference runs (n = the smallest
 * count), re-joined as text. The candidate starts a little after the first reference, so where
 * a reference has one more pass, that reference shifted by one pass is added as a further
 * bracket for moving counters.
 */
function completePasses(ref1: string, cand: string, ref2: string): { refs: string[]; cand: string; note: string } | null {
  const [p1, pc, p2] = [ref1, cand, ref2].map(splitPasses);
  if (!p1 || !pc || !p2) return null;
  let n = Math.min(p1.passes.length, pc.passes.length, p2.passes.length);
  // Keep one reference pass after the last compared one, so that it brackets moving counters.
  if (n > 1 && p1.passes.length === n && p2.passes.length === n) n -= 1;
  const join = (p: { prefix: string[]; passes: string[][] }, from: number) =>
    [...p.prefix, ...p.passes.slice(from, from + n).flat()].join('\n');
  const refs = [join(p1, 0), join(p2, 0)];
  for (const p of [p1, p2]) if (p.passes.length > n) refs.push(join(p, 1));
  const counts = [p1, pc, p2].map((p) => p.passes.length).join('/');
  return { refs, cand: join(pc, 0), note: `continuous mode: compared the first ${n} complete pass(es) (ref/cand/ref had ${counts})` };
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
    let refs = [ref1[stream], ref2[stream]];
    let c = cand[stream];
    if (ref1.interrupted && cand.interrupted && ref2.interrupted) {
      const passes = completePasses(ref1[stream], cand[stream], ref2[stream]);
      if (passes) {
        ({ refs, cand: c } = passes);
        if (stream === 'stdout') notes.push(passes.note);
        if (passes.note.includes('first 0 ')) problems.push(`${stream}: no complete pass to compare`);
      }
    }
    // Stable = the two reference runs agree once timer figures are masked (counters aside).
    const timersOnly = masks.includes('timers') ? maskTimers : (s: string) => s;
    if (timersOnly(refs[0]) !== timersOnly(refs[1])) referenceStable = false;
    const verdict = compareText(refs, c, masks);
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
