/**
 * Socket-listing cases of the differential suite, generated: every option alone, the main
 * option groups combined (selection x listing x numeric x extras, by a covering design rather
 * than the full product), grouped short flags, permutation, `--`, long-option abbreviations,
 * bad input, mode conflicts, Bluetooth, and a part of all this as uid 65534.
 */
import type { DiffCase } from '../harness';
import { caseOf, unique, words } from './common';

/** Every socket-listing option on its own. */
const ALONE = [
  '', '-t', '-u', '-U', '-S', '-w', '-x', '-l', '-a', '-n', '--numeric-hosts', '--numeric-ports',
  '--numeric-users', '-N', '-e', '-ee', '-eee', '-p', '-o', '-W', '-v', '-4', '-6', '-A inet', '-A inet6',
  '-A unix', '-A inet,unix', '-A inet6,inet', '--protocol=inet', '--protocol=unix', '--protocol inet6',
  '--inet', '--inet6', '--unix', '-Z', '-V', '-h', '--help', '--version', '-d', '-g',
  '--tcp', '--udp', '--udplite', '--sctp', '--raw', '--listening', '--all', '--numeric', '--symbolic',
  '--extend', '--programs', '--timers', '--wide', '--verbose', '--context',
];

/** Which sockets: protocols, families, both. */
const SELECTIONS = [
  '', '-t', '-u', '-U', '-w', '-x', '-S', '-tu', '-tuw', '-tuUwx', '-4', '-6', '-x -4', '-6 -x', '-t -6',
  '-u -4', '-w -6', '-U -6', '-A inet,unix', '-A inet6', '--inet', '--unix -t', '-A unix', '-tuw -A inet6',
];
/** Which rows. */
const LISTINGS = ['', '-l', '-a', '-la'];
/** How names are shown. */
const NUMERIC = ['', '-n', '--numeric-hosts', '--numeric-ports', '--numeric-users', '-N'];
/** Extra columns and width. */
const EXTRAS = ['', '-e', '-ee', '-p', '-o', '-W', '-v', '-eep', '-eo', '-po', '-eepoW', '-Wp', '-eeW'];

function combinations(): DiffCase[] {
  const cases: DiffCase[] = [];
  // Every selection with every listing; resolved and numeric alternate (both for the first four).
  SELECTIONS.forEach((s, i) => {
    LISTINGS.forEach((l, j) => {
      const numerics = i < 4 ? ['', '-n'] : [(i + j) % 2 ? '-n' : ''];
      for (const n of numerics) cases.push(caseOf(words(`${s} ${l} ${n}`)));
    });
  });
  // Every extras x numeric pair, on all sockets.
  for (const e of EXTRAS) for (const n of NUMERIC) cases.push(caseOf(words(`-a ${n} ${e}`)));
  // Each selection with half of the extras sets, so that every (selection, extras) pair of
  // neighbouring indices is covered; listing and numeric rotate through their values.
  SELECTIONS.forEach((s, i) => {
    EXTRAS.forEach((e, j) => {
      if ((i + j) % 2) return;
      const l = LISTINGS[(i + j) % LISTINGS.length];
      const n = NUMERIC[(i * 3 + j) % NUMERIC.length];
      cases.push(caseOf(words(`${s} ${l} ${n} ${e}`)));
    });
  });
  return cases;
}

/** The same options spelled as grouped short flags, with -A glued or not. */
const GROUPED = [
  '-tulpn', '-tunlp', '-atnp', '-antp', '-tanW', '-xap', '-xlp', '-uan', '-wan', '-Uan', '-tuwan', '-tuwanW',
  '-tanoe', '-tanoeW', '-taneep', '-Ainet', '-Ainet6', '-tAinet', '-tA inet6', '-anA inet', '-nA unix',
  '-aA inet,inet6', '-tuxa', '-lnx', '-46', '-64t', '-4x', '-xn6', '-aeeop', '-apn4', '-ap6', '-laW',
  '-tlnpeW', '-vt', '-vx', '-tv', '-Nn', '-an --numeric-users -e', '-nee', '-nvp',
];

/** getopt permutation, `--` and POSIXLY_CORRECT. */
const PERMUTATION: [string[], Record<string, string>?][] = [
  [['foo', '-t']], [['-t', 'bar', '-n']], [['bar']], [['-tn', 'x', 'y', '-a']], [['inet', '-x']],
  [['--', '-t']], [['-t', '--', '-a']], [['--']], [['-n', '--', 'foo']], [['-t', '-A', 'unix']],
  [['-A', 'inet', '-t', 'unused']], [['foo', '-t'], { POSIXLY_CORRECT: '1' }],
  [['-t', 'foo', '-a'], { POSIXLY_CORRECT: '1' }], [['-tn'], { POSIXLY_CORRECT: '1' }],
];

/** Long options: full, unique abbreviations, ambiguous abbreviations, arguments where none is taken. */
const LONG = [
  '--tc', '--udpl', '--ra', '--un', '--lis', '--al', '--numeric-h', '--numeric-p', '--numeric-u', '--ext',
  '--e', '--prog', '--tim', '--wi', '--w', '--verb', '--sym', '--ine', '--inet6', '--ip', '--ipx', '--ax25',
  '--x25', '--netrom', '--rose', '--ddp', '--appletalk', '--protocol=inet6', '--proto=inet', '--pro=unix',
  '--protocol=inet,unix', '--vers', '--he', '--h', '--l', '--li', '--sc', '--co', '--con',
  // ambiguous
  '--a', '--u', '--t', '--n', '--ver', '--in', '--i', '--r', '--s', '--c', '--nu', '--numeric-', '--p',
  '--x', '--ro', '--int',
  // an argument where none is allowed, or a missing one
  '--tcp=1', '--inet6=foo', '--numeric=no', '--protocol', '--protocol=', '--all=',
];

/** Bad input and exotic requests: errors, usage, exit codes. */
const BAD = [
  '-q', '-A', '-tA', '-A foo', '-A inet,foo', '-A inet,', '-A ,', '-A inet,,unix', '--protocol=bogus',
  '--tcpip', '-t --tcpip', '--tcpip -x', '-?', '-t?', '-5', '-c5', '-Z', '-tZ', '-Zt', '-Z -x', '-x -Z',
  '--bogus', '-t --bogus', '-r -i', '-ri', '-s -r', '-i -M', '-M -s', '-rs', '-rix', '-Vh', '-hV', '-q -V',
  '-V -q', '-h -q', '-dt', '-A ipx', '-A ax25', '-A netrom', '-A rose', '-A x25', '-A ddp', '-A appletalk',
  '-A econet', '-A ash', '-A ip', '-A ip6', '-A tcpip', '-A ipx,inet', '-A ddp -t', '-v -t', '-va',
  '-vx', '-vS', '-S', '-Sa', '-Sl', '-tS', '-Sx', '-e -S',
  // Bluetooth (compiled out of net-tools 2.10)
  '-2', '-f', '--l2cap', '--rfcomm', '--bluetooth', '-A bluetooth', '-t -2', '-x -f', '-2f', '-a -2',
  '-A inet,bluetooth', '--blue',
];

/** Cases also run as uid 65534: -p notices and readable /proc/PID/fd, -e user names, errors. */
const AS_NOBODY = [
  '', '-a', '-tanp', '-anp', '-xap', '-tulpn', '-p', '-ee', '-aee', '-lp', '-uap', '-6ap', '-4p', '-tapW',
  '-ap --numeric-users', '-aeep', '-tanoep', '-xlp', '-wap', '-Uap', '-tlp', '-l', '-n', '-x', '-t', '-u',
  '-q', '-Z', '-A foo', '--bogus', '-V', '-h', '-2', '-S', '-v', '-anpo',
];

/** -c: repeated every second until interrupted; the harness compares the complete passes. */
const CONTINUOUS: DiffCase[] = [
  { args: ['-tnc'], continuous: true },
  { args: ['-cxl'], continuous: true },
  { args: ['-c', '-uwan'], continuous: true },
  { args: ['-tanpc'], user: 'nobody', continuous: true },
  { args: ['-c', '-q'] }, // getopt error: exits at once
  { args: ['-c', '-S'] }, // missing family: stops after the first pass
];

/** Run under the name `netstat` (getopt messages and usage name the program by argv[0]). */
const BY_NAME = ['-q', '--bogus', '-A', '--in', '--protocol', '--tcp=1', '-?', '-tan', '-Z', '-h'];

export function socketCases(): DiffCase[] {
  const cases: DiffCase[] = [
    ...ALONE.map((a) => caseOf(words(a))),
    ...combinations(),
    ...GROUPED.map((a) => caseOf(words(a))),
    ...PERMUTATION.map(([args, env]) => caseOf(args, env ? { env } : {})),
    ...LONG.map((a) => caseOf(words(a))),
    ...BAD.map((a) => caseOf(words(a))),
    ...[['-A', ''], ['-t', '-A', ''], ['--protocol', ''], ['-A', ' ']].map((args) => caseOf(args)),
    ...AS_NOBODY.map((a) => caseOf(words(a), { user: 'nobody' })),
    ...CONTINUOUS.map((c) => caseOf(c.args, { ...c })),
    ...BY_NAME.map((a) => caseOf(words(a), { argv0: 'netstat' })),
    ...['-q', '-tanp'].map((a) => caseOf(words(a), { argv0: 'netstat', user: 'nobody' })),
  ];
  return unique(cases);
}
