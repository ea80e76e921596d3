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
 * src/modes/interfaces-source.ts); they wait for the addon's RTM_GETADDR.
 * Our side is the real option parser plus interfacesPass, compiled from src/.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const FIXTURES = path.join(ROOT, 'fixtures/interfaces');

function missingCapability(): string | null {
  if (process.getuid?.() !== 0) return 'needs root for unshare -n -m';
  if (!existsSync('/usr/bin/netstat')) return 'the oracle /usr/bin/netstat is not installed';
  if (spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'true']).status !== 0) return 'unshare -n -m is not permitted here';
  return null;
}

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

interface Result {
  stdout: string;
  stderr: string;
  status: string;
}

const RUNNER = `
const { parseArgs } = require('./cli/args.js');
const { Output } = require('./cli/output.js');
const { createResolvers } = require('./resolve/index.js');
const { procRoot } = require('./proc/root.js');
const { interfacesPass, createInterfacesPass } = require('./modes/interfaces.js');
const { rtnetlinkFacts, RTM_GETLINK } = require('./modes/interfaces-rtnetlink.js');
const { readFileSync } = require('node:fs');
const recorded = process.env.RTNL_DIR;
const pass = recorded
  ? createInterfacesPass(rtnetlinkFacts((type) => readFileSync(recorded + (type === RTM_GETLINK ? '/link.bin' : '/addr.bin'))))
  : interfacesPass;
(async () => {
  const out = new Output();
  const parsed = parseArgs(process.argv.slice(2), 'netstat');
  if (parsed.kind === 'exit') { out.err(parsed.stderr); out.out(parsed.stdout); out.flush(); process.exitCode = parsed.status; return; }
  for (const warning of parsed.warnings) out.err(warning);
  const ctx = { options: parsed.options, out, resolvers: createResolvers(), procRoot: procRoot(), pass: 0 };
  const status = await pass(ctx);
  out.flush();
  process.exitCode = status;
})();
`;

const SCRIPT = `
set -u
work=$1; out=$2; fixtures=$3
. "$work/setup.sh"
n=0
while IFS= read -r line; do
  n=$((n+1)); as=""; proc=""
  case "$line" in nobody:*) line=\${line#nobody:}; as="setpriv --reuid=65534 --regid=65534 --clear-groups";; esac
  case "$line" in proc=*) proc=\${line#proc=}; proc=\${proc%%:*}; line=\${line#*:};; esac
  if [ -n "$proc" ]; then
    unshare -m --propagation private sh -c 'mount --bind "$1" /proc && shift && exec /usr/bin/netstat "$@"' _ "$fixtures/$proc" $line >"$out/$n.ref" 2>"$out/$n.ref.err"; echo $? >"$out/$n.ref.rc"
    NETSTAT_PROC_ROOT="$fixtures/$proc" node "$work/js/runner.js" $line >"$out/$n.cand" 2>"$out/$n.cand.err"; echo $? >"$out/$n.cand.rc"
  else
    $as /usr/bin/netstat $line >"$out/$n.ref" 2>"$out/$n.ref.err"; echo $? >"$out/$n.ref.rc"
    RTNL_DIR=\${RTNL_DIR:-} $as node "$work/js/runner.js" $line >"$out/$n.cand" 2>"$out/$n.cand.err"; echo $? >"$out/$n.cand.rc"
  fi
done < "$work/cases"
`;

const skipReason = missingCapability();
if (skipReason !== null) console.log(`interfaces namespace tests skipped: ${skipReason}`);

type Results = Map<number, { ref: Result; cand: Result }>;

/** Runs every case with both programs in one fresh namespace set up by `setup`. */
function runScenario(setup: string, list: string[]): Results {
  const results: Results = new Map();
  const work = mkdtempSync(path.join(tmpdir(), 'interfaces-ns-'));
  chmodSync(work, 0o755);
  // Emit JS for src/ (errors in files other sessions are still writing do not stop the emit).
  spawnSync(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json'), '--outDir', path.join(work, 'js')]);
  if (!existsSync(path.join(work, 'js/modes/interfaces-rtnetlink.js'))) throw new Error('could not compile src/ for the namespace run');
  writeFileSync(path.join(work, 'js/runner.js'), RUNNER);
  writeFileSync(path.join(work, 'cases'), `${list.join('\n')}\n`);
  writeFileSync(path.join(work, 'setup.sh'), setup);
  writeFileSync(path.join(work, 'record.py'), RECORDER);
  const outDir = path.join(work, 'out');
  spawnSync('mkdir', ['-p', outDir]);
  chmodSync(outDir, 0o777);
  const run = spawnSync('unshare', ['-n', '-m', '--propagation', 'private', 'bash', '-c', SCRIPT, '_', work, outDir, FIXTURES], {
    encoding: 'latin1',
    timeout: 280_000,
  });
  if (run.status !== 0) throw new Error(`namespace run failed: ${run.stderr}`);
  const read = (name: string): string => readFileSync(path.join(outDir, name), 'latin1');
  list.forEach((_, i) => {
    const n = i + 1;
    results.set(n, {
      ref: { stdout: read(`${n}.ref`), stderr: read(`${n}.ref.err`), status: read(`${n}.ref.rc`).trim() },
      cand: { stdout: read(`${n}.cand`), stderr: read(`${n}.cand.err`), status: read(`${n}.cand.rc`).trim() },
    });
  });
  return results;
}

/** Records one RTM_GETLINK and one RTM_GETADDR (AF_INET) dump, raw, into the directory argv[1]. */
const RECORDER = `
import socket, struct, sys
def dump(msg_type, family, header_len):
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, socket.NETLINK_ROUTE)
    s.bind((0, 0))
    body = struct.pack('=B', family) + bytes(header_len - 1)
    s.send(struct.pack('=IHHII', 16 + len(body), msg_type, 0x301, 1, 0) + body)
    out = b''
    while True:
        data = s.recv(1 << 20)
        out += data
        at = 0
        while at + 16 <= len(data):
            length, kind = struct.unpack_from('=IH', data, at)
            if kind in (2, 3):
                return out
            at += (length + 3) & ~3
open(sys.argv[1] + '/link.bin', 'wb').write(dump(18, 0, 16))
open(sys.argv[1] + '/addr.bin', 'wb').write(dump(22, 2, 8))
`;

describe.skipIf(skipReason !== null)('netstat -i (sysfs + getifaddrs facts) matches net-tools in a namespace', () => {
  const list = cases();
  let results: Results = new Map();

  beforeAll(() => {
    results = runScenario(SETUP, list);
  });

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
 * The rtnetlink path (what the addon's dump will feed) on the addresses the
 * pure-TS facts cannot see: broadcast set and unset, a point-to-point peer,
 * labels, addresses on interfaces without carrier or down. The dumps are
 * recorded inside the namespace with Python's AF_NETLINK socket.
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
mkdir -p "$work/rtnl"
python3 "$work/record.py" "$work/rtnl"
export RTNL_DIR="$work/rtnl"
`;

describe.skipIf(skipReason !== null)('netstat -i (recorded rtnetlink facts) matches net-tools in a namespace', () => {
  const list = cases().filter((args) => !args.startsWith('proc='));
  let results: Results = new Map();

  beforeAll(() => {
    results = runScenario(RTNL_SETUP, list);
  });

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
