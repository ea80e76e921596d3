/**
 * `--by-container`, for real: a cgroup named as Docker's systemd driver names
 * a container's (`docker-<64 hex>.scope`) is made under the cgroup2 mount,
 * a python3 process in a private named network namespace is moved into it
 * and only then opens a TCP listener (a socket takes its creator's cgroup),
 * and the exporter must count that one socket under that container id —
 * in the namespace itself and with `--all-netns`. The native engine gives
 * sockets their cgroup; the /proc backend cannot (a warning says so).
 *
 * Needs root, `ip`, python3, a writable cgroup2 mount (found in
 * /proc/self/mountinfo) and the native addon; skipped with the reason
 * printed otherwise. The cgroup is removed in afterAll.
 */
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type NamedNamespace, NAMESPACE_NEEDS, cleanupNamespaces, createNamedNamespace, uniqueName } from '../harness/namespaces';
import { skipReason } from '../harness/needs';
import { type PythonHolder, startPython } from '../harness/processes';
import { EXPORTER, hasCommand, samples } from './helpers';


const mount = cgroup2Mount();
const reason = skipReason('exporter --by-container tests', { ...NAMESPACE_NEEDS, built: true, engine: true, cgroup: true });

/** Prints its pid; on a line from the test, opens a listener and prints its port; holds it until stdin closes. */
const HOLDER = String.raw`
import json, os, socket, sys
print(json.dumps({'pid': os.getpid()}), flush=True)
sys.stdin.readline()
s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
s.bind(('127.0.0.1', 0))
s.listen(8)
print(json.dumps({'port': s.getsockname()[1]}), flush=True)
sys.stdin.read()
`;
import { cgroup2Mount } from '../../src/cgroup/mount';

function env(backend: 'netlink' | 'procfs'): NodeJS.ProcessEnv {
  return { ...process.env, NETSTAT_BACKEND: backend };
}

describe.skipIf(reason !== undefined)('netstat-exporter --by-container', () => {
  const id = randomBytes(32).toString('hex');
  const cgroup = path.join(mount ?? '/nonexistent', `docker-${id}.scope`);
  let ns: NamedNamespace;
  let holder: PythonHolder;
  let port = 0;

  beforeAll(async () => {
    ns = createNamedNamespace(uniqueName('nsexp-ctr'));
    fs.mkdirSync(cgroup);
    holder = startPython(['ip', 'netns', 'exec', ns.name], HOLDER);
    const { pid } = await holder.next<{ pid: number }>();
    // Into the container's cgroup first; the socket is made after.
    fs.writeFileSync(path.join(cgroup, 'cgroup.procs'), `${pid}\n`);
    holder.send('go');
    ({ port } = await holder.next<{ port: number }>());
  }, 60_000);

  afterAll(async () => {
    await holder?.stop();
    // The cgroup can go once its last process has left it (exited).
    for (let i = 0; i < 100 && fs.existsSync(cgroup); i++) {
      try {
        fs.rmdirSync(cgroup);
      } catch {
        await new Promise((resolve) => setTimeout(resolve, 50));
      }
    }
    await cleanupNamespaces();
    expect(fs.existsSync(cgroup)).toBe(false);
  }, 60_000);

  const runIn = (args: readonly string[], backend: 'netlink' | 'procfs', inNamespace = true) => {
    const prefix = inNamespace ? ['nsenter', `--net=/run/netns/${ns.name}`] : [];
    const [command, ...rest] = [...prefix, process.execPath, EXPORTER, ...args];
    return spawnSync(command as string, rest, { encoding: 'utf8', timeout: 150_000, env: env(backend), maxBuffer: 256 * 1024 * 1024 });
  };

  it('counts the listener under its container id, runtime docker; promtool passes', () => {
    const r = runIn(['--once', '--by-container'], 'netlink');
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    const values = samples(r.stdout);
    const containers = [...values].filter(([k]) => k.startsWith('netstat_container_sockets{'));
    expect(containers).toEqual([[`netstat_container_sockets{runtime="docker",container_id="${id}"}`, 1]]);
    expect(values.get('netstat_containers_omitted')).toBe(0);
    // The namespace holds that listener alone.
    expect(values.get('netstat_container_unattributed_sockets')).toBe(0);
    expect(values.get(`netstat_listening_sockets{protocol="tcp",family="inet",address_class="loopback",port="${port}"}`)).toBe(1);
    if (hasCommand('promtool')) {
      const lint = spawnSync('promtool', ['check', 'metrics'], { input: r.stdout, encoding: 'utf8' });
      expect(`${lint.stdout}${lint.stderr}`).toBe('');
      expect(lint.status).toBe(0);
    }
  }, 60_000);

  it('with --all-netns, under the namespace\'s label; --top-containers bounds the list', () => {
    const r = runIn(['--once', '--all-netns', '--by-container', '--top-containers', '1', '--collect-timeout', '120'], 'netlink', false);
    expect(r.status).toBe(0);
    const values = samples(r.stdout);
    expect(values.get(`netstat_container_sockets{netns="${ns.name}",runtime="docker",container_id="${id}"}`)).toBe(1);
    expect(values.get(`netstat_containers_omitted{netns="${ns.name}"}`)).toBe(0);
    expect(values.get(`netstat_container_unattributed_sockets{netns="${ns.name}"}`)).toBe(0);
    // At most one container series per namespace.
    const perNamespace = new Map<string, number>();
    for (const key of values.keys()) {
      const m = /^netstat_container_sockets\{netns="([^"]+)"/.exec(key);
      if (m !== null) perNamespace.set(m[1] as string, (perNamespace.get(m[1] as string) ?? 0) + 1);
    }
    expect(Math.max(...perNamespace.values())).toBe(1);
  }, 180_000);

  it('on the /proc backend: no socket has a cgroup, and a warning says so', () => {
    const r = runIn(['--once', '--by-container'], 'procfs');
    expect(r.status).toBe(0);
    expect(r.stderr).toBe('netstat-exporter: warning: --by-container needs the native engine (netlink backend); TCP sockets read from /proc have no cgroup and count as unattributed\n');
    const values = samples(r.stdout);
    expect([...values.keys()].filter((k) => k.startsWith('netstat_container_sockets{'))).toEqual([]);
    expect(values.get('netstat_container_unattributed_sockets')).toBe(1);
  }, 60_000);
});
