// The generated case lists: size, unique names, and masks given exactly where output moves.
import { describe, expect, it } from 'vitest';
import { caseName } from './harness';
import { asksForCounters, asksForTimers } from './cases/common';
import { modeCases } from './cases/modes';
import { socketCases } from './cases/sockets';

describe('mask detection', () => {
  it('finds -o in clusters, long forms and abbreviations, not in -A arguments or after --', () => {
    for (const args of [['-o'], ['-tanoe'], ['--timers'], ['--tim'], ['-n', '-eo']]) expect(asksForTimers(args)).toBe(true);
    for (const args of [['-Arose'], ['-A', 'rose'], ['--', '-o'], ['-t'], ['--tcp'], ['--protocol=rose']]) expect(asksForTimers(args)).toBe(false);
  });
  it('finds -i and -s, not -S or words', () => {
    for (const args of [['-i'], ['-ie'], ['-s6'], ['--interfaces'], ['--int'], ['--stat', '-t'], ['-iaA', 'inet']]) expect(asksForCounters(args)).toBe(true);
    for (const args of [['-S'], ['-tuS'], ['-A', 'inet'], ['-Ainet'], ['--inet'], ['inet'], ['--', '-i']]) expect(asksForCounters(args)).toBe(false);
  });
});

describe.each([
  ['socket', socketCases(), 400, 800],
  ['mode', modeCases(), 150, 400],
])('%s cases', (_kind, cases, min, max) => {
  it(`number between ${min} and ${max}`, () => {
    expect(cases.length).toBeGreaterThanOrEqual(min);
    expect(cases.length).toBeLessThanOrEqual(max);
  });
  it('have unique names', () => {
    const names = cases.map(caseName);
    expect(new Set(names).size).toBe(names.length);
  });
  it('mask timers exactly where -o is asked for, counters exactly where -i/-s is', () => {
    for (const c of cases) {
      expect(!!c.mask?.includes('timers'), caseName(c)).toBe(asksForTimers(c.args));
      expect(!!c.mask?.includes('counters'), caseName(c)).toBe(asksForCounters(c.args));
    }
  });
  it('run some cases as nobody and some continuously', () => {
    expect(cases.some((c) => c.user === 'nobody')).toBe(true);
    expect(cases.some((c) => c.continuous)).toBe(true);
  });
});

describe('socket cases', () => {
  const names = new Set(socketCases().map(caseName));
  it('contain every socket-listing option on its own', () => {
    for (const option of ['-t', '-u', '-U', '-S', '-w', '-x', '-l', '-a', '-n', '--numeric-hosts', '--numeric-ports',
      '--numeric-users', '-N', '-e', '-ee', '-p', '-o', '-W', '-v', '-4', '-6', '--inet', '--inet6', '--unix', '-Z', '-V', '-h']) {
      expect(names.has(`netstat ${option}`), option).toBe(true);
    }
  });
  it('contain bad input, ambiguity, permutation and bluetooth', () => {
    for (const name of ['netstat -q', 'netstat -A', "netstat -A ''", 'netstat --tcpip', "netstat '-?'", 'netstat --in',
      'netstat foo -t', 'netstat -- -t', 'POSIXLY_CORRECT=1 netstat foo -t', 'netstat -2', 'netstat -r -i']) {
      expect(names.has(name), name).toBe(true);
    }
  });
});
