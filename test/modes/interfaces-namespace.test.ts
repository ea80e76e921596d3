/**
 * `netstat -i` against the oracle, /usr/bin/netstat (net-tools 2.10), byte for
 * byte (stdout, stderr, exit status), inside a private network + mount
 * namespace with sysfs mounted afresh (as a container has it): interfaces up
 * and down, IPv4 alias labels, a tun, promiscuous/allmulti flags, a 15-char
 * name, IPv6 addresses of several scopes, names that need natural sorting.
 *
 * The IPv4 addresses here are only on `lo` (up and running). Broadcast and
 * point-to-point addresses, and addresses of interfaces that are down or
 * without carrier, have no pure-TypeScript source (see
 * src/backends/interfaces/sysfs.ts); the engine's sources have them (the
 * rtnetlink suite below; the ioctls in test/faults/interfaces-refused.test.ts).
 * Our side is the CLI as built, without its engine (so with the facts of
 * sysfs and getifaddrs); the namespace runs go through interfaces-netns.ts.
 */
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { nativeOutcome } from '../../src/native';
import { ORACLE_ENV, overProc, type Run } from '../harness/commands';
import { ORACLE } from '../harness/paths';
import { namespaceSkipReason, type Phase, type Program, runPhases, WITH_RTNETLINK, WITHOUT_ENGINE } from './interfaces-netns';

const FIXTURES = path.resolve(__dirname, '../../fixtures/interfaces');

const SETUP = `
mount -t sysfs sysfs /sys
ip link set lo up
ip addr add 127.0.0.5/8 dev lo label lo:1
ip addr add 127.0.0.6/8 dev lo label lo:web
ip addr add 127.0.0.7/8 dev lo label lo:10
ip link add iv0 type veth peer name iv1
ip link set iv0 addrgenmode none; ip link set iv1 addrgenmode none
ip -6 addr add 2001:db8:1::1/64 dev iv0 nodad
ip -6 addr add fec0::1/64 dev iv0 nodad
ip link set iv0 up; ip link set iv1 up
ip link add veth-longname15 type veth peer name p9
ip link set veth-longname15 addrgenmode none; ip link set p9 addrgenmode none
ip link set veth-longname15 mtu 9000
ip link set veth-longname15 txqueuelen 77
ip link set veth-longname15 up
ip link add eth10 type veth peer name eth2
ip link set eth10 addrgenmode none; ip link set eth2 addrgenmode none
ip link set eth2 promisc on allmulticast on
ip tuntap add dev tun7 mode tun
ip link set tun7 up
# let the MLD reports of iv0's addresses go out before counters are compared
sleep 3
`;

/** Argument lists; `nobody:` runs both as uid 65534; `proc=NAME:` replays fixtures/interfaces/NAME. */
function cases(): string[] {
  const list: string[] = [];
  for (const extend of ['', 'e', 'ee', 'eee'])
    for (const all of ['', 'a'])
      for (const extra of ['', 'n', 'v', 'N', 'W'])
        list.push(`-i${extend}${all}${extra}`);
  list.push('-i -A inet6', '-i -4', '-ie -6', '-i --numeric-hosts', 'nobody:-i', 'nobody:-iae', 'nobody:-ia');
  for (const args of ['-i', '-ia', '-ie', '-iae']) list.push(`proc=nodev:${args}`, `proc=ghost:${args}`);
  return list;
}

const skipReason = namespaceSkipReason('interfaces namespace tests');

type Results = Map<number, { ref: Run; cand: Run }>;

/**
 * Runs every case with the oracle and `candidate` in one fresh namespace set up by `setup`; a
 * `proc=NAME:` case has both read fixtures/interfaces/NAME as /proc (the oracle through a bind
 * mount, ours through NETSTAT_PROC_ROOT) and runs in a phase of its own.
 */
async function runScenario(setup: string, candidate: Program, list: string[]): Promise<Results> {
  const phases: Phase[] = [{ setup, programs: { cand: candidate }, cases: [] }];
  const where: Array<[phase: number, index: number]> = [];
  for (const line of list) {
    const fixture = /^proc=([^:]+):(.*)$/.exec(line);
    if (fixture === null) {
      where.push([0, phases[0]!.cases.push(line) - 1]);
      continue;
    }
    const tree = path.join(FIXTURES, fixture[1]!);
    phases.push({
      oracle: { argv: overProc(tree, [ORACLE], { bind: true }), env: ORACLE_ENV },
      programs: { cand: { argv: candidate.argv, env: { ...candidate.env, NETSTAT_PROC_ROOT: tree } } },
      cases: [fixture[2]!],
    });
    where.push([phases.length - 1, 0]);
  }
  const byPhase = await runPhases(phases);
  const results: Results = new Map();
  where.forEach(([phase, index], i) => {
    const { ref, cand } = byPhase[phase]![index]!;
    results.set(i + 1, { ref, cand: cand! });
  });
  return results;
}

describe.skipIf(skipReason !== undefined)('netstat -i (sysfs + getifaddrs facts) matches net-tools in a namespace', () => {
  const list = cases();
  let results: Results = new Map();

  // Every case runs two programs in the namespace: allow well beyond the usual hook timeout on a busy machine.
  beforeAll(async () => {
    results = await runScenario(SETUP, WITHOUT_ENGINE, list);
  }, 600_000);

  list.forEach((args, i) => {
    it(`netstat ${args}`, () => {
      const result = results.get(i + 1)!;
      expect(result.cand).toEqual(result.ref);
    });
  });

  it('the scenario really has what it claims (labels, down interfaces, long name, tun)', () => {
    const all = results.get(list.indexOf('-ia') + 1)!.ref.stdout;
    expect(all).toMatch(/^lo:1 +65536 +- no statistics available -/m);
    expect(all).toMatch(/^eth2 .*ABMP\n/m);
    expect(all).toContain('veth-longname15  9000');
    expect(all.indexOf('eth2 ')).toBeLessThan(all.indexOf('eth10 '));
    expect(results.get(list.indexOf('-iea') + 1)!.ref.stdout).toContain('scopeid 0x40<site>');
  });
});

/**
 * The rtnetlink path (the CLI with its engine, whatever backend the suite
 * runs under: RTM_GETLINK and RTM_GETADDR dumps, decoded by
 * src/backends/interfaces/rtnetlink.ts) on the addresses the
 * pure-TS facts cannot see: broadcast set and unset, a point-to-point peer,
 * labels, addresses on interfaces without carrier or down.
 */
const RTNL_SETUP = `
ip link set lo up
ip addr add 127.0.0.5/8 dev lo label lo:1
ip link add vx0 type veth peer name vx1
ip link set vx0 mtu 1480
ip addr add 198.51.100.1/24 dev vx0
ip addr add 198.51.100.9/24 brd + dev vx0 label vx0:3
ip addr add 10.99.0.1/16 brd 10.99.0.255 dev vx1
ip -6 addr add 2001:db8:1::1/64 dev vx0 nodad
ip link set vx0 up
ip tuntap add dev tun7 mode tun
ip addr add 10.7.7.1 peer 10.7.7.2 dev tun7
ip link set tun7 up
ip link add averyveryverylo type veth peer name p1
ip link set averyveryverylo up
sleep 3
`;

const engine = 'binding' in nativeOutcome() ? undefined : 'the native engine does not load here (the CLI reads rtnetlink through it)';
if (engine !== undefined) console.warn(`interfaces rtnetlink namespace tests skipped: ${engine}`);

describe.skipIf(skipReason !== undefined || engine !== undefined)('netstat -i (rtnetlink facts) matches net-tools in a namespace', () => {
  const list = cases().filter((args) => !args.startsWith('proc='));
  let results: Results = new Map();

  beforeAll(async () => {
    results = await runScenario(RTNL_SETUP, WITH_RTNETLINK, list);
  }, 600_000);

  list.forEach((args, i) => {
    it(`netstat ${args}`, () => {
      const result = results.get(i + 1)!;
      expect(result.cand).toEqual(result.ref);
    });
  });

  it('the scenario really has broadcast, peer and down-interface addresses', () => {
    const text = results.get(list.indexOf('-iea') + 1)!.ref.stdout;
    expect(text).toContain('inet 198.51.100.1  netmask 255.255.255.0  broadcast 0.0.0.0');
    expect(text).toContain('inet 198.51.100.9  netmask 255.255.255.0  broadcast 198.51.100.255');
    expect(text).toContain('destination 10.7.7.2');
    expect(text).toContain('inet 10.99.0.1  netmask 255.255.0.0  broadcast 10.99.0.255');
  });
});
