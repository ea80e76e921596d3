/**
 * Turns a list of differential cases into a vitest suite: one namespace run in beforeAll, then
 * one test per case asserting stdout, stderr and exit status equal to net-tools'.
 * Skipped, with the reason printed, only where root or unshare is missing.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { caseName, runDifferential, skipReason, type DiffCase, type DiffResult } from './harness';

export function differentialSuite(title: string, cases: DiffCase[]): void {
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
        const unstable = [...results.values()].filter((r) => !r.referenceStable || !r.tablesStable);
        console.info(
          `[diff] ${title}: ${cases.length} cases in ${((Date.now() - started) / 1000).toFixed(1)} s` +
            (unstable.length ? `; reference output moved by itself in: ${unstable.map((r) => r.name).join(', ')}` : ''),
        );
      } catch (err) {
        failure = err instanceof Error ? err : new Error(String(err));
      }
    });
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
