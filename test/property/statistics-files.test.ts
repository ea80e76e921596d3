/**
 * Hostile input for the `-s` readers (src/modes/statistics-read.ts, spec §7):
 * counters are C `strtoull(text, NULL, 10)` — leading blanks, a sign (a minus
 * wraps modulo 2^64), digits up to the first non-digit, saturation at 2^64-1,
 * 0 when there are none; `/proc/net/{snmp,netstat}` come in name/value line
 * pairs, `/proc/net/snmp6` in `Name value` lines.
 *
 * - `parseCounter` agrees with that rule written with BigInt on any text;
 * - the section readers never throw on arbitrary text;
 * - `netstat -s` over a real kernel's files whose values were replaced by
 *   hostile ones (huge, overflowing, signed, trailing junk, missing) prints
 *   exactly what net-tools prints.
 */
import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statisticsPass } from '../../src/modes/statistics';
import { pairSections, parseCounter, sctpSection, snmp6Sections, type StatFilters } from '../../src/modes/statistics/read';
import { generatedTreeProperty } from '../harness/oracle-suite';
import { runs } from './runs';

const MAX = 2n ** 64n - 1n;

function strtoull(text: string): bigint {
  const m = /^[ \t\n\v\f\r]*([+-]?)([0-9]+)/.exec(text);
  if (m === null) return 0n;
  const value = BigInt(m[2]!);
  if (value > MAX) return MAX;
  return m[1] === '-' ? BigInt.asUintN(64, -value) : value;
}

const counterText = fc.oneof(
  fc.bigInt({ min: 0n, max: 2n ** 70n }).map(String),
  fc.constantFrom('18446744073709551615', '18446744073709551616', '-1', '-0', '+7', '  42', '\t9', '12abc', 'abc', '', '-', '+', '0x10', '007'),
  fc.array(fc.constantFrom('0', '9', '-', '+', ' ', 'a', '\v'), { maxLength: 25 }).map((c) => c.join('')),
);

describe('statistics counters and sections', () => {
  it('parseCounter is strtoull on any text', () => {
    fc.assert(
      fc.property(counterText, (text) => {
        expect(parseCounter(text)).toBe(strtoull(text));
      }),
      { numRuns: runs(2500) },
    );
  });

  it('the section readers never throw on arbitrary text', () => {
    const filters = new Proxy({}, { get: () => true }) as StatFilters;
    const char = fc.oneof(fc.constantFrom('I', 'p', '6', ':', ' ', '\t', '\n', '\n', '1', '-'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 300 }), (chars) => {
        const text = chars.join('');
        const { sections } = pairSections(text, '/proc/net/snmp', filters);
        const counters = [...sections, ...snmp6Sections(text, filters), sctpSection(text, filters)].flatMap((s) => s.counters);
        expect(counters.filter((c) => typeof c.name !== 'string')).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

const BASE = path.resolve(__dirname, '../../fixtures/snmp/kernel-6.18-netns');
const FILES = ['net/snmp', 'net/netstat', 'net/snmp6'];

/** The fixture files with every value slot numbered: `{file, lines, slots}`. */
function valueSlots(): Array<{ file: string; lines: string[]; isValue: (line: number, word: number) => boolean }> {
  return FILES.map((file) => {
    const lines = readFileSync(path.join(BASE, file), 'latin1').split('\n');
    // snmp/netstat: every second line holds the values (after the title); snmp6: the second word.
    const isValue = file === 'net/snmp6' ? (_line: number, word: number) => word === 1 : (line: number, word: number) => line % 2 === 1 && word > 0;
    return { file, lines, isValue };
  });
}

describe('netstat -s over a kernel tree with hostile values', () => {
  const files = valueSlots();
  const replacement = fc.option(counterText.filter((t) => !/[\s]/.test(t) && t !== ''), { freq: 3 });
  generatedTreeProperty({
    title: 'prints what net-tools prints',
    arbitrary: fc.array(replacement, { minLength: 600, maxLength: 600 }),
    // Every value slot of the base tree's files, in order, takes the next choice (or keeps its value).
    files: (choices) => {
      let next = 0;
      const written: Record<string, string> = {};
      for (const { file, lines, isValue } of files) {
        written[file] = lines
          .map((line, l) => line.split(/( +|\t+)/).map((piece, w) => (w % 2 === 0 && isValue(l, w / 2) ? (choices[next++ % choices.length] ?? piece) : piece)).join(''))
          .join('\n');
      }
      return written;
    },
    base: BASE,
    args: [['-s'], ['-s6'], ['-st']],
    pass: statisticsPass,
    numRuns: runs(8),
  });
});
