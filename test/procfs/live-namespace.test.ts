/**
 * Live differential test: a varied socket set in private network, PID and
 * mount namespaces (test/scenario/capture.py), read through
 * `/proc/PID/net/*` of the process holding it and, for owners, through the
 * namespace's own /proc (`/proc/PID/root/proc`, so only its processes are
 * walked), against net-tools netstat run inside those namespaces (`nsenter`).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcfsBackend, createProcfsOwners } from '../../src/backends/procfs';
import type { OwnerScan } from '../../src/backends/types';
import { INET_FAMILIES, INET_PROTOCOLS } from '../../src/model';
import { ORACLE_ENV } from '../harness/commands';
import { type Holder, startScenario } from '../harness/namespaces';
import { skipReason } from '../harness/needs';
import { ORACLE } from '../harness/paths';
import { netstatEndpoint, netstatUnixRow, PROTO_COLUMN } from './helpers';

const reason = skipReason('live namespace test', { unshare: ['net', 'pid', 'mount'], oracle: true, commands: ['python3', 'nsenter'] });

const label = (scan: OwnerScan, inode: number): string => {
  const first = scan.owners.get(inode)?.[0];
  return first === undefined ? '-' : `${first.pid}/${first.program}`.slice(0, 19);
};

describe.skipIf(reason !== undefined)('live namespace against net-tools netstat', () => {
  let holder: Holder;
  /** Host PID of the socket holder (PID 1 inside its namespace). */
  let pid = 0;
  /** The holder's namespace's /proc. */
  let nsProc = '';
  let tmp: string;

  beforeAll(async () => {
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'procfs-ns-'));
    const veth = 'ip link add v0 type veth peer name v1 2>/dev/null && ip addr add 198.51.100.1/24 dev v0 && ip link set v1 up && ip link set v0 up || true';
    holder = await startScenario('capture', { dir: tmp }, { isolation: { net: true, pid: true, mountProc: true, loUp: true, setup: veth } });
    expect(holder.ready.pid).toBe(1);
    pid = holder.pid;
    nsProc = `/proc/${pid}/root/proc`;
  });
  afterAll(async () => {
    await holder?.stop();
    fs.rmSync(tmp, { recursive: true, force: true });
  });

  const netstat = (args: string[]) => holder.run([ORACLE, ...args], { namespaces: ['net', 'pid', 'mount'], env: ORACLE_ENV, encoding: 'utf8' });

  it('inet rows: queues, addresses and PID/Program labels', () => {
    const backend = createProcfsBackend(`/proc/${pid}`);
    const scan = createProcfsOwners(nsProc).scan({});
    const run = netstat(['-anp', '-A', 'inet,inet6']);
    const printed = run.stdout.split('\n').filter((line) => /^(tcp|udp|udpl|raw)6? /.test(line));
    const expected: string[] = [];
    for (const protocol of INET_PROTOCOLS) {
      for (const family of INET_FAMILIES) {
        for (const r of backend.inet({ protocol, family, filter: { selection: 'all' }, timers: false }).rows) {
          const proto = PROTO_COLUMN[protocol] + (family === 'inet6' ? '6' : '');
          expected.push(
            [proto, String(r.recvQueue), String(r.sendQueue), netstatEndpoint(r.localAddress, r.localPort), netstatEndpoint(r.remoteAddress, r.remotePort), label(scan, r.inode)].join(' '),
          );
        }
      }
    }
    const columns = (line: string) => {
      const [proto, recv, send, local, remote] = line.trim().split(/ +/);
      return [proto, recv, send, local, remote, line.slice(80, 100).trimEnd()].join(' ');
    };
    expect(printed.map(columns)).toEqual(expected);
    expect(printed.length).toBeGreaterThan(15);
    expect(printed.some((line) => line.includes('1/python3'))).toBe(true);
  });

  it('unix rows, with -p labels', () => {
    const rows = createProcfsBackend(`/proc/${pid}`).unix({ filter: { selection: 'all' } }).rows;
    const scan = createProcfsOwners(nsProc).scan({ wanted: new Set(rows.map((r) => r.inode)) });
    const printed = netstat(['-axp']).stdout.split('\n').filter((line) => line.startsWith('unix '));
    expect(printed).toEqual(rows.map((r) => netstatUnixRow(r, label(scan, r.inode))));
    expect(printed.length).toBeGreaterThan(8);
    expect(printed.filter((line) => line.includes(' 1/python3 ')).length).toBe(rows.length);
  });
});
