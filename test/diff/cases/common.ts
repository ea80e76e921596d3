/** Helpers shared by the case generators. */
import type { DiffCase } from '../harness';
import type { Mask } from '../compare';

/** Split a command-line fragment on blanks ('' = no arguments). */
export function words(fragment: string): string[] {
  return fragment.split(' ').filter((w) => w !== '');
}

/**
 * Does this argument list ask for `-o`/`--timers`? (Then the timer figures are masked.)
 * Short clusters are read up to an `A`, whose argument is the rest of the cluster.
 */
export function asksForTimers(args: string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (/^--ti/.test(arg)) return true;
    if (/^-[^-]/.test(arg) && arg.slice(1).split('A')[0].includes('o')) return true;
  }
  return false;
}

/**
 * Does this argument list select -i or -s, whose packet counters move by themselves?
 * (Over-approximated: a conflict such as `-ri` only prints the usage, where the mask is moot.)
 */
export function asksForCounters(args: string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (/^--(int|st)/.test(arg)) return true;
    if (/^-[^-]/.test(arg) && /[is]/.test(arg.slice(1).split('A')[0])) return true;
  }
  return false;
}

export function masksFor(args: string[], extra: Mask[] = []): Mask[] | undefined {
  const masks = [...extra];
  if (asksForTimers(args) && !masks.includes('timers')) masks.push('timers');
  if (asksForCounters(args) && !masks.includes('counters')) masks.push('counters');
  return masks.length ? masks : undefined;
}

/** Keep the first of every set of cases that would get the same name. */
export function unique(cases: DiffCase[]): DiffCase[] {
  const seen = new Set<string>();
  return cases.filter((c) => {
    const key = JSON.stringify([c.user ?? 'root', c.env ?? {}, c.args, !!c.continuous, c.argv0 ?? '', c.stdout ?? '', !!c.merged]);
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

export function caseOf(args: string[], more: Partial<DiffCase> = {}, extraMasks: Mask[] = []): DiffCase {
  const mask = masksFor(args, extraMasks);
  return { args, ...(mask ? { mask } : {}), ...more };
}
