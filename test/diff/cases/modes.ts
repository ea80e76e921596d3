/**
 * Starter cases for the other modes: -r (routes), -i (interfaces), -g (groups), -s (statistics),
 * -M (masquerade); every option combination of each that matters, bad address families, and
 * mode conflicts; all as root and as uid 65534.
 *
 * -i and -s print packet counters that the scenario's loopback traffic moves (zero-window probes,
 * SYN retransmissions), so they are compared with the 'counters' mask (see compare.ts; common.ts
 * gives it to every case that selects -i or -s).
 */
import { existsSync } from 'node:fs';
import type { DiffCase } from '../harness';
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

/** -M tables: only comparable with net-tools where conntrack is absent (see conntrackPresent). */
const MASQUERADE = ['-M', '-Mn', '-Me', '-Mee', '-Mv', '-MA inet', '--masquerade', '--masq -n', '-M -6', '-gM'];
/** -M errors that come before any table is read. */
const MASQUERADE_ERRORS = ['-M -A foo', '-M -A ""', '-Mq'];

const CONFLICTS = [
  '-r -i', '-ri', '-rs', '-iM', '-sM', '-rig', '-sg', '-Mr', '-is', '-rMs', '-ir -A foo', '-gr', '-gi', '-gs',
];

const AS_NOBODY = ['-r', '-rn', '-rnee', '-r6', '-rC', '-i', '-ia', '-ie', '-iae', '-g', '-gn', '-g6', '-s', '-st', '-s6', '-su', '-r -A foo', '-ri'];

/**
 * -s -c ends by itself (-s ignores -c); the others run until SIGINT. Not -g -c: from its second
 * pass net-tools parses /proc/net/igmp as igmp6 and prints garbage from uninitialised memory
 * (spec §5), which a port need not reproduce; the first pass is plain -g.
 */
const CONTINUOUS = ['-rnc', '-r6c', '-ic', '-iec'];

/**
 * net-tools' -M reads /proc/net/ip_masquerade, which no kernel since 2.4 has, and fails. This
 * project lists conntrack's NAT entries instead (issue 4) and prints net-tools' failure only
 * where conntrack is absent -- so only there are its -M tables compared with net-tools.
 * (The conntrack module, when loaded, serves every network namespace.)
 */
export function conntrackPresent(): boolean {
  return existsSync('/proc/sys/net/netfilter/nf_conntrack_max') || existsSync('/proc/net/nf_conntrack');
}

function modeCase(fragment: string, more: Partial<DiffCase> = {}): DiffCase {
  const args = words(fragment).map((w) => (w === '""' ? '' : w));
  return caseOf(args, more); // -i and -s get the 'counters' mask there
}

export function modeCases(): DiffCase[] {
  const masquerade = conntrackPresent() ? [] : MASQUERADE;
  const asRoot = [...ROUTES, ...ROUTE_BAD_AF, ...INTERFACES, ...GROUPS, ...STATISTICS, ...masquerade, ...MASQUERADE_ERRORS, ...CONFLICTS];
  return unique([
    ...asRoot.map((f) => modeCase(f)),
    ...[...AS_NOBODY, ...(conntrackPresent() ? [] : ['-M'])].map((f) => modeCase(f, { user: 'nobody' })),
    ...CONTINUOUS.map((f) => modeCase(f, { continuous: true })),
    modeCase('-sc'),
    ...(conntrackPresent() ? [] : [modeCase('-Mc')]), // fails at once, like -M
  ]);
}
