/**
 * `netstat -g` against /usr/bin/netstat on a live private network namespace:
 * a holder process keeps the namespace alive with a bridge, a veth end with a
 * 15-character name and multicast groups joined on both families, one twice
 * (test/scenario/groups.py);
 * net-tools runs inside it (`nsenter -n`), this implementation reads the same
 * files through `/proc/<holder>/net`. Every numeric option combination, as
 * root and as nobody (symbolic names would be looked up in two different
 * network namespaces; the fixture tests compare those). net-tools' stdout is
 * taken from the groups header on: what comes before it (the Internet section
 * for -4/-6) belongs to the socket listing. Needs root, `unshare`, `nsenter`,
 * python3 and /usr/bin/netstat; skipped with the reason otherwise.
 */
import { expect } from 'vitest';
import { groupsSection } from '../../src/modes/groups';
import { groupsSectionOf } from '../harness/modes';
import { liveNamespaceSuite } from '../harness/oracle-suite';

const ARGS: string[][] = [
  ['-gn'], ['-g', '--numeric-hosts'], ['-gnv'], ['-gnW'], ['-gne'], ['-gnee'], ['-gna'], ['-gnl'], ['-gnN'], ['-gno'],
  ['-gn4'], ['-gn6'], ['-gn', '-A', 'inet'], ['-gn', '-A', 'inet6'], ['-gn46'], ['-gn', '-A', 'inet,inet6'],
  ['--groups', '--numeric'], ['-gn4v'],
];

liveNamespaceSuite({
  title: '-g in a live network namespace, against /usr/bin/netstat',
  scenario: 'groups',
  args: ARGS,
  pass: groupsSection,
  oracleOutput: groupsSectionOf,
  sanity: {
    title: "reads the namespace's own groups",
    args: ['-gn'],
    check: (run) => {
      expect(run.stdout).toContain('br0             2      239.1.2.3\n');
      expect(run.stdout).toContain('veth-longname15 1      ff02::fb\n');
    },
  },
});
