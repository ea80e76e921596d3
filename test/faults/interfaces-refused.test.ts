/**
 * `netstat -i` with netlink refused by a seccomp filter (seccomp-run.c), in a
 * private network + mount namespace with varied interfaces: a dummy-like
 * device (dummy where the kernel has it, else ifb) with a broadcast address,
 * a secondary address and an alias label; the same kind down with an
 * address; a veth without carrier (promiscuous peer), a bridge with a
 * labelled address, a tun with a point-to-point peer and IPv6, a 15-byte
 * name, loopback aliases. net-tools reads /proc/net/dev and asks with
 * SIOCGIF* ioctls, so the filter does not touch it; the candidate's
 * rtnetlink is refused and it must fall back to the same ioctls
 * (src/backends/interfaces/choose.ts) and print exactly what net-tools
 * prints — with the backend unset and with NETSTAT_BACKEND=procfs (which
 * asks for the ioctls directly), as root and as uid 65534, for EPERM and
 * EACCES, for NETLINK_ROUTE alone and for every netlink protocol.
 * NETSTAT_BACKEND=netlink raises the refusal instead, as for socket tables;
 * without the engine, -i stops with the refusal of getifaddrs.
 * The namespace runs go through test/modes/interfaces-netns.ts (a batch of test/harness).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { ORACLE_ENV, type Run } from '../harness/commands';
import { namespaceSkipReason, runPhases, type Phase, type PhaseResults, type Program } from '../modes/interfaces-netns';
import { CLI, REFERENCE as ORACLE } from './private-net';
import { type Refusal, type Target, refused, seccompUnavailable } from './seccomp';

const noSeccomp = seccompUnavailable();
if (noSeccomp !== undefined) console.log(`-i under refused netlink skipped: ${noSeccomp}`);
const why = namespaceSkipReason('-i under refused netlink') ?? noSeccomp;

const SETUP = `
ip link set lo up
ip addr add 127.0.0.5/8 dev lo label lo:1
ip addr add 127.0.0.6/8 dev lo label lo:web
# dummy where this kernel has it, else ifb: both virtual devices that carry addresses
ip link add dm0 type dummy 2>/dev/null || ip link add dm0 type ifb
ip link set dm0 addrgenmode none
ip addr add 192.0.2.1/24 brd + dev dm0
ip addr add 192.0.2.9/24 dev dm0
ip addr add 192.0.2.7/24 dev dm0 label dm0:7
ip -6 addr add 2001:db8:7::1/64 dev dm0 nodad
ip link set dm0 mtu 1400 txqueuelen 50
ip link set dm0 up
ip link add dm1 type dummy 2>/dev/null || ip link add dm1 type ifb
ip addr add 198.18.0.1/15 dev dm1
ip link add vr0 type veth peer name vr1
ip link set vr0 addrgenmode none; ip link set vr1 addrgenmode none
ip addr add 203.0.113.1/24 broadcast 203.0.113.255 dev vr0
ip -6 addr add fec0::9/64 dev vr0 nodad
ip link set vr0 up
ip link set vr1 promisc on allmulticast on
ip link add br0 type bridge
ip link set br0 addrgenmode none
ip addr add 172.16.5.1/16 dev br0 label br0:a
ip link set br0 up
ip tuntap add dev tun3 mode tun
ip addr add 10.3.3.1 peer 10.3.3.2 dev tun3
ip -6 addr add fd00:3::1/64 dev tun3 nodad
ip link set tun3 up
ip link add veth-longname15 type veth peer name p15
ip link set veth-longname15 addrgenmode none; ip link set p15 addrgenmode none
ip addr add 100.64.0.1/10 dev veth-longname15
ip link set veth-longname15 up
# let the MLD reports of dm0's address go out before counters are compared
sleep 3
`;

/** Every `-i` argument list that reads interfaces differently, and some that must not change it. */
const CASES = [
  '-i', '-ia', '-ie', '-iae', '-iee', '-ieee', '-iaee', '-in', '-iv', '-iW', '-iN', '--interfaces', '-i --all',
  '-i -A inet6', '-i4', 'nobody:-i', 'nobody:-iae',
];
const SHORT_CASES = ['-i', '-iae', 'nobody:-ia'];

/** The candidate with NETSTAT_* set as given (the others unset), under the filter when one is given. */
function candidate(fault: [Refusal, Target] | null, settings: Record<string, string> = {}, extra: string[] = []): Program {
  const env: NodeJS.ProcessEnv = { ...process.env, ...settings };
  for (const name of ['NETSTAT_BACKEND', 'NETSTAT_PROC_ROOT', 'NETSTAT_REQUIRE_NATIVE']) if (!(name in settings)) delete env[name];
  const filter = fault === null ? [] : refused(...fault);
  return { argv: [...filter, process.execPath, CLI, ...extra], env };
}

/** net-tools, under the filter. */
const netTools = (errno: Refusal, target: Target): Program => ({ argv: [...refused(errno, target), ORACLE], env: ORACLE_ENV });

function phases(): Phase[] {
  const under = (errno: Refusal, target: Target, cases: string[]): Phase => ({
    oracle: netTools(errno, target),
    programs: { auto: candidate([errno, target]), procfs: candidate([errno, target], { NETSTAT_BACKEND: 'procfs' }) },
    cases,
  });
  return [
    { setup: SETUP, programs: { auto: candidate(null), procfs: candidate(null, { NETSTAT_BACKEND: 'procfs' }) }, cases: ['-iae'] },
    under('EPERM', 'route', CASES),
    under('EACCES', 'route', SHORT_CASES),
    under('EPERM', 'netlink', SHORT_CASES),
    under('EACCES', 'netlink', SHORT_CASES),
    {
      oracle: netTools('EPERM', 'route'),
      programs: {
        sources: candidate(['EPERM', 'route'], {}, ['--sources']),
        procfsSources: candidate(['EPERM', 'route'], { NETSTAT_BACKEND: 'procfs' }, ['--sources']),
        unfaulted: candidate(null, {}, ['--sources']),
        forced: candidate(['EPERM', 'route'], { NETSTAT_BACKEND: 'netlink' }),
        forcedEacces: candidate(['EACCES', 'route'], { NETSTAT_BACKEND: 'netlink' }),
        // No engine at all (procfs, so no first-run notice): getifaddrs is rtnetlink too.
        noEngine: candidate(['EPERM', 'route'], { NETSTAT_BACKEND: 'procfs', NETSTAT_NATIVE_PATH: '/nonexistent/netstat_native.node' }),
      },
      cases: ['-i'],
    },
  ];
}

describe.skipIf(why !== undefined)('netstat -i with netlink refused', () => {
  let list: Phase[] = [];
  let results: PhaseResults = [];
  const get = (phase: number, args: string, program: string): Run => results[phase]![list[phase]!.cases.indexOf(args)]![program]!;

  beforeAll(async () => {
    list = phases();
    results = await runPhases(list);
  }, 600_000);

  it('the scenario has what it claims, and net-tools prints it under the filter', () => {
    const all = get(1, '-iae', 'ref');
    expect(all.status).toBe(0);
    expect(all.stderr).toBe('');
    for (const text of [
      'dm0: flags=',
      'inet 192.0.2.1  netmask 255.255.255.0  broadcast 192.0.2.255',
      'dm0:7: flags=',
      'inet 198.18.0.1  netmask 255.254.0.0', // dm1: down, with an address
      'inet 203.0.113.1  netmask 255.255.255.0  broadcast 203.0.113.255',
      'inet6 fec0::9  prefixlen 64  scopeid 0x40<site>',
      'br0:a: flags=',
      'inet 10.3.3.1  netmask 255.255.255.255  destination 10.3.3.2',
      'veth-longname15: flags=',
      'lo:web: flags=',
    ]) {
      expect(all.stdout).toContain(text);
    }
    // Only -a shows the interfaces that are down.
    expect(get(1, '-i', 'ref').stdout).not.toMatch(/^dm1 /m);
    expect(get(1, '-ia', 'ref').stdout).toMatch(/^dm1 /m);
  });

  it('unfaulted, the candidate matches net-tools on the same scenario (rtnetlink, and the ioctls under procfs)', () => {
    const reference = get(0, '-iae', 'ref');
    expect(get(0, '-iae', 'auto')).toEqual(reference);
    expect(get(0, '-iae', 'procfs')).toEqual(reference);
  });

  const groups: Array<[phase: number, errno: Refusal, target: Target, cases: string[]]> = [
    [1, 'EPERM', 'route', CASES],
    [2, 'EACCES', 'route', SHORT_CASES],
    [3, 'EPERM', 'netlink', SHORT_CASES],
    [4, 'EACCES', 'netlink', SHORT_CASES],
  ];
  for (const [phase, errno, target, cases] of groups) {
    describe(`${target === 'route' ? 'NETLINK_ROUTE' : 'every netlink protocol'} refused with ${errno}`, () => {
      for (const args of cases) {
        it(`netstat ${args} prints exactly what net-tools prints (backend unset, and procfs)`, () => {
          const reference = get(phase, args, 'ref');
          expect(reference.status).toBe(0);
          expect(get(phase, args, 'auto')).toEqual(reference);
          expect(get(phase, args, 'procfs')).toEqual(reference);
        });
      }
    });
  }

  it('--sources names the ioctls and the refusal (and rtnetlink when nothing is refused)', () => {
    const lines = (output: Run) => output.stderr.split('\n').filter((line) => line.startsWith('netstat: interfaces: '));
    expect(lines(get(5, '-i', 'sources'))).toEqual([
      'netstat: interfaces: ioctl (rtnetlink refused (rtnetlink: cannot open a socket: Operation not permitted))',
    ]);
    expect(lines(get(5, '-i', 'procfsSources'))).toEqual(['netstat: interfaces: ioctl (forced by NETSTAT_BACKEND=procfs)']);
    expect(lines(get(5, '-i', 'unfaulted'))).toEqual(['netstat: interfaces: rtnetlink (native engine loaded)']);
    // --sources adds stderr lines only: the table is the plain run's.
    expect(get(5, '-i', 'sources').stdout).toBe(get(5, '-i', 'ref').stdout);
  });

  it('NETSTAT_BACKEND=netlink raises the refusal: one line naming it, status 1', () => {
    const header = 'Kernel Interface table\nIface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n';
    expect(get(5, '-i', 'forced')).toEqual({
      status: 1,
      stdout: header,
      stderr: 'netstat: rtnetlink: cannot open a socket: Operation not permitted (EPERM)\n',
    });
    expect(get(5, '-i', 'forcedEacces')).toEqual({
      status: 1,
      stdout: header,
      stderr: 'netstat: rtnetlink: cannot open a socket: Permission denied (EACCES)\n',
    });
  });

  it('without the engine, the refused getifaddrs is named in one line, status 1 (never a partial table)', () => {
    expect(get(5, '-i', 'noEngine')).toEqual({
      status: 1,
      stdout: 'Kernel Interface table\nIface             MTU    RX-OK RX-ERR RX-DRP RX-OVR    TX-OK TX-ERR TX-DRP TX-OVR Flg\n',
      stderr: 'netstat: cannot list IPv4 addresses (getifaddrs): Operation not permitted (EPERM)\n',
    });
  });
});
