/**
 * `netstat -s` against /usr/bin/netstat on a live private network namespace:
 * a holder process keeps the namespace alive after some loopback traffic
 * (test/scenario/traffic.py: TCP and UDP over IPv4 and IPv6, an ICMP port
 * unreachable); net-tools runs
 * inside it (`nsenter -n`), this implementation reads the same counters
 * through `/proc/<holder>/net`. Every option combination, as root and as
 * nobody. Needs root, `unshare`, `nsenter` and /usr/bin/netstat; skipped with
 * the reason otherwise.
 */
import { expect } from 'vitest';
import { statisticsPass } from '../../src/modes/statistics';
import { liveNamespaceSuite } from '../harness/oracle-suite';

const ARGS: string[][] = [
  ['-s'], ['-st'], ['-su'], ['-sw'], ['-sS'], ['-sU'], ['-stu'], ['-stw'], ['-suw'], ['-stuw'], ['-s6'], ['-s6t'],
  ['-s6u'], ['-s6w'], ['-s6U'], ['-s6tu'], ['-s', '-A', 'inet6'], ['-s', '-A', 'inet'], ['-s4'], ['-s', '-4', '-6'],
  ['-s', '-A', 'unix'], ['-sx'], ['-sv'], ['-sn'], ['-se'], ['-sa'], ['-sl'], ['-sW'], ['-sN'], ['-sp'], ['-so'],
  ['--statistics', '--tcp'],
];

liveNamespaceSuite({
  title: '-s in a live network namespace, against /usr/bin/netstat',
  scenario: 'traffic',
  args: ARGS,
  pass: statisticsPass,
  sanity: {
    title: "reads the namespace's own counters (two TCP connections were opened there)",
    args: ['-st'],
    check: (run) => expect(run.stdout).toContain('    2 active connection openings\n'),
  },
});
