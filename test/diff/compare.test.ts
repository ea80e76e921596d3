// The comparison rules of the differential suite: what they accept and, above all, what they reject.
import { describe, expect, it } from 'vitest';
import { compareText, judge, maskTimers, splitPasses, type RunResult } from './compare';
import { unifiedDiff } from './unified-diff';

const run = (stdout: string, more: Partial<RunResult> = {}): RunResult => ({
  stdout,
  stderr: '',
  code: 0,
  signal: null,
  timedOut: false,
  interrupted: false,
  ms: 1,
  ...more,
});

describe('timer mask', () => {
  it('hides the figures of running timers but keeps their kind', () => {
    expect(maskTimers('x on (0.41/1/0)\ny keepalive (7197.74/0/0)\nz probe (1.39/0/2)\nw unkn-5 (1.00/0/0)')).toBe(
      'x on (#.##/#/#)\ny keepalive (#.##/#/#)\nz probe (#.##/#/#)\nw unkn-5 (#.##/#/#)',
    );
  });
  it('leaves `off` timers compared', () => {
    expect(maskTimers('off (0.00/0/0)')).toBe('off (0.00/0/0)');
    expect(compareText(['a off (0.00/0/0)'], 'a off (0.00/1/0)', ['timers']).equal).toBe(false);
  });
  it('does not hide a different timer kind', () => {
    expect(compareText(['a on (0.41/1/0)'], 'a keepalive (0.41/1/0)', ['timers']).equal).toBe(false);
    expect(compareText(['a on (0.41/1/0)'], 'a on (9.99/3/1)', ['timers']).equal).toBe(true);
  });
  it('is not applied without the mask', () => {
    expect(compareText(['a on (0.41/1/0)'], 'a on (0.40/1/0)', []).equal).toBe(false);
  });
});

describe('counters rule', () => {
  const r1 = 'lo   65536      128      0\nvx0   1480        0      6';
  const r2 = 'lo   65536      134      0\nvx0   1480        0      6';
  it('accepts a moving number between the two reference runs', () => {
    expect(compareText([r1, r2], 'lo   65536      130      0\nvx0   1480        0      6', ['counters']).equal).toBe(true);
  });
  it('rejects a moving number outside the bracket', () => {
    expect(compareText([r1, r2], 'lo   65536      135      0\nvx0   1480        0      6', ['counters']).equal).toBe(false);
  });
  it('rejects a change in a number that did not move', () => {
    expect(compareText([r1, r2], 'lo   65536      130      1\nvx0   1480        0      6', ['counters']).equal).toBe(false);
    expect(compareText([r1, r2], 'lo   65536      130      0\nvx0   1480        0      7', ['counters']).equal).toBe(false);
  });
  it('rejects wrong padding of a moving number', () => {
    expect(compareText([r1, r2], 'lo   65536     130       0\nvx0   1480        0      6', ['counters']).equal).toBe(false);
    expect(compareText([r1, r2], 'lo   65536 130 0\nvx0   1480        0      6', ['counters']).equal).toBe(false);
  });
  it('follows right- and left-justified numbers whose width changes', () => {
    const right = ['x     99 y', 'x    101 y'];
    expect(compareText(right, 'x    100 y', ['counters']).equal).toBe(true);
    expect(compareText(right, 'x     100 y', ['counters']).equal).toBe(false);
    const left = ['x 99     y', 'x 101    y'];
    expect(compareText(left, 'x 100    y', ['counters']).equal).toBe(true);
    expect(compareText(left, 'x 100     y', ['counters']).equal).toBe(false);
  });
  it('is not applied without the mask', () => {
    expect(compareText([r1, r2], 'lo   65536      130      0\nvx0   1480        0      6', []).equal).toBe(false);
  });
  it('accepts byte sizes with a fraction', () => {
    expect(compareText(['RX bytes 1000 (1.0 KiB)', 'RX bytes 3000 (2.9 KiB)'], 'RX bytes 2000 (1.9 KiB)', ['counters']).equal).toBe(true);
  });
});

describe('continuous mode', () => {
  const pass = (n: number) => `Iface MTU\nlo ${n}\n`;
  it('splits passes on the repeated header and drops the last one', () => {
    const split = splitPasses('Kernel Interface table\n' + pass(1) + pass(2) + 'Iface MTU\nlo');
    expect(split?.prefix).toEqual(['Kernel Interface table']);
    expect(split?.passes.length).toBe(2);
  });
  it('compares the complete passes only, with moving counters bracketed', () => {
    const ref1 = run('Kernel Interface table\n' + pass(1) + pass(2) + pass(3) + 'Iface MTU\nlo', { code: null, signal: 'SIGINT', interrupted: true });
    const ref2 = run('Kernel Interface table\n' + pass(1) + pass(2) + pass(3), { code: null, signal: 'SIGINT', interrupted: true });
    const good = run('Kernel Interface table\n' + pass(2) + pass(3) + 'Iface MTU\n', { code: null, signal: 'SIGINT', interrupted: true });
    expect(judge(ref1, good, ref2, ['counters']).equal).toBe(true);
    const noPrefix = run(pass(2) + pass(3) + pass(4), { code: null, signal: 'SIGINT', interrupted: true });
    expect(judge(ref1, noPrefix, ref2, ['counters']).equal).toBe(false);
  });
});

describe('judge', () => {
  it('compares exit status, stderr and stdout', () => {
    expect(judge(run('a\n'), run('a\n'), run('a\n'), []).equal).toBe(true);
    expect(judge(run('a\n'), run('a\n', { code: 1 }), run('a\n'), []).report).toMatch(/exit status: expected exit 0, got exit 1/);
    expect(judge(run('a\n'), run('a\n', { stderr: 'oops\n' }), run('a\n'), []).report).toMatch(/stderr differs/);
    expect(judge(run('a\n'), run('a \n'), run('a\n'), []).report).toMatch(/\+a·/);
  });
  it('flags a timed-out candidate even when the output matches so far', () => {
    expect(judge(run(''), run('', { timedOut: true, code: null, signal: 'SIGKILL' }), run(''), []).equal).toBe(false);
  });
  it('reports reference runs that disagree', () => {
    expect(judge(run('a 1\n'), run('a 1\n'), run('a 2\n'), []).referenceStable).toBe(false);
    expect(judge(run('a 1\n'), run('a 1\n'), run('a 1\n'), []).referenceStable).toBe(true);
  });
});

describe('unified diff', () => {
  it('shows changed lines with context and visible trailing blanks', () => {
    const d = unifiedDiff('1\n2\n3\n4\n5\n6\n7\n8\n9\n', '1\n2\n3\n4\nfive \n6\n7\n8\n9\n');
    expect(d).toBe('--- expected\n+++ actual\n@@ -2,7 +2,7 @@\n 2\n 3\n 4\n-5\n+five·\n 6\n 7\n 8');
  });
  it('is empty for equal texts', () => {
    expect(unifiedDiff('a', 'a')).toBe('');
  });
});
