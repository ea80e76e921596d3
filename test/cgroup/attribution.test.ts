/**
 * Container attribution through the library, end to end: processes moved
 * into cgroups made here (named as Docker and systemd name theirs) open
 * sockets; the records say which cgroup and container each socket belongs
 * to, a cgroup filter keeps exactly the sockets of a subtree (the kernel
 * filters), and counts group by cgroup and container.
 */
import { type ChildProcessWithoutNullStreams, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { countSockets, countSocketsSync, listSockets, listSocketsSync } from '../../src/api';
import { cgroup2Mount } from '../../src/cgroup/mount';
import { skipReason } from '../harness/needs';

const DOCKER_ID = 'feedface'.repeat(8);
const TOP = `/netstat-attribution-${process.pid}`;
const DOCKER = `${TOP}/docker-${DOCKER_ID}.scope`;
const SERVICE = `${TOP}/web.service`;

// Root: cgroups cannot be created otherwise.
const reason = skipReason('cgroup attribution tests', { root: true, engine: true, cgroup: true });

/**
 * A python3 process that joins `cgroup` before it opens its sockets (a
 * socket takes its creator's cgroup when it is made), then listens on
 * 127.0.0.1 and holds one connection to itself; prints its port.
 */
function holder(mount: string, cgroup: string): Promise<{ child: ChildProcessWithoutNullStreams; port: number }> {
  const code = [
    'import os, socket, sys',
    `open(${JSON.stringify(path.join(mount, cgroup, 'cgroup.procs'))}, "w").write(str(os.getpid()))`,
    's = socket.socket(); s.bind(("127.0.0.1", 0)); s.listen()',
    'c = socket.create_connection(s.getsockname()); a, _ = s.accept()',
    'print(s.getsockname()[1], flush=True)',
    'sys.stdin.read()',
  ].join('\n');
  const child = spawn('python3', ['-c', code]);
  return new Promise((resolve, reject) => {
    let out = '';
    child.stdout.on('data', (d: Buffer) => {
      out += d.toString();
      if (out.includes('\n')) resolve({ child, port: Number(out.trim()) });
    });
    child.on('exit', (status) => reject(new Error(`holder exited with ${status}`)));
  });
}

describe.skipIf(reason !== undefined)('container attribution', () => {
  const mount = reason === undefined ? cgroup2Mount()! : '';
  const holders: ChildProcessWithoutNullStreams[] = [];
  let dockerPort = 0;
  let servicePort = 0;

  beforeAll(async () => {
    for (const dir of [DOCKER, SERVICE]) fs.mkdirSync(path.join(mount, dir), { recursive: true });
    const docker = await holder(mount, DOCKER);
    const service = await holder(mount, SERVICE);
    holders.push(docker.child, service.child);
    dockerPort = docker.port;
    servicePort = service.port;
  });

  afterAll(async () => {
    for (const child of holders) {
      const exited = new Promise((resolve) => child.on('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    for (const dir of [DOCKER, SERVICE, TOP]) {
      try {
        fs.rmdirSync(path.join(mount, dir));
      } catch {
        // already gone
      }
    }
  });

  const ports = () => [dockerPort, servicePort];

  it('records carry the cgroup id, and with cgroups:true its path and container', async () => {
    const { inet } = await listSockets({ protocols: ['tcp'], localPort: ports(), backend: 'netlink', cgroups: true });
    const dockerIno = String(fs.statSync(path.join(mount, DOCKER), { bigint: true }).ino);
    const listener = inet.find((s) => s.localPort === dockerPort && s.stateName === 'LISTEN');
    expect(listener?.cgroup).toEqual({ id: dockerIno, path: DOCKER, container: { runtime: 'docker', id: DOCKER_ID } });
    const web = inet.find((s) => s.localPort === servicePort && s.stateName === 'LISTEN');
    expect(web?.cgroup).toEqual({
      id: String(fs.statSync(path.join(mount, SERVICE), { bigint: true }).ino),
      path: SERVICE,
      container: { runtime: 'systemd', id: 'web.service' },
    });
    // Without cgroups:true only the id is there.
    const plain = listSocketsSync({ protocols: ['tcp'], localPort: dockerPort, states: ['LISTEN'], backend: 'netlink' });
    expect(plain.inet[0]?.cgroup).toEqual({ id: dockerIno });
  });

  it('a cgroup filter keeps the sockets of that cgroup and its descendants, filtered by the kernel', async () => {
    const docker = await listSockets({ protocols: ['tcp'], cgroup: DOCKER, backend: 'netlink' });
    // The listener, the connecting socket and the accepted one: all made by the holder.
    expect(docker.inet.filter((s) => s.stateName === 'LISTEN').map((s) => s.localPort)).toEqual([dockerPort]);
    expect(docker.inet.every((s) => s.cgroup?.id === String(fs.statSync(path.join(mount, DOCKER), { bigint: true }).ino))).toBe(true);
    expect(docker.inet.length).toBe(3);
    const subtree = await listSockets({ protocols: ['tcp'], cgroup: TOP, backend: 'netlink', cgroups: true });
    expect(new Set(subtree.inet.filter((s) => s.stateName === 'LISTEN').map((s) => s.localPort))).toEqual(new Set(ports()));
    expect(subtree.inet.length).toBe(6);
    expect(subtree.inet.every((s) => s.cgroup?.path?.startsWith(`${TOP}/`))).toBe(true);
  });

  it('counts group by cgroup and by container', async () => {
    const byContainer = await countSockets({ protocols: ['tcp'], cgroup: TOP, backend: 'netlink' }, { by: 'container' });
    expect(new Set(byContainer.groups.map((g) => `${g.container} ${g.count}`))).toEqual(new Set([`${DOCKER_ID} 3`, 'web.service 3']));
    expect(byContainer.groups.length).toBe(2);
    const byCgroup = countSocketsSync({ protocols: ['tcp'], cgroup: TOP, states: ['LISTEN'], backend: 'netlink' }, { by: ['cgroup', 'state'] });
    expect(new Set(byCgroup.groups.map((g) => `${g.cgroup} ${g.state} ${g.count}`))).toEqual(new Set([`${DOCKER} LISTEN 1`, `${SERVICE} LISTEN 1`]));
  });

  it('bad cgroup filters are refused by name', async () => {
    await expect(listSockets({ cgroup: `${TOP}/nope` })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(listSockets({ cgroup: 'relative' })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_VALUE' });
    await expect(listSockets({ cgroup: 7 as unknown as string })).rejects.toMatchObject({ code: 'ERR_INVALID_ARG_TYPE' });
  });

  it('the /proc backend cannot answer a cgroup filter and says so per table', async () => {
    const list = await listSockets({ protocols: ['tcp'], cgroup: DOCKER, backend: 'procfs' });
    expect(list.inet).toEqual([]);
    expect(list.tables.map((t) => [t.table, t.status, t.code])).toEqual([
      ['tcp/inet', 'absent', 'ERR_CGROUP_FILTER_UNSUPPORTED'],
      ['tcp/inet6', 'absent', 'ERR_CGROUP_FILTER_UNSUPPORTED'],
    ]);
  });
});
