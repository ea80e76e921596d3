/**
 * Processes and fds that vanish while the /proc/PID/fd walk runs — for real:
 * one process closes and reopens 200 sockets in a tight loop (an fd listed
 * by readdir is often gone at its readlink: ENOENT), another forks children
 * that each open a socket and exit at once (a PID listed in /proc is often
 * gone before its fd directory is opened). Both walks (the native one and
 * the TypeScript one) must tolerate it (spec §2.9: counted as `vanished`,
 * never an error), keep naming the holder of a socket that stays, and the
 * CLI must print its listing without a word on stderr.
 */
import { spawnSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeOwners } from '../../src/backends/netlink';
import { createProcfsOwners } from '../../src/backends/procfs';
import type { OwnerScan, OwnerSource } from '../../src/backends/types';
import { nativeOutcome } from '../../src/native';
import { skipReason } from '../harness/needs';
import { type PythonHolder, startPython } from '../harness/processes';
import { CLI } from './private-net';

/** Exits when the test closes stdin (or dies). */
const EXIT_WITH_STDIN = `
import os, sys, threading
threading.Thread(target=lambda: (sys.stdin.read(), os._exit(0)), daemon=True).start()
`;

const FD_CHURN = `${EXIT_WITH_STDIN}
import json, socket
stable = socket.socket()
stable.bind(('127.0.0.1', 0))
stable.listen(1)
print(json.dumps({'port': stable.getsockname()[1], 'inode': os.fstat(stable.fileno()).st_ino}), flush=True)
while True:
    for s in [socket.socket() for _ in range(200)]:
        s.close()
`;

const PROCESS_CHURN = `${EXIT_WITH_STDIN}
import json, socket, time
print(json.dumps({}), flush=True)
while True:
    pid = os.fork()
    if pid == 0:
        socket.socket()
        time.sleep(0.001)
        os._exit(0)
    os.waitpid(pid, 0)
`;

// Root: the walks read every process.
const why = skipReason('owner-walk race tests', { root: true, built: true });

/** Walks until one reports something vanished (or `tries` walks); every scan is kept. */
function walkUntilVanished(owners: OwnerSource, tries: number, query: { pids?: number[] } = {}): OwnerScan[] {
  const scans: OwnerScan[] = [];
  for (let i = 0; i < tries; i++) {
    scans.push(owners.scan(query));
    if (scans[scans.length - 1]!.vanished > 0) break;
  }
  return scans;
}

describe.skipIf(why !== undefined)('fds and processes vanishing during the owner walk', () => {
  let fdChurn: PythonHolder;
  let processChurn: PythonHolder;
  let stable: { port: number; inode: number };
  const walks: Record<string, OwnerSource> = { typescript: createProcfsOwners('/proc') };
  const native = nativeOutcome();
  if ('binding' in native) walks.native = createNativeOwners(native.binding, '/proc');
  else console.log(`native owner walk not raced: the engine did not load (${native.reason})`);

  beforeAll(async () => {
    fdChurn = startPython([], FD_CHURN);
    processChurn = startPython([], PROCESS_CHURN);
    stable = await fdChurn.next();
    await processChurn.next();
  });
  afterAll(async () => {
    await fdChurn.stop();
    await processChurn.stop();
  });

  for (const [name, owners] of Object.entries(walks)) {
    it(`${name} walk: an fd closed between readdir and readlink counts as vanished; the socket that stays keeps its holder`, () => {
      const scans = walkUntilVanished(owners, 200, { pids: [fdChurn.pid] });
      expect(scans[scans.length - 1]!.vanished).toBeGreaterThan(0);
      for (const scan of scans) {
        expect(scan.owners.get(stable.inode)).toEqual([{ pid: fdChurn.pid, program: 'python3' }]);
        expect(scan).toMatchObject({ denied: 0, procUnreadable: false });
      }
    });

    it(`${name} walk: processes exiting during a walk of all of /proc are tolerated`, () => {
      const scans = walkUntilVanished(owners, 30);
      expect(scans[scans.length - 1]!.vanished).toBeGreaterThan(0);
      for (const scan of scans) expect(scan.owners.get(stable.inode)?.[0]).toEqual({ pid: fdChurn.pid, program: 'python3' });
    });
  }

  it('the CLI lists with owners as usual, nothing on stderr (both backends)', () => {
    for (const backend of ['netlink', 'procfs']) {
      for (let i = 0; i < 3; i++) {
        const r = spawnSync(process.execPath, [CLI, '-tlnp'], { encoding: 'utf8', env: { ...process.env, NETSTAT_BACKEND: backend, NETSTAT_PROC_ROOT: '' } });
        expect({ status: r.status, stderr: r.stderr }).toEqual({ status: 0, stderr: '' });
        const line = r.stdout.split('\n').find((l) => l.includes(`127.0.0.1:${stable.port} `));
        expect(line).toMatch(new RegExp(` ${fdChurn.pid}/python3 +$`));
      }
    }
  });
});
