/**
 * Hostile input for the multicast group readers (src/modes/groups.ts,
 * spec §5): `/proc/net/igmp6` lines are `%d %15s %64[0-9A-Fa-f] %d`,
 * `/proc/net/igmp` has device lines (`%d\t%15c`) and TAB-indented group lines
 * (`\t%8[0-9A-Fa-f] %d`); a line that does not convert is a "bogus" warning
 * with its line number, and the device buffer carries over between lines as
 * net-tools' static buffer does.
 *
 * - arbitrary text never throws, gives one item per igmp6 line, and only
 *   valid address text;
 * - `netstat -gn` over generated files prints exactly what net-tools prints
 *   (stdout from the groups header on, the warnings, the status). Group
 *   addresses shorter than 32 digits leave net-tools' stack words in the
 *   IPv6 address, so igmp6 lines have the whole 32 or are cut before them.
 */
import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { groupsSection, parseIgmp, parseIgmp6 } from '../../src/modes/groups';
import { groupsSectionOf } from '../harness/modes';
import { generatedTreeProperty } from '../harness/oracle-suite';
import { hexText, LineBuilder } from './generators';
import { runs } from './runs';

const char = fc.oneof(
  { weight: 4, arbitrary: fc.constantFrom('0', '1', 'f', 'F', ' ', '\t', ':', '-', 'l', 'o') },
  { weight: 1, arbitrary: fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)) },
);
const text = fc.array(fc.array(char, { maxLength: 80 }).map((c) => c.join('')), { maxLength: 12 }).map((lines) => lines.map((l) => l + '\n').join(''));

describe('igmp/igmp6 parsers on arbitrary text', () => {
  it('never throw, keep file order, and give valid address text', () => {
    fc.assert(
      fc.property(text, fc.constantFrom('', 'Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n', 'Device    : Count\n'), (body, header) => {
        const lineCount = body.split('\n').length - 1;
        const v6 = parseIgmp6(body);
        expect(v6.length).toBe(lineCount);
        const v4 = parseIgmp(header + body);
        const valid = (item: (typeof v4)[number]) =>
          item.kind === 'group' ? isIP(item.address) === (item.family === 'inet' ? 4 : 6) && item.users === (item.users | 0) : Number.isInteger(item.line);
        expect([...v6, ...v4].filter((item) => !valid(item))).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

const deviceName = fc.oneof(
  fc.constantFrom('lo', 'eth0', 'veth-longname15', 'a-device-name-over-15'),
  fc.array(fc.integer({ min: 0x21, max: 0xff }).map((b) => String.fromCharCode(b)), { minLength: 1, maxLength: 18 }).map((c) => c.join('')),
);

const igmp6Line = fc
  .record({
    index: fc.nat({ max: 99 }),
    device: deviceName,
    address: fc.array(fc.nat({ max: 0xffffffff }), { minLength: 4, maxLength: 4 }),
    lower: fc.boolean(),
    users: fc.integer({ min: -3, max: 100 }),
    cut: fc.option(fc.double({ min: 0, max: 1, noNaN: true }), { freq: 4 }),
  })
  .map((r) => {
    const line = new LineBuilder()
      .field(String(r.index))
      .lit('    ')
      .field(r.device.replace(/[\s]/g, '_'))
      .lit(' '.repeat(Math.max(1, 16 - r.device.length)))
      .field(r.address.map((w) => hexText(w, 8, r.lower)).join(''))
      .lit(' ')
      .field(String(r.users))
      .lit(' 0000000C 0');
    // Cut lines end before the address: net-tools rejects them without touching its address words.
    return r.cut === null ? line.text : line.text.slice(0, Math.floor(r.cut * line.starts[2]!));
  });

const igmpLine = fc.oneof(
  fc.tuple(fc.nat({ max: 99 }), deviceName, fc.nat({ max: 9 })).map(([i, name, count]) => `${i}\t${name.padEnd(10)}:     ${count}      V3`),
  fc.tuple(fc.nat({ max: 0xffffffff }), fc.boolean(), fc.integer({ min: -2, max: 50 })).map(([w, lower, users]) => `\t\t\t\t${hexText(w, 8, lower)}     ${users} 0:00000000\t\t0`),
  fc.constantFrom('\t\t\t\tzz', 'x', '\t', '', 'lo'),
);

describe('netstat -gn over generated igmp and igmp6 files', () => {
  generatedTreeProperty({
    title: 'prints what net-tools prints',
    arbitrary: fc.tuple(fc.array(igmpLine, { maxLength: 30 }), fc.array(igmp6Line, { maxLength: 30 })),
    files: ([v4, v6]) => ({
      'net/igmp': 'Idx\tDevice    : Count Querier\tGroup    Users Timer\tReporter\n' + v4.map((l) => l + '\n').join(''),
      'net/igmp6': v6.map((l) => l + '\n').join(''),
    }),
    args: [['-gn'], ['-gn6'], ['-gn4']],
    pass: groupsSection,
    // -g is a section of the listing: net-tools' stdout counts from the groups header on.
    oracleOutput: groupsSectionOf,
    numRuns: runs(10),
  });
});
