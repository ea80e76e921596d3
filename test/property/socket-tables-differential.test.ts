/**
 * The strongest form of the socket table properties: generated /proc/net
 * trees (tcp, tcp6, udp, udp6, raw, raw6, unix) with up to 60 lines each —
 * well-formed ones with any blanks and hex case, lines cut short, hostile
 * bytes, names that are not UTF-8 — listed by our socket listing and by
 * net-tools 2.10 over the same files: stdout, stderr (the "bogus line"
 * warnings) and exit status must be identical.
 *
 * The listing runs in-process (`listingPass`, the CLI's own pass, over the
 * tree as its proc root, on the /proc backend), so a tree costs net-tools'
 * runs only (one mount namespace for both option sets, runOracleEach) and
 * many trees fit in CI. The same files read by the whole program over a
 * fake /proc, messages and statuses included, are test/fakeproc's.
 *
 * Lines net-tools reads into uninitialised variables are not generated: an
 * inet line completing 11–13 (TCP) or 10–13 (UDP/RAW) of its 14 conversions,
 * a UNIX line completing exactly 6 (spec §2.4); nor state numbers past its
 * name tables.
 */
import fc from 'fast-check';
import { describe } from 'vitest';
import { chooseSources } from '../../src/backends/choose';
import { listingPass } from '../../src/modes/listing';
import { generatedTreeProperty } from '../harness/oracle-suite';
import { inetLine, inetRow, layout, type InetRow, unixLine, unixRow } from './generators';
import { runs } from './runs';


const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const UDP_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';

/** Bogus lines: junk that completes no conversion net-tools would keep. */
const junk = fc.constantFrom('garbage', '', 'x:y', '   :', '\0', '\xff\xfe', 'sl local', '   0', '-', ' \t ');

type Kind = 'tcp' | 'udp' | 'unix';

/** One table line: a whole row (with its inode), a row cut before its `keep`-th conversion, or junk. */
function tableLine(kind: Kind, v6: boolean): fc.Arbitrary<{ text: string; inode?: number }> {
  const minimum = kind === 'tcp' ? 11 : kind === 'udp' ? 10 : 6;
  const whole =
    kind === 'unix'
      ? fc.tuple(unixRow, layout).map(([row, l]) => ({ line: unixLine(row, l), inode: row.inode }))
      : fc.tuple(safeInet(kind, v6), layout).map(([row, l]) => ({ line: inetLine(row, l), inode: row.inode }));
  const cut = fc.tuple(whole, fc.double({ min: 0, max: 1, noNaN: true })).map(([{ line }, at]) => {
    // Before the start of the minimum-th conversion: net-tools calls it bogus.
    const limit = line.starts[minimum - 1]!;
    return { text: line.text.slice(0, Math.floor(at * limit)) };
  });
  return fc.oneof(
    { weight: 6, arbitrary: whole.map(({ line, inode }) => ({ text: line.text, inode })) },
    { weight: 2, arbitrary: cut },
    { weight: 1, arbitrary: junk.map((text) => ({ text })) },
  );
}

/** Rows whose state net-tools has a name for (TCP 1–11; UDP/RAW connected or closed). */
function safeInet(kind: Kind, v6: boolean): fc.Arbitrary<InetRow> {
  const states = kind === 'tcp' ? fc.integer({ min: 1, max: 11 }) : fc.constantFrom(1, 7);
  return fc.tuple(inetRow(v6), states).map(([row, state]) => ({ ...row, state }));
}

/**
 * A table of generated lines. An inode appears at most once: a socket the
 * kernel repeats in one read of a table (a page resuming one entry early
 * under churn) is listed once by this netstat and twice by net-tools — a
 * deliberate difference (test/reliability/repeated-rows.test.ts), not one
 * this property looks for.
 */
function table(header: string, kind: Kind, v6: boolean): fc.Arbitrary<string> {
  return fc.array(tableLine(kind, v6), { minLength: 0, maxLength: 60 }).map((lines) => {
    const seen = new Set<number>();
    const unique = lines.filter(({ inode }) => inode === undefined || (!seen.has(inode) && seen.add(inode) !== undefined));
    return header + unique.map(({ text }) => text + '\n').join('');
  });
}

/** The files of a generated tree, by path below the proc root. */
const tree = fc.record({
  'net/tcp': table(TCP_HEADER, 'tcp', false),
  'net/tcp6': table(TCP_HEADER, 'tcp', true),
  'net/udp': table(UDP_HEADER, 'udp', false),
  'net/udp6': table(UDP_HEADER, 'udp', true),
  'net/raw': table(UDP_HEADER, 'udp', false),
  'net/raw6': table(UDP_HEADER, 'udp', true),
  'net/unix': table(UNIX_HEADER, 'unix', false),
});

describe('socket tables against net-tools on generated /proc trees', () => {
  generatedTreeProperty({
    title: 'same stdout, stderr and status for every generated tree',
    arbitrary: tree,
    files: (files) => files,
    args: [['-anW'], ['-aneoW']],
    // The listing over the tree as its proc root, in-process, as the CLI's pass prints it.
    pass: (ctx) => listingPass(ctx, chooseSources({ env: {}, procRoot: ctx.procRoot, backend: 'procfs' })),
    numRuns: runs(12),
  });
});
