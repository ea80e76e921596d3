/**
 * Turns a list of differential cases into a vitest suite: one namespace run in beforeAll, then
 * one test per case asserting stdout, stderr and exit status equal to net-tools'.
 * Skipped, with the reason printed, only where root or unshare is missing.
 * The candidate is node dist/cli.js unless NETSTAT_DIFF_CANDIDATE names another (see harness.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { caseName, passedThrough, runDifferential, skipReason, type DiffCase, type DiffResult } from './harness';

/**
 * NETSTAT_DIFF_FILTER (a regular expression) keeps only the cases whose name matches, so that a
 * developer can run a few of them without starting the namespace for all.
 */
function selected(cases: DiffCase[]): DiffCase[] {
  const filter = process.env.NETSTAT_DIFF_FILTER;
  if (!filter) return cases;
  const pattern = new RegExp(filter);
  return cases.filter((c) => pattern.test(caseName(c)));
}

export function differentialSuite(title: string, allCases: DiffCase[]): void {
  const cases = selected(allCases);
  const reason = skipReason();
  if (reason) {
    console.warn(`[diff] ${title}: skipped, ${reason}`);
    describe.skip(title, () => {
      it('needs root and unshare', () => {});
    });
    return;
  }
  describe(title, () => {
    const results = new Map<string, DiffResult>();
    let failure: Error | undefined;
    beforeAll(async () => {
      try {
        const started = Date.now();
        for (const r of await runDifferential(cases)) results.set(r.name, r);
        // Reference output that moved between its two runs: expected only where a case masks
        // counters; anywhere else it is a scenario problem worth a look.
        const all = [...results.values()];
        const moved = all.filter((r) => !r.referenceStable || !r.tablesStable);
        const unexpected = moved.filter((r) => !r.case.mask?.includes('counters') || !r.tablesStable);
        const timed = all.filter((r) => !r.case.continuous);
        const slowest = timed.reduce((a, b) => (b.candidate.ms > a.candidate.ms ? b : a), timed[0]);
        const mean = (pick: (r: DiffResult) => number) => Math.round(timed.reduce((n, r) => n + pick(r), 0) / timed.length);
        const settings = Object.entries(passedThrough()).map(([k, v]) => `${k}=${v}`).join(' ');
        console.info(
          `[diff] ${title}${settings ? ` [${settings}]` : ''}: ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s ` +
            `(per run without -c: reference ${mean((r) => r.reference.ms)} ms, candidate ${mean((r) => r.candidate.ms)} ms on average, ` +
            `slowest candidate ${slowest?.candidate.ms} ms: ${slowest?.name}); ` +
            `${all.filter((r) => r.equal).length} equal; reference moved in ${moved.length - unexpected.length} counter case(s)` +
            (unexpected.length ? `; UNSTABLE: ${unexpected.map((r) => r.name).join(', ')}` : ''),
        );
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
      // Hundreds of cases, three runs each: allow well beyond the usual hook timeout on a busy CI.
    }, 900_000);
    for (const c of cases) {
      const name = caseName(c);
      it(name, () => {
        if (failure) throw failure;
        const result = results.get(name);
        expect(result, `no result for ${name}`).toBeDefined();
        if (!result!.equal) expect.fail(`${name}\n${result!.report}`);
      });
    }
  });
}
