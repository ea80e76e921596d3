/**
 * Starter cases for the other modes: -r (routes), -i (interfaces), -g (groups), -s (statistics),
 * -M (masquerade); every option combination of each that matters, bad address families, and
 * mode conflicts; all as root and as uid 65534.
 *
 * -i and -s print packet counters that the scenario's loopback traffic moves (zero-window probes,
 * SYN retransmissions), so they are compared with the 'counters' mask (see compare.ts).
 */
import type { DiffCase } from '../harness';
import type { Mask } from '../compare';
import { caseOf, unique, words } from './common';

function product(...lists: string[][]): string[] {
  return lists.reduce((acc, list) => acc.flatMap((a) => list.map((b) => `${a} ${b}`.trim())), ['']);
}

const ROUTES = [
  '-r', '-rn', '-rne', '-rnee', '-reee', '-reeee', '-rC', '-rF', '-rCF', '-r6', '-rn6', '-rN', '-r -A inet6,inet',
  '-r -A inet,inet6', '-r4', '-r -6 -4', '-rv', '-rW', '-r --numeric-hosts', '-r --numeric-ports',
  '-r --numeric-users', '-r6e', '-r6ee', '-r6eee', '-r6C', '-r6CF', '-r6N', '-r6F', '--route', '--rou -n',
  '-r --inet6', '-r --inet', '-rp', '-ra', '-rt', '-rx', '-r -A ip6', '-r -A tcpip', '-rnC6', '-rCe', '-rCee',
  '-rNe', '-rNee', '-rneW', '-r -d',
  // numeric x extend x table, the family rotating through v4, v6 and both
  ...product(['-r', '-rn', '-rN'], ['', '-e', '-ee', '-eee'], ['', '-C', '-F', '-CF']).map(
    (f, k) => `${f} ${['', '-6', '-A inet,inet6'][k % 3]}`.trim(),
  ),
];

const ROUTE_BAD_AF = [
  '-r -A foo', '-r -A unix', '-r -A econet', '-r -A ash', '-r -A bluetooth', '-r -A ddp', '-r -A appletalk',
  '-r -A ax25', '-r -A netrom', '-r -A rose', '-r -A x25', '-r -A ipx', '-rx', '-r --unix', '-r -A inet,unix',
  '-r -A unix,inet', '-r -A inet,foo', '-r -A ""', '-r6 -A ipx', '-r --ipx', '-r --ax25',
];

const INTERFACES = [
  '-i', '-ia', '-ie', '-iae', '-iee', '-ieee', '-iaee', '-in', '-ian', '-iv', '-iN', '-iW', '-i -A inet6', '-i4',
  '-i6', '-i -p', '-i -t', '-i -x', '-i -o', '-il', '-ig', '-ige', '--interfaces', '--interf -a', '-i --all',
  '-iaeW', '-ie -n', '-i -A foo', '-iaA inet',
];

const GROUPS = [
  '-g', '-gn', '-g4', '-g6', '-ga', '-gl', '-g -A inet', '-g -A inet6', '-g --numeric-hosts', '-gt', '-gx',
  '-gv', '-gW', '-gp', '-gN', '-ge', '-gee', '-g46', '-gn6', '-gu', '-gw', '-g -A unix', '--groups',
  '--gro -n', '-gnW', '-g -A foo', '-g -A inet,unix', '-gtx', '-gan',
];

const STATISTICS = [
  '-s', '-st', '-su', '-sw', '-sU', '-sx', '-sS', '-s6', '-s6t', '-s6u', '-s6w', '-s6U', '-s -4 -6', '-s -A unix',
  '-s -A inet6', '-s -A inet', '-s4', '-sv', '-sn', '-se', '-stu', '-stw', '-stuw', '-suw', '-s -A inet6,inet',
  '-s -A foo', '-s --inet6', '-s --unix', '-s -A ipx', '-sl', '-sa', '-sp', '-so', '-sW', '-sN',
  '--statistics', '--stat -t', '--statistics --udp', '-s6tu',
];

const MASQUERADE = ['-M', '-Mn', '-Me', '-Mee', '-Mv', '-MA inet', '-M -A foo', '--masquerade', '--masq -n', '-M -6'];

const CONFLICTS = [
  '-r -i', '-ri', '-rs', '-iM', '-sM', '-rig', '-sg', '-Mr', '-is', '-rMs', '-ir -A foo', '-gr', '-gi', '-gs',
  '-gM',
];

const AS_NOBODY = [
  '-r', '-rn', '-rnee', '-r6', '-rC', '-i', '-ia', '-ie', '-iae', '-g', '-gn', '-g6', '-s', '-st', '-s6', '-su',
  '-M', '-r -A foo', '-ri',
];

const CONTINUOUS = ['-rnc', '-r6c', '-ic', '-iec', '-gnc', '-Mc', '-sc'];

function modeCase(fragment: string, more: Partial<DiffCase> = {}): DiffCase {
  const args = fragment === '-r -A ""' ? ['-r', '-A', ''] : words(fragment);
  // -i and -s print counters that move by themselves (-g alongside -i/-s is ignored).
  const countersMoving = args.some((a) => /^-[^-]*[is]/.test(a.split('A')[0]) || /^--(interf|stat)/.test(a));
  const extra: Mask[] = countersMoving ? ['counters'] : [];
  return caseOf(args, more, extra);
}

export function modeCases(): DiffCase[] {
  const asRoot = [...ROUTES, ...ROUTE_BAD_AF, ...INTERFACES, ...GROUPS, ...STATISTICS, ...MASQUERADE, ...CONFLICTS];
  return unique([
    ...asRoot.map((f) => modeCase(f)),
    ...AS_NOBODY.map((f) => modeCase(f, { user: 'nobody' })),
    // -M -c and -s -c end by themselves (-M fails, -s ignores -c); the others run until SIGINT.
    ...CONTINUOUS.map((f) => modeCase(f, f === '-Mc' || f === '-sc' ? {} : { continuous: true })),
  ]);
}
