/**
 * `netstat -s` against /usr/bin/netstat on a live private network namespace:
 * a holder process keeps the namespace alive after some loopback traffic
 * (TCP and UDP over IPv4 and IPv6, an ICMP port unreachable); net-tools runs
 * inside it (`nsenter -n`), this implementation reads the same counters
 * through `/proc/<holder>/net`. Every option combination, as root and as
 * nobody. Needs root, `unshare`, `nsenter` and /usr/bin/netstat; skipped with
 * the reason otherwise.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseArgs } from '../../src/cli/args';
import { statisticsPass } from '../../src/modes/statistics';
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

/** Loopback traffic, then READY, then wait until stdin closes (the namespace lives as long as this process). */
const HOLDER = `
import socket, subprocess, sys, time
subprocess.run(['ip', 'link', 'set', 'lo', 'up'], check=True)
for fam, host in ((socket.AF_INET, '127.0.0.1'), (socket.AF_INET6, '::1')):
    s = socket.socket(fam); s.bind((host, 0)); s.listen(1)
    c = socket.create_connection(s.getsockname()[:2]); a, _ = s.accept(); c.sendall(b'hello'); a.recv(5); c.close(); a.close(); s.close()
    u = socket.socket(fam, socket.SOCK_DGRAM); u.connect((host, 9)); u.settimeout(0.5); u.send(b'x')
    try: u.recv(1)
    except OSError: pass
time.sleep(0.3)
print('READY', flush=True)
sys.stdin.read()
`;

const ARGS: string[][] = [
  ['-s'], ['-st'], ['-su'], ['-sw'], ['-sS'], ['-sU'], ['-stu'], ['-stw'], ['-suw'], ['-stuw'], ['-s6'], ['-s6t'],
  ['-s6u'], ['-s6w'], ['-s6U'], ['-s6tu'], ['-s', '-A', 'inet6'], ['-s', '-A', 'inet'], ['-s4'], ['-s', '-4', '-6'],
  ['-s', '-A', 'unix'], ['-sx'], ['-sv'], ['-sn'], ['-se'], ['-sa'], ['-sl'], ['-sW'], ['-sN'], ['-sp'], ['-so'],
  ['--statistics', '--tcp'],
];

const skip = unavailable();
if (skip !== null) console.log(`statistics-namespace: skipped: ${skip}`);

describe.skipIf(skip !== null)('-s in a live network namespace, against /usr/bin/netstat', () => {
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
    return { stdout: result.stdout, stderr: result.stderr, status: result.status ?? -1 };
  }

  async function mine(args: string[]): Promise<Run> {
    const parsed = parseArgs(args, 'netstat', {});
    if (parsed.kind !== 'run') throw new Error(`arguments rejected: ${args.join(' ')}`);
    const out = new CapturedOutput();
    const ctx = { options: parsed.options, out, resolvers: createResolvers(), procRoot: `/proc/${holder.pid}`, pass: 0 };
    const status = await statisticsPass(ctx);
    return { stdout: out.stdout, stderr: out.stderr, status };
  }

  it("reads the namespace's own counters (two TCP connections were opened there)", async () => {
    expect((await mine(['-st'])).stdout).toContain('    2 active connection openings\n');
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
