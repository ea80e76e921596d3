/**
 * `netstat -r` against the oracle, /usr/bin/netstat (net-tools 2.10), byte for
 * byte (stdout, stderr, exit status), inside a private network + mount
 * namespace holding routes of every kind on a veth whose peer stays down.
 * Also replays the /proc trees under fixtures/route/ through both programs
 * (bind-mounted over /proc for the oracle, NETSTAT_PROC_ROOT for ours).
 * Our side is the CLI as built (dist/cli.js), the program users run.
 */
import { chmodSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { asRun, type BatchRun, runBatch } from '../harness/batch';
import { ORACLE_ENV, type Run, overProc } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { CLI, ORACLE, REPO } from '../harness/paths';

const FIXTURES = path.join(REPO, 'fixtures/route');

const SETUP = `
ip link set lo up
ip link add vx0 type veth peer name vx1
ip link set vx0 mtu 1480
ip addr add 198.51.100.1/24 dev vx0
ip -6 addr add 2001:db8:1::1/64 dev vx0 nodad
ip link set vx0 up
ip link add averyveryverylo type veth peer name p1
ip link set averyveryverylo up
ip tuntap add dev tun7 mode tun
ip addr add 10.7.7.1 peer 10.7.7.2 dev tun7
ip link set tun7 up
ip route add default via 198.51.100.254 dev vx0 onlink
ip route add 0.0.0.0/1 via 198.51.100.3 dev vx0 onlink
ip route add 203.0.113.0/24 via 198.51.100.7 dev vx0 metric 5 onlink
ip route add 203.0.113.77/32 dev vx0
ip route add 127.0.0.0/8 via 127.0.0.1 dev lo
ip route add unreachable 192.0.2.128/25
ip route add prohibit 192.0.2.0/26
ip route add blackhole 192.0.2.64/26
ip route add throw 10.30.0.0/16
ip route add 10.1.0.0/16 via 198.51.100.8 dev vx0 onlink window 5000 rtt 1
ip route add 10.6.0.0/16 via 198.51.100.8 dev vx0 onlink metric 4294967295
ip route add 10.20.0.0/16 via 198.51.100.1 dev vx0 metric 1234567
ip route add 10.9.0.0/16 dev averyveryverylo
ip route add 10.40.0.0/24 dev vx0 src 198.51.100.1 mtu lock 1300
ip -6 route add 2001:db8:2::/48 via 2001:db8:1::fe dev vx0 onlink
ip -6 route add unreachable 2001:db8:3::/48
ip -6 route add prohibit 2001:db8:4::/48
ip -6 route add blackhole 2001:db8:5::/48
ip -6 route add 2001:db8:6::1/128 dev vx0 metric 4294967295
printf '127.0.0.1\\tlocalhost\\n::1\\tlocalhost ip6-localhost\\n198.51.100.254\\tgw.example.internal\\n198.51.100.7\\ta-really-quite-long-gateway.example\\n203.0.113.77\\thost77\\n2001:db8:1::fe\\tv6gw.example.internal\\n' > "$work/hosts"
printf 'loopback 127.0.0.0\\ncustomers 203.0.113.0\\nlabnet 10.1\\n' > "$work/networks"
printf 'nameserver 127.0.0.253\\noptions timeout:1 attempts:1\\n' > "$work/resolv.conf"
mount --bind "$work/hosts" /etc/hosts
mount --bind "$work/networks" /etc/networks
mount --bind "$work/resolv.conf" /etc/resolv.conf
`;

/** Argument lists; `nobody:` runs both as uid 65534; `proc=NAME:` replays fixtures/route/NAME. */
function cases(): string[] {
  const list: string[] = [];
  for (const extend of ['', 'e', 'ee', 'eee', 'eeee'])
    for (const numeric of ['', 'n', 'N'])
      for (const table of ['', 'C', 'F', 'CF'])
        for (const family of ['', ' -6', ' -A inet6,inet', ' -4'])
          list.push(`-r${extend}${numeric}${table}${family}`);
  list.push(
    '-r --numeric-hosts', '-r --numeric-ports', '-r --numeric-users', '-rv', '-rW', '-r --inet6 --numeric-hosts',
    '-r --route', '-r -A inet,inet', '-r -A unix', '-r -A inet,unix', '-r -A ipx', '-r -A ax25', '-r -A netrom',
    '-r -A rose', '-r -A x25', '-r -A ddp', '-r --appletalk', '-r -A econet', '-r -A ash', '-r -A bluetooth',
    '-r -A inet6,ax25,inet', '-r -A ip6', '-r -A tcpip',
    'nobody:-r', 'nobody:-rn', 'nobody:-ree', 'nobody:-r6', 'nobody:-rC', 'nobody:-r -A netrom',
  );
  for (const fixture of ['synthetic', 'empty', 'namespace'])
    for (const args of ['-r', '-rn', '-rne', '-rnee', '-rneee', '-rC', '-rnCe', '-rnCee', '-rnCF', '-r6', '-rn6', '-rn6C', '-rn6CF'])
      list.push(`proc=${fixture}:${args}`);
  return list;
}

/** The two runs of a case: net-tools, then this netstat (`nobody:` as uid 65534; `proc=NAME:` over a fixture tree). */
function caseRuns(line: string): BatchRun[] {
  const nobody = line.startsWith('nobody:');
  const fixture = /^proc=([^:]+):(.*)$/.exec(line);
  const args = (fixture?.[2] ?? (nobody ? line.slice('nobody:'.length) : line)).split(' ');
  const user = nobody ? 'nobody' : 'root';
  if (fixture === null) {
    return [
      { argv: [ORACLE, ...args], env: ORACLE_ENV, user },
      { argv: [process.execPath, CLI, ...args], env: process.env, user },
    ];
  }
  // The oracle reads the tree bind-mounted over /proc, ours through NETSTAT_PROC_ROOT.
  const tree = path.join(FIXTURES, fixture[1]!);
  return [
    { argv: overProc(tree, [ORACLE, ...args], { bind: true }), env: ORACLE_ENV },
    { argv: [process.execPath, CLI, ...args], env: { ...process.env, NETSTAT_PROC_ROOT: tree } },
  ];
}

const skip = skipReason('route namespace tests', { unshare: ['net', 'mount'], commands: ['ip', 'python3'], oracle: true, built: true });

describe.skipIf(skip !== undefined)('netstat -r matches net-tools in a namespace', () => {
  const list = cases();
  const results = new Map<number, { ref: Run; cand: Run }>();

  beforeAll(async () => {
    // One namespace for every case: the routes of SETUP (its files in $work), then each case's two runs.
    const work = mkdtempSync(path.join(tmpdir(), 'route-ns-'));
    chmodSync(work, 0o755);
    const steps = await runBatch({ setup: `work=${work}\n${SETUP}`, steps: list.map((line) => ({ runs: caseRuns(line) })) }, { net: true, mount: true });
    steps.forEach((step, i) => {
      const [ref, cand] = step.runs.map(asRun);
      results.set(i + 1, { ref: ref!, cand: cand! });
    });
  }, 600_000); // hundreds of runs of two programs: well beyond the usual hook timeout on a busy machine

  list.forEach((args, i) => {
    it(`netstat ${args}`, () => {
      const result = results.get(i + 1)!;
      expect(result.cand).toEqual(result.ref);
    });
  });

  it('the scenario really has the routes it claims (reject, metrics, IPv6)', () => {
    const plain = results.get(list.indexOf('-reen') + 1)!.ref.stdout;
    expect(plain).toContain('192.0.2.128     -               255.255.255.128 !     0      -        0 -        -     -      -');
    expect(plain).toContain('1234567');
    expect(plain).toMatch(/^10\.6\.0\.0 .* -1 /m);
    expect(results.get(list.indexOf('-r -6') + 1)!.ref.stdout).toContain('v6gw.example.internal');
  });
});
