/**
 * Hostile input for the routing table readers (src/modes/route-read.ts and
 * the -r mode over it). The rule is glibc `sscanf` with blank-separated
 * conversions (`%Ns`, `%d`, `%X`): values in order up to the first that does
 * not convert; a `%Ns` takes at most N bytes and the rest of a longer word
 * spills into the next conversion; numbers are stored into 32-bit ints.
 *
 * - `scan` round-trips generated fields and, on a line cut anywhere, returns
 *   as many values as there are fields whose text starts before the cut;
 * - arbitrary text never throws and yields only C-sized numbers;
 * - `netstat -r` over generated /proc/net/route files (long and non-UTF-8
 *   interface names, both hex cases, lines net-tools skips) prints exactly
 *   what net-tools prints, lines cut before their 11th conversion included
 *   (a line of 10 takes IRTT from the line before, as a line whose addresses
 *   do not convert takes those: the file starts with a whole route, so that
 *   "before" is never net-tools' uninitialised stack).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decimal, hex, scan, word, type Conversion } from '../../src/modes/route/read';
import { routePass } from '../../src/modes/route';
import { generatedTreeProperty } from '../harness/oracle-suite';
import { blanks, hexText, LineBuilder } from './generators';
import { runs } from './runs';

type Field = { kind: 's'; text: string } | { kind: 'd'; value: number } | { kind: 'x'; value: number; lower: boolean };

const field: fc.Arbitrary<Field> = fc.oneof(
  fc.stringMatching(/^[!-~\x80-\xff]{1,20}$/).map((text) => ({ kind: 's' as const, text })),
  fc.integer({ min: -(2 ** 31), max: 2 ** 31 - 1 }).map((value) => ({ kind: 'd' as const, value })),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.boolean()).map(([value, lower]) => ({ kind: 'x' as const, value, lower })),
);

function conversionOf(f: Field): Conversion {
  return f.kind === 's' ? word() : f.kind === 'd' ? decimal : hex();
}

function build(fields: Field[], gaps: string[]): LineBuilder {
  const line = new LineBuilder();
  fields.forEach((f, i) => {
    line.lit(gaps[i % gaps.length]!);
    line.field(f.kind === 's' ? f.text : f.kind === 'd' ? String(f.value) : hexText(f.value, 1, f.lower));
  });
  return line;
}

describe('route-read scan: sscanf conversions', () => {
  it('round-trips words, decimals and hex numbers separated by any blanks', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 12 }), fc.array(blanks, { minLength: 1, maxLength: 4 }), (fields, gaps) => {
        // A word made of digits would be read by a following %d/%X too; fine: words are converted as words here.
        const got = scan(build(fields, gaps).text, fields.map(conversionOf));
        expect(got).toEqual(fields.map((f) => (f.kind === 's' ? f.text : f.value)));
      }),
      { numRuns: runs(1500) },
    );
  });

  it('a line cut anywhere converts exactly the fields that start before the cut', () => {
    fc.assert(
      fc.property(fc.array(field, { minLength: 1, maxLength: 12 }), fc.array(blanks, { minLength: 1, maxLength: 4 }), (fields, gaps) => {
        const line = build(fields, gaps);
        const conversions = fields.map(conversionOf);
        const wrong: string[] = [];
        for (let cut = 0; cut <= line.text.length; cut++) {
          const started = line.completedBefore(cut);
          // A field that is only a sign is no number: such a cut is left out.
          const lastStart = line.starts[started - 1];
          const onlySign = started > 0 && cut - lastStart! === 1 && /[+-]/.test(line.text[lastStart!]!) && fields[started - 1]!.kind !== 's';
          if (onlySign) continue;
          const converted = scan(line.text.slice(0, cut), conversions).length;
          if (converted !== started) wrong.push(`cut ${cut}: ${converted} values, ${started} fields started`);
        }
        expect(wrong).toEqual([]);
      }),
      // Each case is every cut of its line.
      { numRuns: runs(100) },
    );
  });

  it('a %Ns word longer than N spills into the next conversion', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]{1,40}$/), fc.integer({ min: 1, max: 16 }), (text, width) => {
        const got = scan(text, [word(width), word()]);
        expect(got).toEqual(text.length > width ? [text.slice(0, width), text.slice(width)] : [text]);
      }),
      { numRuns: runs(1000) },
    );
  });

  it('arbitrary text never throws and numbers fit a C int', () => {
    const conversion = fc.constantFrom<Conversion>(word(15), word(), decimal, hex(), hex(4));
    const char = fc.oneof(fc.constantFrom('0', '9', 'a', 'F', 'x', '-', '+', ' ', '\t', '\v'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 200 }), fc.array(conversion, { maxLength: 14 }), (chars, conversions) => {
        const values = scan(chars.join(''), conversions);
        expect(values.length).toBeLessThanOrEqual(conversions.length);
        const fits = (v: string | number, kind: Conversion['kind']) =>
          kind === 'd' ? v === ((v as number) | 0) : kind === 'x' ? v === (v as number) >>> 0 : typeof v === 'string' && v.length > 0;
        expect(values.filter((v, i) => !fits(v, conversions[i]!.kind))).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

const ROUTE_HEADER = 'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n';
/**
 * A whole route before the generated lines. net-tools keeps the previous
 * line's address where one does not convert (INET_getsock needs 8 hex
 * digits), and before any line that is uninitialised stack: a kept line
 * whose name spills (its Destination is then the rest of the name, its
 * Genmask the Metric text) printed varying garbage when it came first.
 */
const FIRST_ROUTE = 'lo\t0000007F\t00000000\t0001\t0\t0\t0\t000000FF\t0\t0\t0\n';

const ifaceName = fc.oneof(
  fc.constantFrom('eth0', 'lo', 'vx0', 'wlan0', 'veth-longname15', 'a-name-of-twenty-ch'),
  fc.array(fc.oneof(fc.constantFrom('e', 't', 'h', '0', '.', ':'), fc.integer({ min: 0x21, max: 0xff }).map((b) => String.fromCharCode(b))), { minLength: 1, maxLength: 20 }).map((c) => c.join('')),
);
const addressWord = fc.tuple(fc.nat({ max: 0xffffffff }), fc.boolean()).map(([value, lower]) => hexText(value, 8, lower));

/** A /proc/net/route line: all 11 conversions, or cut before the 11th (before the 10th, net-tools skips it). */
const routeLine = fc
  .record({
    iface: ifaceName,
    destination: addressWord,
    gateway: addressWord,
    flags: fc.oneof(fc.constantFrom(0x1, 0x3, 0x5, 0x7, 0x0, 0x201, 0x11), fc.nat({ max: 0xffff })),
    numbers: fc.array(fc.integer({ min: -5, max: 100000 }), { minLength: 6, maxLength: 6 }),
    mask: addressWord,
    gaps: fc.array(fc.constantFrom('\t', ' ', '\t\t', '  '), { minLength: 11, maxLength: 11 }),
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
    tail: fc.constantFrom('', '                                                       ', '\t'),
  })
  .map((r) => {
    const [refcnt, use, metric, mtu, window, irtt] = r.numbers as [number, number, number, number, number, number];
    const line = new LineBuilder()
      .field(r.iface)
      .lit(r.gaps[0]!)
      .field(r.destination)
      .lit(r.gaps[1]!)
      .field(r.gateway)
      .lit(r.gaps[2]!)
      .field(hexText(r.flags, 4, false))
      .lit(r.gaps[3]!)
      .field(String(refcnt))
      .lit(r.gaps[4]!)
      .field(String(use))
      .lit(r.gaps[5]!)
      .field(String(metric))
      .lit(r.gaps[6]!)
      .field(r.mask)
      .lit(r.gaps[7]!)
      .field(String(mtu))
      .lit(r.gaps[8]!)
      .field(String(window))
      .lit(r.gaps[9]!)
      .field(String(irtt))
      .lit(r.tail);
    // An interface name over 15 bytes spills into the Destination conversion; only whole lines are kept then.
    if (r.cut === null || r.iface.length > 15) return line.text;
    return line.text.slice(0, Math.floor(r.cut * line.starts[10]!));
  });

describe('netstat -r over generated /proc/net/route files', () => {
  generatedTreeProperty({
    title: 'prints what net-tools prints',
    arbitrary: fc.array(routeLine, { maxLength: 40 }),
    files: (lines) => ({ 'net/route': ROUTE_HEADER + FIRST_ROUTE + lines.map((l) => l + '\n').join('') }),
    args: [['-rn'], ['-rne'], ['-rnee']],
    pass: routePass,
    numRuns: runs(10),
  });
});
