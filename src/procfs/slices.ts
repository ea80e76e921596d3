/**
 * One implementation, two drivers. The /proc parsers and the fd walk are
 * generators that `yield` at points where pausing is safe; the sync API runs
 * them straight through, the async API gives the event loop a turn whenever a
 * slice has taken more than {@link SLICE_BUDGET_MS}. This keeps sync and async
 * results identical by construction.
 */

import type { AbortHandle } from '../abort';

/** Lines a table parser handles between two yield points. */
export const LINES_PER_SLICE = 1000;

/** Longest stretch of synchronous work the async driver allows before yielding. */
export const SLICE_BUDGET_MS = 5;

/** Runs a generator to completion without pausing. */
export function runToEnd<T>(work: Generator<void, T, void>): T {
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
  }
}

/** Runs a generator, yielding to the event loop (setImmediate) whenever the budget is spent. */
export async function runInSlices<T>(work: Generator<void, T, void>, budgetMs: number = SLICE_BUDGET_MS, abort?: AbortHandle): Promise<T> {
  let sliceStart = performance.now();
  for (;;) {
    const step = work.next();
    if (step.done) return step.value;
    if (performance.now() - sliceStart >= budgetMs) {
      await new Promise<void>((resolve) => setImmediate(resolve));
      // An abort stops the work between slices; `return()` runs its cleanup (open directories).
      if (abort?.aborted) {
        work.return(undefined as T);
        abort.check();
      }
      sliceStart = performance.now();
    }
  }
}
