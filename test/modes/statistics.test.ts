/**
 * `netstat -s` (src/modes/statistics.ts) on the /proc trees of fixtures/snmp/:
 * captured here, constructed for older kernels (fields appear and disappear),
 * every known counter, and malformed files.
 *
 * Each tree's `expected.json` holds net-tools' own output for every option
 * combination (stdout, stderr, status), recorded from /usr/bin/netstat with
 * the tree mounted over /proc, and checked live where net-tools can run
 * (test/harness/oracle-suite.ts).
 */
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { statisticsPass } from '../../src/modes/statistics';
import { pairSections, parseCounter, snmp6Sections, type StatSection } from '../../src/modes/statistics/read';
import { StatisticsPrinter } from '../../src/modes/statistics/text';
import { runPass } from '../harness/modes';
import { recordedOracleSuite } from '../harness/oracle-suite';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'snmp');

const ARGS: string[][] = [
  ['-s'], ['-st'], ['-su'], ['-sw'], ['-sS'], ['-sU'], ['-stu'], ['-stw'], ['-suw'], ['-stuw'], ['-sSt'],
  ['-s6'], ['-s6t'], ['-s6u'], ['-s6w'], ['-s6U'], ['-s6tu'], ['-s', '-A', 'inet6'], ['-s', '-A', 'inet'], ['-s4'],
  ['-s', '--inet6'], ['-s', '-4', '-6'], ['-s', '-A', 'inet6,inet'], ['-s', '-A', 'inet,inet'], ['-s', '-A', 'unix'],
  ['-sx'], ['-s', '-A', 'ipx'], ['-sv'], ['-sn'], ['-se'], ['-sa'], ['-sl'], ['-sW'], ['-sN'], ['-sp'], ['-so'],
  ['-sc'], ['--statistics', '--udp'], ['--stat', '-t'],
];

recordedOracleSuite({
  title: '-s on fixtures/snmp trees, against net-tools',
  fixtures: FIXTURES,
  mustHave: ['kernel-2.6.32', 'kernel-3.10', 'kernel-4.19', 'kernel-6.18-netns', 'all-names'],
  args: ARGS,
  // Who runs it does not change -s (the files are world-readable): three lists as nobody suffice.
  nobody: [['-s'], ['-s6'], ['-st']],
  mine: (dir, args) => runPass(statisticsPass, dir, args),
});

describe('-s building blocks', () => {
  it('reads counters as strtoull does', () => {
    expect(parseCounter('42')).toBe(42n);
    expect(parseCounter('-1')).toBe(18446744073709551615n);
    expect(parseCounter('18446744073709551615')).toBe(18446744073709551615n);
    expect(parseCounter('99999999999999999999999')).toBe(18446744073709551615n);
    expect(parseCounter('12abc')).toBe(12n);
    expect(parseCounter('abc')).toBe(0n);
    expect(parseCounter('9007199254740993')).toBe(9007199254740993n); // above 2^53: exact
  });

  const all = { raw: true, tcp: true, udp: true, sctp: true };
  const text = (sections: StatSection[]): string => {
    const printer = new StatisticsPrinter();
    return sections.map((section) => printer.section(section)).join('');
  };
  const pairs = (content: string, filters = all): string => text(pairSections(content, '/proc/net/snmp', filters).sections);

  it('titles a histogram at the indentation of the state it leaves', () => {
    expect(pairs('Icmp: InMsgs InDestUnreachs OutDestUnreachs OutMsgs\nIcmp: 1 2 3 4\nFoo: Bar\nFoo: 5\n')).toBe(
      'Icmp:\n    1 ICMP messages received\n    ICMP input histogram:\n        destination unreachable: 2\n' +
        '        ICMP output histogram:\n        destination unreachable: 3\n    4 ICMP messages sent\n' +
        'Foo:\n    Bar: 5\n',
    );
  });

  it('lets unknown sections inherit the state and ignore the filters', () => {
    const filters = { raw: false, tcp: true, udp: false, sctp: false };
    // Icmp is filtered out but still resets the state, so IcmpMsg is indented 4.
    expect(pairs('Icmp: InMsgs InDestUnreachs\nIcmp: 1 2\nIcmpMsg: InType3\nIcmpMsg: 7\nUdp: InDatagrams\nUdp: 9\n', filters)).toBe(
      'IcmpMsg:\n    InType3: 7\n',
    );
  });

  it('keeps the unreachable entries in their Name: value form', () => {
    expect(pairs('Ip: Forwarding DefaultTTL\nIp: 1 64\nTcpExt: TCPTimeouts TW TCPLostRetransmit\nTcpExt: 3 4 5\n')).toBe(
      'Ip:\n    Forwarding: 1\nTcpExt:\n    TCPTimeouts: 3\n    4 TCP sockets finished time wait in fast timer\n    TCPLostRetransmit: 5\n',
    );
  });

  it('reports a pair without its colon and stops there', () => {
    expect(pairSections('Ip: InReceives\nIp 5\nTcp: ActiveOpens\nTcp: 1\n', '/proc/net/snmp', all)).toEqual({ sections: [], complete: false });
  });

  it('names snmp6 sections by their prefix and repeats a counter on an empty line, as net-tools does', () => {
    expect(text(snmp6Sections('Ip6InReceives 5\n\nUdpLite6InDatagrams 2\n', all))).toBe('Ip6:\n    5 total packets received\n    5 total packets received\nUdpLite6:\n    UdpLite6InDatagrams: 2\n');
  });

  it('prints the bad address family message on stdout and returns 1', async () => {
    const run = await runPass(statisticsPass, path.join(FIXTURES, 'kernel-6.18-netns'), ['-s', '-A', 'inet,inet6']);
    expect(run).toEqual({ stdout: 'netstat: No statistics support for specified address family: inet,inet6\n', stderr: '', status: 1 });
  });
});
