/**
 * `netstat -g` against /usr/bin/netstat on a live private network namespace:
 * a holder process keeps the namespace alive with a bridge, a veth end with a
 * 15-character name and multicast groups joined on both families (one twice);
 * net-tools runs inside it (`nsenter -n`), this implementation reads the same
 * files through `/proc/<holder>/net`. Every numeric option combination, as
 * root and as nobody (symbolic names would be looked up in two different
 * network namespaces; the fixture tests compare those). net-tools' stdout is
 * taken from the groups header on: what comes before it (the Internet section
 * for -4/-6) belongs to the socket listing. Needs root, `unshare`, `nsenter`,
 * python3 and /usr/bin/netstat; skipped with the reason otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { GROUPS_HEADER, groupsSection } from '../../src/modes/groups';
import { createResolvers } from '../../src/resolve';
import { CapturedOutput, ORACLE, type Run } from '../helpers/mode-runs';

function unavailable(): string | null {
  if (process.getuid?.() !== 0) return 'not root';
  if (!existsSync(ORACLE)) return `${ORACLE} is missing`;
  if (spawnSync('unshare', ['-n', 'true']).status !== 0) return 'unshare -n does not work here';
  if (spawnSync('sh', ['-c', 'command -v nsenter && command -v setpriv && command -v python3']).status !== 0) {
    return 'nsenter, setpriv or python3 is missing';
  }
  return null;
}

/** Links and group memberships, then READY, then wait until stdin closes (the sockets hold the groups). */
const HOLDER = `
import socket, struct, subprocess, sys
def sh(*a): subprocess.run(a, check=True)
sh('ip', 'link', 'set', 'lo', 'up')
sh('ip', 'link', 'add', 'veth-longname15', 'type', 'veth', 'peer', 'name', 'vp0')
sh('ip', 'link', 'add', 'br0', 'type', 'bridge')
sh('ip', 'link', 'set', 'veth-longname15', 'up'); sh('ip', 'link', 'set', 'br0', 'up')
socks = []
def join4(group, ifname):
    s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IP, socket.IP_ADD_MEMBERSHIP, socket.inet_aton(group) + struct.pack('=II', 0, socket.if_nametoindex(ifname)))
    socks.append(s)
def join6(group, ifname):
    s = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
    s.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_JOIN_GROUP, socket.inet_pton(socket.AF_INET6, group) + struct.pack('=I', socket.if_nametoindex(ifname)))
    socks.append(s)
join4('239.1.2.3', 'br0'); join4('239.1.2.3', 'br0'); join4('239.255.0.1', 'lo'); join4('224.0.0.251', 'veth-longname15')
join6('ff15::1234', 'br0'); join6('ff02::fb', 'veth-longname15'); join6('ff05::2', 'lo')
print('READY', flush=True)
sys.stdin.read()
`;

const ARGS: string[][] = [
  ['-gn'], ['-g', '--numeric-hosts'], ['-gnv'], ['-gnW'], ['-gne'], ['-gnee'], ['-gna'], ['-gnl'], ['-gnN'], ['-gno'],
  ['-gn4'], ['-gn6'], ['-gn', '-A', 'inet'], ['-gn', '-A', 'inet6'], ['-gn46'], ['-gn', '-A', 'inet,inet6'],
  ['--groups', '--numeric'], ['-gn4v'],
];

const skip = unavailable();
if (skip !== null) console.log(`groups-namespace: skipped: ${skip}`);

describe.skipIf(skip !== null)('-g in a live network namespace, against /usr/bin/netstat', () => {
  let holder: ChildProcess;

  beforeAll(async () => {
    holder = spawn('unshare', ['-n', 'python3', '-c', HOLDER], { stdio: ['pipe', 'pipe', 'inherit'] });
    await new Promise<void>((resolve, reject) => {
      holder.stdout!.once('data', (chunk: Buffer) => (chunk.toString().startsWith('READY') ? resolve() : reject(new Error(String(chunk)))));
      holder.once('exit', (code) => reject(new Error(`namespace holder exited (${code})`)));
    });
  });

  afterAll(() => {
    holder?.stdin?.end();
  });

  function oracle(args: string[], user: 'root' | 'nobody'): Run {
    const drop = user === 'nobody' ? ['setpriv', '--reuid=65534', '--regid=65534', '--clear-groups'] : [];
    const result = spawnSync('nsenter', ['-t', String(holder.pid), '-n', ...drop, ORACLE, ...args], {
      encoding: 'latin1',
      env: { PATH: process.env.PATH ?? '/usr/bin:/bin', LC_ALL: 'C' },
    });
    const start = result.stdout.indexOf(GROUPS_HEADER);
    return { stdout: start < 0 ? result.stdout : result.stdout.slice(start), stderr: result.stderr, status: result.status ?? -1 };
  }

  async function mine(args: string[]): Promise<Run> {
    const parsed = parseArgs(args, 'netstat', {});
    if (parsed.kind !== 'run') throw new Error(`arguments rejected: ${args.join(' ')}`);
    const out = new CapturedOutput();
    const ctx = { options: parsed.options, out, resolvers: createResolvers(), procRoot: `/proc/${holder.pid}`, pass: 0 };
    const status = await groupsSection(ctx);
    return { stdout: out.stdout, stderr: out.stderr, status };
  }

  it("reads the namespace's own groups", async () => {
    const { stdout } = await mine(['-gn']);
    expect(stdout).toContain('br0             2      239.1.2.3\n');
    expect(stdout).toContain('veth-longname15 1      ff02::fb\n');
  });

  for (const user of ['root', 'nobody'] as const) {
    for (const args of ARGS) {
      it(`${user === 'nobody' ? '[nobody] ' : ''}netstat ${args.join(' ')}`, async () => {
        const result = await mine(args);
        expect(result).toEqual(oracle(args, user));
      });
    }
  }
});
