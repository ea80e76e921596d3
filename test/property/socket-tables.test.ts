/**
 * Hostile input for the /proc socket table parsers (src/procfs/inet-table.ts,
 * unix-table.ts, over line-scanner.ts and table-lines.ts). The acceptance
 * rule is net-tools' (spec §2.4, §2.13): the first line is skipped; a line is
 * taken iff its `sscanf` completes at least 11 (TCP) / 10 (UDP, UDP-Lite,
 * RAW) / 6 (UNIX) conversions, else it is counted in `malformed`.
 *
 * Properties, thousands of generated cases each:
 * - well-formed lines round-trip every field, whatever the blanks and hex case;
 * - a line cut anywhere is accepted iff the conversions whose text starts
 *   before the cut reach the minimum (counted from where the generator put
 *   each field, not by a second parser), and the fields it lacks are 0 —
 *   every cut of each generated line, not one cut at random;
 * - a NUL byte ends the line for every conversion, as it ends net-tools' C
 *   string — again at every position of each generated line;
 * - UNIX names keep their bytes: not-UTF-8 ones come back exactly from `pathBase64`;
 * - arbitrary bytes (NULs, CRs, bytes ≥ 0x80, huge digit runs) never throw, and
 *   a table's `malformed` is the sum over its lines parsed one by one.
 *
 * A case compares its whole outcome with one `expect` (or collects what broke
 * the rule and expects nothing): an `expect` call costs more than a parse, and
 * thousands of them per property were most of this file's time.
 */
import fc from 'fast-check';
import { isDeepStrictEqual } from 'node:util';
import { describe, expect, it } from 'vitest';
import type { InetProtocol, InetSocket, UnixSocket } from '../../src/model';
import { parseInetTable } from '../../src/procfs/inet-table';
import { runToEnd } from '../../src/procfs/slices';
import { parseUnixTable } from '../../src/procfs/unix-table';
import { addressText, inetLine, inetRow, layout, unixLine, unixRow } from './generators';
import { runs } from './runs';

const HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';

const inet = (text: string, protocol: InetProtocol = 'tcp') => runToEnd(parseInetTable(Buffer.from(HEADER + text, 'latin1'), protocol, 'inet'));
const unix = (text: string) => runToEnd(parseUnixTable(Buffer.from(UNIX_HEADER + text, 'latin1')));

const MINIMUM: Record<InetProtocol, number> = { tcp: 11, udp: 10, udplite: 10, raw: 10 };
const protocols = fc.constantFrom<InetProtocol>('tcp', 'udp', 'udplite', 'raw');

/** Bytes a hostile /proc line is made of: the format's own characters, and the rest. */
const hostileChar = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('0', '1', '9', 'A', 'f', 'x', 'X', ':', ' ', '\t', '-', '+', '/', '@') },
  { weight: 1, arbitrary: fc.constantFrom('\0', '\r', '\v', '\x80', '\xff', '\xc3', 'é') },
  { weight: 1, arbitrary: fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)) },
);
const hostileLine = fc.array(hostileChar, { maxLength: 120 }).map((chars) => chars.join('').replace(/\n/g, ' '));

describe('inet tables: /proc/net/{tcp,udp,udplite,raw}{,6}', () => {
  it('well-formed lines round-trip every field (v4 and v6, any blanks, either hex case)', () => {
    fc.assert(
      fc.property(
        protocols,
        fc.boolean().chain((v6) => fc.array(fc.tuple(inetRow(v6), layout), { minLength: 1, maxLength: 6 })),
        (protocol, rows) => {
          // Distinct inodes: a repeated one could be a kernel re-read duplicate to the table loop.
          const distinct = rows.filter(([row], i) => rows.findIndex(([other]) => other.inode === row.inode) === i);
          const text = distinct.map(([row, l]) => inetLine(row, l).text + '\n').join('');
          expect(inet(text, protocol)).toMatchObject({
            malformed: 0,
            rows: distinct.map(([want]) => ({
              protocol,
              localAddress: addressText(want.localBytes),
              localPort: want.localPort,
              remoteAddress: addressText(want.remoteBytes),
              remotePort: want.remotePort,
              state: want.state,
              sendQueue: want.sendQueue,
              recvQueue: want.recvQueue,
              uid: want.uid,
              inode: want.inode,
              timer: { kind: want.timerKind, expiresMs: want.timerTicks * 10, retransmits: want.retransmits, probes: want.timeout },
            })),
          });
        },
      ),
      { numRuns: runs(1000) },
    );
  });

  it('a line cut anywhere is accepted iff its completed conversions reach the minimum; missing fields are 0', () => {
    fc.assert(
      fc.property(protocols, fc.boolean().chain((v6) => inetRow(v6)), layout, (protocol, row, l) => {
        const line = inetLine(row, l);
        const broken: string[] = [];
        for (let cut = 0; cut <= line.text.length; cut++) {
          const completed = line.completedBefore(cut);
          const table = inet(line.text.slice(0, cut) + '\n', protocol);
          const accepted = completed >= MINIMUM[protocol];
          if (table.malformed !== (accepted ? 0 : 1) || table.rows.length !== (accepted ? 1 : 0)) broken.push(`cut ${cut}: ${completed} conversions, ${table.rows.length} rows, ${table.malformed} malformed`);
          const got = table.rows[0];
          if (got === undefined) continue;
          // Conversions 12, 13, 14: uid, timeout, inode.
          if (completed < 12 && got.uid !== 0) broken.push(`cut ${cut}: uid ${got.uid} without its conversion`);
          if (completed < 13 && got.timer.probes !== 0) broken.push(`cut ${cut}: timeout ${got.timer.probes} without its conversion`);
          if (completed < 14 && got.inode !== 0) broken.push(`cut ${cut}: inode ${got.inode} without its conversion`);
          if (cut === line.text.length && got.inode !== row.inode) broken.push(`whole line: inode ${got.inode}, not ${row.inode}`);
        }
        expect(broken).toEqual([]);
      }),
      // Each case is every cut of its line (~100–200 of them).
      { numRuns: runs(100) },
    );
  });

  it('a NUL byte ends the line for every conversion', () => {
    fc.assert(
      fc.property(protocols, fc.boolean().chain((v6) => inetRow(v6)), layout, hostileLine, (protocol, row, l, junk) => {
        const text = inetLine(row, l).text;
        const withNul = [];
        const ended = [];
        for (let cut = 0; cut <= text.length; cut++) {
          withNul.push(inet(`${text.slice(0, cut)}\0${junk}\n`, protocol));
          ended.push(inet(`${text.slice(0, cut)}\n`, protocol));
        }
        expect(withNul).toEqual(ended);
      }),
      // Each case puts the NUL at every position of its line.
      { numRuns: runs(60) },
    );
  });

  it('arbitrary bytes never throw; malformed is the sum of the lines taken one by one; fields are numbers', () => {
    fc.assert(
      fc.property(protocols, fc.boolean(), fc.array(hostileLine, { maxLength: 12 }), (protocol, v6, lines) => {
        const parse = (text: string) => runToEnd(parseInetTable(Buffer.from(HEADER + text, 'latin1'), protocol, v6 ? 'inet6' : 'inet'));
        const table = parse(lines.map((line) => line + '\n').join(''));
        const single = lines.map((line) => parse(line + '\n'));
        expect(table.malformed).toBe(single.reduce((sum, t) => sum + t.malformed, 0));
        // Rows come in line order; a repeated socket may be dropped, nothing else.
        const accepted = single.flatMap((t) => t.rows);
        expect(table.rows.length).toBeLessThanOrEqual(accepted.length);
        expect(notAmong(table.rows, accepted)).toEqual([]);
        expect(table.rows.flatMap(nonFinite)).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });

  it('over-long lines and digit runs: bounded time, no throw, digits beyond 64 end the address', () => {
    fc.assert(
      fc.property(protocols, fc.integer({ min: 65, max: 5000 }), fc.integer({ min: 1, max: 200_000 }), (protocol, addressDigits, padding) => {
        const longAddress = `   0: ${'1'.repeat(addressDigits)}:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 1\n`;
        // %64[0-9A-Fa-f] stops after 64 digits, so the ':' literal fails: 2 conversions.
        expect(inet(longAddress, protocol)).toEqual({ rows: [], malformed: 1 });
        const longTail = `   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000 0 0 7 ${'x'.repeat(padding)}\n`;
        expect(inet(longTail, protocol).rows.map((r) => r.inode)).toEqual([7]);
        const hugeNumber = `   0: 0100007F:0016 00000000:0000 0A ${'F'.repeat(addressDigits)}:00000000 00:00000000 00000000 0 0 ${'9'.repeat(addressDigits)}\n`;
        for (const row of inet(hugeNumber, protocol).rows) expect(typeof row.sendQueue).toBe('number');
      }),
      { numRuns: runs(200) },
    );
  });

  it('a file without a newline, or with only the header, has no rows and nothing malformed', () => {
    fc.assert(
      fc.property(hostileLine, (text) => {
        expect(runToEnd(parseInetTable(Buffer.from(text.replace(/\n/g, ''), 'latin1'), 'tcp', 'inet'))).toEqual({ rows: [], malformed: 0 });
        expect(inet('')).toEqual({ rows: [], malformed: 0 });
      }),
      { numRuns: runs(500) },
    );
  });
});

describe('UNIX table: /proc/net/unix', () => {
  it('well-formed lines round-trip every field and the name bytes exactly', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(unixRow, layout), { minLength: 1, maxLength: 6 }), (generated) => {
        // Distinct inodes: a repeated one could be a kernel re-read duplicate to the table loop.
        const rows = generated.filter(([row], i) => generated.findIndex(([other]) => other.inode === row.inode) === i);
        const table = unix(rows.map(([row, l]) => unixLine(row, l).text + '\n').join(''));
        expect({ malformed: table.malformed, rows: table.rows.map((got) => ({ ...got, name: nameBytesOf(got) })) }).toMatchObject({
          malformed: 0,
          rows: rows.map(([want]) => ({ refCount: want.refCount, protocol: want.protocol, flags: want.flags, type: want.type, state: want.state, inode: want.inode, name: want.path })),
        });
      }),
      { numRuns: runs(1000) },
    );
  });

  it('a line cut anywhere is accepted iff at least 6 conversions complete', () => {
    fc.assert(
      fc.property(unixRow, layout, (row, l) => {
        const line = unixLine(row, l);
        const broken: string[] = [];
        for (let cut = 0; cut <= line.text.length; cut++) {
          const completed = line.completedBefore(cut);
          const table = unix(line.text.slice(0, cut) + '\n');
          if (table.malformed !== (completed >= 6 ? 0 : 1)) broken.push(`cut ${cut}: ${completed} conversions, ${table.malformed} malformed`);
          if (completed === 6 && table.rows[0]?.inode !== 0) broken.push(`cut ${cut}: inode ${table.rows[0]?.inode} without its conversion`);
        }
        expect(broken).toEqual([]);
      }),
      // Each case is every cut of its line.
      { numRuns: runs(100) },
    );
  });

  it('a NUL byte before the name ends the line for every conversion; inside the name it is kept', () => {
    const fields = (table: ReturnType<typeof unix>) => ({ malformed: table.malformed, rows: table.rows.map(({ path: _p, pathBase64: _b, ...rest }) => rest) });
    fc.assert(
      fc.property(unixRow, layout, (row, l) => {
        const line = unixLine({ ...row, path: '' }, l).text;
        const withNul = [];
        const ended = [];
        for (let cut = 0; cut <= line.length; cut++) {
          withNul.push(fields(unix(`${line.slice(0, cut)}\0 tail\n`)));
          ended.push(fields(unix(`${line.slice(0, cut)}\n`)));
        }
        expect(withNul).toEqual(ended);
        const named = unix(`${line} a\0b\n`).rows[0];
        if (named !== undefined) expect(nameBytesOf(named)).toBe('a\0b');
      }),
      // Each case puts the NUL at every position of its line.
      { numRuns: runs(60) },
    );
  });

  it('arbitrary bytes never throw; malformed is the sum of the lines taken one by one', () => {
    fc.assert(
      fc.property(fc.array(hostileLine, { maxLength: 12 }), (lines) => {
        const table = unix(lines.map((line) => line + '\n').join(''));
        const single = lines.map((line) => unix(line + '\n'));
        expect(table.malformed).toBe(single.reduce((sum, t) => sum + t.malformed, 0));
        const accepted = single.flatMap((t) => t.rows);
        expect(table.rows.length).toBeLessThanOrEqual(accepted.length);
        expect(notAmong(table.rows, accepted)).toEqual([]);
        expect(table.rows.flatMap(nonFinite)).toEqual([]);
        expect(table.rows.filter((row) => typeof row.stateName !== 'string')).toEqual([]);
      }),
      { numRuns: runs(1500) },
    );
  });
});

/** The bytes of a UNIX name as a latin1 string: from `pathBase64` when the text lost some. */
function nameBytesOf(row: UnixSocket): string {
  return row.pathBase64 !== undefined ? Buffer.from(row.pathBase64, 'base64').toString('latin1') : Buffer.from(row.path, 'utf8').toString('latin1');
}

/** Rows of `rows` equal to none of `among`. */
function notAmong<T>(rows: T[], among: T[]): T[] {
  return rows.filter((row) => !among.some((other) => isDeepStrictEqual(row, other)));
}

/** The numeric fields of a row that are not finite numbers, by name. */
function nonFinite(row: InetSocket | UnixSocket): string[] {
  return Object.entries(row)
    .filter(([, value]) => typeof value === 'number' && !Number.isFinite(value))
    .map(([key]) => key);
}
