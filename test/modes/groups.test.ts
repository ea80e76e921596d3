/**
 * `netstat -g` (src/modes/groups.ts) on the /proc trees of fixtures/igmp/.
 *
 * `expected.json` in each tree is net-tools' own output for the numeric
 * option combinations, recorded from /usr/bin/netstat with the tree mounted
 * over /proc (symbolic runs depend on the resolver of the machine, so they
 * are compared live only). net-tools prints the Internet section first when
 * `-4`/`-6` select it; the tree has no socket files, so only its two header
 * lines appear, and they are the socket listing's business: they are cut off
 * before comparing. The recording is checked live where net-tools can run
 * (test/harness/oracle-suite.ts), with the symbolic combinations on one tree.
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { GROUPS_HEADER, GroupScanState, groupsSection, parseIgmp, parseIgmp6 } from '../../src/modes/groups';
import { createResolvers } from '../../src/resolve';
import type { Run } from '../harness/commands';
import { captureContext as context, groupsSectionOf, runPass } from '../harness/modes';
import { recordedOracleSuite } from '../harness/oracle-suite';

const runGroups = (procRoot: string, args: string[]): Promise<Run> => runPass(groupsSection, procRoot, args);

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'igmp');

const NUMERIC: string[][] = [
  ['-gn'], ['-g', '--numeric-hosts'], ['-gnv'], ['-gnW'], ['-gne'], ['-gnee'], ['-gna'], ['-gnl'], ['-gnN'], ['-gno'],
  ['-gn4'], ['-gn6'], ['-gn', '-A', 'inet'], ['-gn', '-A', 'inet6'], ['-gn46'], ['-gn', '-A', 'inet,inet6'],
  ['-gn', '--inet'], ['--groups', '--numeric'], ['-gn4v'],
];

recordedOracleSuite({
  title: '-g on fixtures/igmp trees, against net-tools',
  fixtures: FIXTURES,
  mustHave: ['kernel-6.18-netns', 'quirks', 'old-layout', 'missing-igmp', 'eloop-igmp'],
  args: NUMERIC,
  mine: runGroups,
  oracleOutput: groupsSectionOf,
  // Names come from /etc/hosts and DNS, and a DNS look-up can take seconds here, so the
  // symbolic combinations run on one tree, as root (the user does not change a look-up).
  symbolic: { tree: 'kernel-6.18-netns', args: [['-g'], ['-g6'], ['-g', '--numeric-ports']] },
});

describe('-g building blocks', () => {
  it('takes 15 characters of a device line and cuts them at the last colon', () => {
    const items = parseIgmp('Idx\tDevice\n3\tveth-longname15:     3      V3\n\t\t\t\t030201EF     1 0\n1\tlo        :     1\n\t010000E0 2\n');
    expect(items).toEqual([
      { kind: 'group', family: 'inet', device: 'veth-longname15', users: 1, address: '239.1.2.3' },
      { kind: 'group', family: 'inet', device: 'lo        ', users: 2, address: '224.0.0.1' },
    ]);
  });

  it('keeps the tail of the previous name after a short device line, as net-tools static buffer does', () => {
    const items = parseIgmp('Idx\tDevice\n1\tabcdefghijklmn:  1\n2\txy\n\t010000E0 1\n');
    expect(items).toEqual([{ kind: 'group', family: 'inet', device: 'xy\ndefghijklmn', users: 1, address: '224.0.0.1' }]);
  });

  it('counts bogus lines from 0 and names the file', () => {
    expect(parseIgmp('Idx\tDevice\n1\tlo        :  1\n\tZZ 1\n\t010000E0\n')).toEqual([
      { kind: 'bogus', file: 'igmp', line: 2 },
      { kind: 'bogus', file: 'igmp', line: 3 },
    ]);
    expect(parseIgmp6('x\n1 lo ff02 a\n')).toEqual([
      { kind: 'bogus', file: 'igmp6', line: 0 },
      { kind: 'bogus', file: 'igmp6', line: 1 },
    ]);
  });

  it('reads a file without the Device header as igmp6, as net-tools does', () => {
    expect(parseIgmp('1 lo ff020000000000000000000000000001 1\n')).toEqual([
      { kind: 'group', family: 'inet6', device: 'lo', users: 1, address: 'ff02::1' },
    ]);
  });

  it('fills a short IPv6 address from the previous words (byte-swapped again), like net-tools', () => {
    const state = new GroupScanState();
    const items = parseIgmp6('1 a ff150000000000000000000000001234 1\n2 b ff02 1\n', state);
    expect(items.map((i) => (i.kind === 'group' ? i.address : i))).toEqual(['ff15::1234', '0:ff02::3412:0']);
  });

  it('prints the same block on every -c pass (net-tools garbles the second one; this port does not)', async () => {
    const dir = path.join(FIXTURES, 'kernel-6.18-netns');
    const resolvers = createResolvers();
    const first = context(dir, ['-gn'], resolvers, 0);
    const second = context(dir, ['-gn'], resolvers, 1);
    expect(await groupsSection(first)).toBe(0);
    expect(await groupsSection(second)).toBe(0);
    expect(second.out.stdout).toBe(first.out.stdout);
    expect(second.out.stderr).toBe('');
    expect(first.out.stdout).toContain('veth-longname15 1      239.1.2.3\n');
    expect(first.out.stdout).toContain('br0             2      ff15::1234\n');
  });

  it('says "no support" and returns 1 for a missing igmp unless -4 only implied the protocols', async () => {
    const dir = path.join(FIXTURES, 'missing-igmp');
    const explicit = await runGroups(dir, ['-gn']);
    expect(explicit.status).toBe(1);
    expect(explicit.stderr).toBe("netstat: no support for `AF INET (igmp)' on this system.\n");
    expect(explicit.stdout).toContain('ff15::1234'); // the IPv6 groups still follow
    expect(await runGroups(dir, ['-gn4'])).toEqual({ stdout: GROUPS_HEADER, stderr: '', status: 0 });
  });
});
