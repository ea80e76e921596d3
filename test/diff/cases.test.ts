// The generated case lists: size, unique names, and masks given exactly where output moves.
import { describe, expect, it } from 'vitest';
import { caseName } from './harness';
import { asksForCounters, asksForTimers } from './cases/common';
import { DEFAULT_COUNT, DEFAULT_SEED, generatedCases } from './cases/generated';
import { hardCases } from './cases/hard';
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

describe('generated cases', () => {
  const extensions = ['--json', '--ndjson', '--sources', '--netns', '--all-netns', '--cgroups', '--watch', '--interval'];
  it('are the same for the same seed, and others for another', () => {
    const names = (seed: number) => generatedCases({ count: 40, seed }).map(caseName);
    expect(names(7)).toEqual(names(7));
    expect(names(7)).not.toEqual(names(8));
  });
  it('number about what was asked, with masks where -o, -i or -s is asked for', () => {
    const cases = generatedCases({ count: DEFAULT_COUNT, seed: DEFAULT_SEED });
    expect(cases.length).toBeGreaterThan(DEFAULT_COUNT * 0.9);
    for (const c of cases) {
      expect(!!c.mask?.includes('timers'), caseName(c)).toBe(asksForTimers(c.args));
      expect(!!c.mask?.includes('counters'), caseName(c)).toBe(asksForCounters(c.args));
    }
  });
  it('never spell an extension option in full, but do abbreviate them; never ask for -c', () => {
    const args = generatedCases({ count: 1000, seed: 3 }).flatMap((c) => c.args);
    for (const a of args) {
      expect(extensions.includes(a.split('=')[0]!), a).toBe(false);
      expect(/^--conti/.test(a) || (/^-[^-]/.test(a) && a.slice(1).split('A')[0]!.includes('c')), a).toBe(false);
    }
    expect(args.some((a) => extensions.some((e) => e !== a.split('=')[0] && e.startsWith(a.split('=')[0]!) && a.length > 4))).toBe(true);
  });
  it('mix grouping, long options, -A lists in every spelling, stray words, --, nobody and POSIXLY_CORRECT', () => {
    const cases = generatedCases({ count: 300, seed: DEFAULT_SEED });
    const args = cases.flatMap((c) => c.args);
    expect(args.some((a) => /^-[a-zA-Z46?]{3,}$/.test(a))).toBe(true);
    expect(args.some((a) => a.startsWith('--protocol='))).toBe(true);
    expect(args.some((a) => /^-\w*A./.test(a))).toBe(true);
    expect(args.includes('--')).toBe(true);
    expect(args.some((a) => a.length > 255)).toBe(true);
    expect(cases.some((c) => c.args.filter((a) => a === '-4' || a === '-6' || a === '-x' || a === '--inet' || a === '-Aunix').length >= 40)).toBe(true);
    expect(args.some((a) => !a.startsWith('-'))).toBe(true);
    expect(cases.some((c) => c.user === 'nobody')).toBe(true);
    expect(cases.some((c) => c.env?.POSIXLY_CORRECT === '1')).toBe(true);
  });
  it('leave -M out where conntrack is loaded', () => {
    const args = generatedCases({ count: 500, seed: 5, withoutMasquerade: true }).flatMap((c) => c.args);
    expect(args.some((a) => a.startsWith('--m') || (/^-[^-]/.test(a) && a.slice(1).split('A')[0]!.includes('M')))).toBe(false);
  });
});

describe('hard cases', () => {
  const cases = hardCases();
  it('have unique names and send output to /dev/full, closed pipes, head -c 1 and 2>&1', () => {
    const names = cases.map(caseName);
    expect(new Set(names).size).toBe(names.length);
    for (const stdout of ['full', 'closed', 'head'] as const) expect(cases.some((c) => c.stdout === stdout)).toBe(true);
    expect(cases.some((c) => c.merged)).toBe(true);
    expect(cases.some((c) => c.args.some((a) => a.length > 255))).toBe(true);
  });
});
