/**
 * Network-namespace discovery: over fixture proc trees (deterministic, no
 * privilege needed), over real namespaces made with `ip netns add` and
 * `unshare -n` (root), and as uid 65534 against the built library.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NetstatError } from '../../src/errors';
import {
  listNamespaces,
  listNamespacesAsync,
  resolveNamespace,
  resolveNamespaceAsync,
  type Namespace,
  type NamespaceOptions,
} from '../../src/netns/discover';
import { attachNamespaceName, cleanupNamespaces, createNamedNamespace, holdSockets, NAMESPACE_NEEDS, NETNS_DIR, startUnnamedNamespace, uniqueName, type NamedNamespace, type SocketHolder, type UnnamedNamespace } from '../harness/namespaces';
import { skipReason } from '../harness/needs';
import { netstatFailure } from '../harness/errors';

const REPO = path.resolve(__dirname, '../..');
const DIST_MODULE = path.join(REPO, 'dist/netns/discover.js');

const tmpDirs: string[] = [];
function tmpDir(prefix: string): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  fs.chmodSync(dir, 0o755); // readable by uid 65534 in the non-root tests
  tmpDirs.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of tmpDirs) fs.rmSync(dir, { recursive: true, force: true });
});

/** A PID directory whose `ns/net` is a symlink with `link` as its text (none if undefined). */
function pidDir(root: string, pid: number | string, link?: string): void {
  fs.mkdirSync(path.join(root, String(pid), 'ns'), { recursive: true });
  if (link !== undefined) fs.symlinkSync(link, path.join(root, String(pid), 'ns', 'net'));
}


/** Both variants of resolveNamespace must agree; returns the sync one's result. */
async function resolveBoth(target: string | number, options?: NamespaceOptions): Promise<Namespace> {
  const sync = resolveNamespace(target, options);
  expect(await resolveNamespaceAsync(target, options)).toEqual(sync);
  return sync;
}

/** Both variants must fail the same way; returns the sync one's error. */
async function failBoth(target: string | number, options?: NamespaceOptions): Promise<NetstatError> {
  const sync = await netstatFailure(() => resolveNamespace(target, options));
  const async = await netstatFailure(() => resolveNamespaceAsync(target, options));
  expect({ code: async.code, message: async.message }).toEqual({ code: sync.code, message: sync.message });
  return sync;
}

describe('over a fixture proc tree', () => {
  let proc: string;
  let netns: string;
  let options: NamespaceOptions;
  beforeAll(() => {
    proc = tmpDir('netns-proc-');
    pidDir(proc, 102, 'net:[123]');
    pidDir(proc, 100, 'net:[123]'); // the lowest PID of 123, whatever the readdir order
    pidDir(proc, 800, 'net:[123]');
    pidDir(proc, 205, 'net:[456]');
    pidDir(proc, 300, 'net:[77]');
    pidDir(proc, 400); // a zombie: no namespace link
    fs.symlinkSync('/nonexistent/gone', path.join(proc, '600')); // exited between readdir and readlink
    pidDir(proc, 700, 'mnt:[999]'); // not a network-namespace link: ignored
    fs.mkdirSync(path.join(proc, 'sys')); // not a PID
    fs.symlinkSync('100', path.join(proc, 'self'));
    netns = tmpDir('netns-dir-');
    // What `ip netns add` leaves when its bind mount fails: a plain file, not a namespace.
    fs.writeFileSync(path.join(netns, 'stale'), '');
    fs.mkdirSync(path.join(netns, 'subdir'));
    options = { procRoot: proc, netnsDir: netns };
  });

  const expected = (): Namespace[] => [
    { inode: 123, pid: 100, procDir: path.join(proc, '100'), path: path.join(proc, '100/ns/net'), current: true },
    { inode: 77, pid: 300, procDir: path.join(proc, '300'), path: path.join(proc, '300/ns/net'), current: false },
    { inode: 456, pid: 205, procDir: path.join(proc, '205'), path: path.join(proc, '205/ns/net'), current: false },
  ];

  it('groups PIDs by namespace, lowest PID, current first then by inode; skips vanished and odd entries', async () => {
    const listed = listNamespaces(options);
    expect(listed).toEqual({ namespaces: expected(), deniedProcesses: 0 });
    expect(await listNamespacesAsync(options)).toEqual(listed);
  });

  it('takes the proc root and the named-namespace directory from the environment', async () => {
    const saved = { proc: process.env.NETSTAT_PROC_ROOT, netns: process.env.NETSTAT_NETNS_DIR };
    process.env.NETSTAT_PROC_ROOT = proc;
    process.env.NETSTAT_NETNS_DIR = netns;
    try {
      expect(listNamespaces().namespaces).toEqual(expected());
      const error = await failBoth('stale');
      expect(error.code).toBe('ERR_NETNS_NOT_FOUND');
      expect(error.message).toBe(`network namespace "stale" not found (${path.join(netns, 'stale')} is not a mounted namespace)`);
    } finally {
      for (const [name, value] of [['NETSTAT_PROC_ROOT', saved.proc], ['NETSTAT_NETNS_DIR', saved.netns]] as const) {
        if (value === undefined) delete process.env[name];
        else process.env[name] = value;
      }
    }
  });

  it('lists the caller\'s namespace even when no PID shows it, and works without a named-namespace directory', async () => {
    const other = tmpDir('netns-proc-');
    pidDir(other, 'self', 'net:[5]'); // `self` as a directory, not a PID
    pidDir(other, 10, 'net:[1]');
    const opts = { procRoot: other, netnsDir: path.join(other, 'no-such-dir') };
    const listed = listNamespaces(opts);
    expect(listed.namespaces).toEqual([
      { inode: 5, path: path.join(other, 'self/ns/net'), current: true },
      { inode: 1, pid: 10, procDir: path.join(other, '10'), path: path.join(other, '10/ns/net'), current: false },
    ]);
    expect(await listNamespacesAsync(opts)).toEqual(listed);
  });

  it('has no current namespace when the proc root has no self', () => {
    const other = tmpDir('netns-proc-');
    pidDir(other, 10, 'net:[1]');
    expect(listNamespaces({ procRoot: other, netnsDir: netns }).namespaces.map((ns) => ns.current)).toEqual([false]);
  });

  it('fails with the system code when the proc root cannot be listed', async () => {
    const missing = { procRoot: path.join(proc, 'no-such-root'), netnsDir: netns };
    const error = await netstatFailure(() => listNamespaces(missing));
    expect(error.code).toBe('ENOENT');
    expect(error.message).toContain('no-such-root');
    expect((await netstatFailure(() => listNamespacesAsync(missing))).code).toBe('ENOENT');
  });

  it('resolves a PID (number or digits) to its namespace entry', async () => {
    const [, low, high] = expected();
    expect(await resolveBoth(205, options)).toEqual(high);
    expect(await resolveBoth('300', options)).toEqual(low);
    // A PID names a namespace; the entry is the listing's, with its lowest PID.
    expect(await resolveBoth(800, options)).toEqual(expected()[0]);
  });

  it('resolves a path to a namespace link, keeping that path', async () => {
    const link = path.join(proc, '800/ns/net');
    expect(await resolveBoth(link, options)).toEqual({ ...expected()[0], path: link });
  });

  it('rejects what is not a PID, a namespace file or a name', async () => {
    for (const target of [0, -1, 1.5, Number.NaN, '99999999999999999999']) {
      expect((await failBoth(target, options)).code).toBe('ERR_INVALID_ARG_VALUE');
    }
    for (const target of ['', '.', '..', 'a\0b']) {
      const error = await failBoth(target, options);
      expect(error.code).toBe('ERR_INVALID_ARG_VALUE');
      expect(error.message).toContain('invalid network namespace');
    }
    expect((await failBoth(null as unknown as string, options)).code).toBe('ERR_INVALID_ARG_TYPE');

    const file = path.join(tmpDir('netns-file-'), 'regular');
    fs.writeFileSync(file, 'not a namespace');
    const regular = await failBoth(file, options);
    expect(regular.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(regular.message).toBe(`"${file}" is not a network namespace file`);
    expect((await failBoth(path.dirname(file) + '/', options)).code).toBe('ERR_INVALID_ARG_VALUE');

    const mnt = await failBoth(path.join(proc, '700/ns/net'), options);
    expect(mnt.code).toBe('ERR_INVALID_ARG_VALUE');
    expect(mnt.message).toContain('is a mnt namespace, not a network namespace');
    expect((await failBoth('/proc/self/ns/mnt', options)).code).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('says which PID, path or name was not found', async () => {
    const pid = await failBoth(999, options);
    expect(pid.code).toBe('ERR_NETNS_NOT_FOUND');
    expect(pid.message).toBe(`network namespace of PID 999 not found (no ${path.join(proc, '999/ns/net')})`);
    expect((await failBoth(400, options)).code).toBe('ERR_NETNS_NOT_FOUND'); // zombie
    expect((await failBoth(600, options)).code).toBe('ERR_NETNS_NOT_FOUND'); // vanished

    const name = await failBoth('foo', options);
    expect(name.code).toBe('ERR_NETNS_NOT_FOUND');
    expect(name.message).toBe(`network namespace "foo" not found (no ${path.join(netns, 'foo')})`);
    expect((await failBoth('stale', options)).code).toBe('ERR_NETNS_NOT_FOUND');

    const file = await failBoth(path.join(netns, 'nothing-here'), options);
    expect(file.code).toBe('ERR_NETNS_NOT_FOUND');
    expect(file.message).toBe(`network namespace file "${path.join(netns, 'nothing-here')}" not found`);
  });
});

// ---------------------------------------------------------------------------
// Real namespaces

const why = skipReason('real network-namespace tests', NAMESPACE_NEEDS);

/** `stat -L -c %i`: a namespace file's inode, read by another program than ours. */
function statInode(file: string): number {
  const result = spawnSync('stat', ['-L', '-c', '%i', file], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return Number(result.stdout.trim());
}

/** `readlink /proc/PID/ns/net` → its inode. */
function linkInode(pid: number): number {
  const result = spawnSync('readlink', [`/proc/${pid}/ns/net`], { encoding: 'utf8' });
  expect(result.status).toBe(0);
  return Number(/^net:\[(\d+)\]$/.exec(result.stdout.trim())![1]);
}

/** Processes whose namespace link this process may not read, counted independently of the library. */
function refusedProcesses(): number {
  let refused = 0;
  for (const pid of fs.readdirSync('/proc').filter((name) => /^\d+$/.test(name))) {
    try {
      fs.readlinkSync(`/proc/${pid}/ns/net`);
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'EACCES' || code === 'EPERM') refused++;
    }
  }
  return refused;
}

describe.skipIf(why !== undefined)('real namespaces', () => {
  let empty: NamedNamespace;
  let busy: NamedNamespace;
  let alias: NamedNamespace;
  let holder: SocketHolder;
  let unnamed: UnnamedNamespace;
  let stale: string;

  beforeAll(async () => {
    empty = createNamedNamespace(uniqueName('nstest-empty'));
    busy = createNamedNamespace(uniqueName('nstest-busy'));
    holder = await holdSockets(busy, { listen: [7001, 7002], connections: 2, udp: 7003 });
    // A second name, sorting before the first: the namespace's `name` is it.
    alias = attachNamespaceName(uniqueName('nstest-alias'), holder.pid);
    unnamed = await startUnnamedNamespace();
    stale = path.join(NETNS_DIR, uniqueName('nstest-stale'));
    fs.writeFileSync(stale, '');
  });
  afterAll(async () => {
    if (stale !== undefined) fs.rmSync(stale, { force: true });
    await cleanupNamespaces();
  });

  it('the fixtures are what they say', () => {
    expect(statInode(path.join(NETNS_DIR, empty.name))).toBe(empty.inode);
    expect(statInode(path.join(NETNS_DIR, busy.name))).toBe(busy.inode);
    expect(alias.inode).toBe(busy.inode);
    expect(linkInode(holder.pid)).toBe(busy.inode);
    expect(linkInode(unnamed.pid)).toBe(unnamed.inode);
    expect(new Set([linkInode(process.pid), empty.inode, busy.inode, unnamed.inode]).size).toBe(4);
    expect(holder.sockets.listening).toEqual([7001, 7002]);
    expect(holder.sockets.connections).toHaveLength(2);
    expect(holder.sockets.udp).toBe(7003);
    // Its /proc shows the namespace's tables: both listeners (state 0A) are there.
    const tcp = fs.readFileSync(`/proc/${holder.pid}/net/tcp`, 'utf8');
    expect(tcp).toMatch(/:1B59 00000000:0000 0A/);
    expect(tcp).toMatch(/:1B5A 00000000:0000 0A/);
  });

  for (const variant of ['sync', 'async'] as const) {
    it(`lists every namespace with its inode, names and lowest PID (${variant})`, async () => {
      const { namespaces, deniedProcesses } = variant === 'sync' ? listNamespaces() : await listNamespacesAsync();
      // Root is rarely refused, but can be (a process of a more privileged container runtime).
      expect(deniedProcesses).toBe(refusedProcesses());

      const current = linkInode(process.pid);
      expect(namespaces[0]).toMatchObject({ inode: current, current: true });
      expect(namespaces.filter((ns) => ns.current)).toHaveLength(1);
      const rest = namespaces.slice(1).map((ns) => ns.inode);
      expect(rest).toEqual([...rest].sort((a, b) => a - b));
      expect(new Set(namespaces.map((ns) => ns.inode)).size).toBe(namespaces.length);

      const byInode = (inode: number): Namespace | undefined => namespaces.find((ns) => ns.inode === inode);
      expect(byInode(empty.inode)).toEqual({
        inode: empty.inode,
        name: empty.name,
        names: [empty.name],
        path: path.join(NETNS_DIR, empty.name),
        current: false,
      });
      const names = [alias.name, busy.name].sort();
      expect(byInode(busy.inode)).toEqual({
        inode: busy.inode,
        name: names[0],
        names,
        pid: holder.pid, // the only process in it
        procDir: `/proc/${holder.pid}`,
        path: path.join(NETNS_DIR, names[0]!),
        current: false,
      });
      expect(byInode(unnamed.inode)).toEqual({
        inode: unnamed.inode,
        pid: unnamed.pid,
        procDir: `/proc/${unnamed.pid}`,
        path: `/proc/${unnamed.pid}/ns/net`,
        current: false,
      });
      expect(namespaces.some((ns) => ns.names?.includes(path.basename(stale)))).toBe(false);
    });
  }

  it('resolves a name, a named file, a PID and a /proc link', async () => {
    expect(await resolveBoth(empty.name)).toEqual({
      inode: empty.inode,
      name: empty.name,
      names: [empty.name],
      path: path.join(NETNS_DIR, empty.name),
      current: false,
    });
    // By its second name: that name, and every name.
    const byName = await resolveBoth(busy.name);
    expect(byName).toMatchObject({ inode: busy.inode, name: busy.name, path: path.join(NETNS_DIR, busy.name), pid: holder.pid });
    expect(byName.names).toEqual([alias.name, busy.name].sort());

    expect(await resolveBoth(path.join(NETNS_DIR, empty.name))).toMatchObject({ inode: empty.inode, name: empty.name, path: path.join(NETNS_DIR, empty.name) });
    // A relative path is made absolute: the namespace is opened later, maybe from another directory.
    const relative = path.relative(process.cwd(), path.join(NETNS_DIR, empty.name));
    expect((await resolveBoth(relative)).path).toBe(path.join(NETNS_DIR, empty.name));

    expect(await resolveBoth(unnamed.pid)).toEqual({
      inode: unnamed.inode,
      pid: unnamed.pid,
      procDir: `/proc/${unnamed.pid}`,
      path: `/proc/${unnamed.pid}/ns/net`,
      current: false,
    });
    expect(await resolveBoth(String(unnamed.pid))).toMatchObject({ inode: unnamed.inode, pid: unnamed.pid });
    expect(await resolveBoth(`/proc/${unnamed.pid}/ns/net`)).toMatchObject({ inode: unnamed.inode, pid: unnamed.pid });
    expect(await resolveBoth(holder.pid)).toMatchObject({ inode: busy.inode, name: [alias.name, busy.name].sort()[0] });

    expect(await resolveBoth(process.pid)).toMatchObject({ inode: linkInode(process.pid), current: true });
    expect(await resolveBoth('/proc/self/ns/net')).toMatchObject({ inode: linkInode(process.pid), current: true, path: '/proc/self/ns/net' });
  });

  it('does not take a file left by a failed `ip netns add` for a namespace', async () => {
    const error = await failBoth(path.basename(stale));
    expect(error.code).toBe('ERR_NETNS_NOT_FOUND');
    expect((await failBoth(stale)).code).toBe('ERR_INVALID_ARG_VALUE');
  });

  it('names from another directory (NETSTAT_NETNS_DIR or the option): a bind mount there', async () => {
    const dir = tmpDir('netns-bind-');
    const file = path.join(dir, 'custom');
    fs.writeFileSync(file, '');
    expect(spawnSync('mount', ['--bind', `/proc/${unnamed.pid}/ns/net`, file]).status).toBe(0);
    try {
      const listed = listNamespaces({ netnsDir: dir }).namespaces.find((ns) => ns.inode === unnamed.inode);
      expect(listed).toMatchObject({ name: 'custom', path: file, pid: unnamed.pid });
      expect(await resolveBoth('custom', { netnsDir: dir })).toMatchObject({ inode: unnamed.inode, name: 'custom', path: file });
    } finally {
      spawnSync('umount', [file]);
    }
  });

  it('an unnamed namespace goes away with its process', async () => {
    const transient = await startUnnamedNamespace({ listen: [], udp: 0 });
    expect(listNamespaces().namespaces.some((ns) => ns.inode === transient.inode)).toBe(true);
    await transient.stop();
    expect(listNamespaces().namespaces.some((ns) => ns.inode === transient.inode)).toBe(false);
    expect((await failBoth(transient.pid)).code).toBe('ERR_NETNS_NOT_FOUND');
  });

  it('holds sockets in an unnamed namespace through nsenter', async () => {
    const extra = await holdSockets(unnamed, { connections: 1 });
    try {
      expect(linkInode(extra.pid)).toBe(unnamed.inode);
      expect(extra.sockets.listening).toHaveLength(1);
      // Still the lowest PID: the namespace's owner started first.
      expect(resolveNamespace(extra.pid)).toMatchObject({ inode: unnamed.inode, pid: Math.min(unnamed.pid, extra.pid) });
    } finally {
      await extra.stop();
    }
  });

  // ---- as an ordinary user, against the built library

  const nonRootWhy = ((): string | undefined => {
    if (spawnSync('sh', ['-c', 'command -v setpriv']).status !== 0) return 'setpriv not installed';
    if (!fs.existsSync(DIST_MODULE)) return 'dist/ not built (npm run build)';
    const readable = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', 'test', '-r', DIST_MODULE]);
    if (readable.status !== 0) return 'the checkout is not readable by uid 65534';
    return undefined;
  })();
  if (nonRootWhy !== undefined) console.log(`non-root namespace tests skipped: ${nonRootWhy}`);

  it.skipIf(nonRootWhy !== undefined)('as uid 65534: counts denied processes, reports EACCES, still sees names', () => {
    const proc = tmpDir('netns-proc-');
    pidDir(proc, 10, 'net:[1]');
    pidDir(proc, 11, 'net:[2]');
    fs.chmodSync(path.join(proc, '11'), 0o000); // another user's process
    const script = `
      const d = require(process.argv[1]);
      const caught = (f) => { try { return f(); } catch (e) { return { error: e.code, name: e.name, message: e.message }; } };
      (async () => {
        const out = {
          list: d.listNamespaces(),
          listAsync: await d.listNamespacesAsync(),
          fixture: d.listNamespaces({ procRoot: process.argv[2], netnsDir: process.argv[3] }),
          pid1: caught(() => d.resolveNamespace(1)),
          pid1Async: await d.resolveNamespaceAsync(1).catch((e) => ({ error: e.code, name: e.name, message: e.message })),
          pid1Path: caught(() => d.resolveNamespace('/proc/1/ns/net')),
          self: caught(() => d.resolveNamespace(process.pid)),
          named: caught(() => d.resolveNamespace(process.argv[4])),
        };
        console.log(JSON.stringify(out));
      })().catch((e) => { console.error(e); process.exit(2); });
    `;
    const result = spawnSync(
      'setpriv',
      ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script, DIST_MODULE, proc, path.join(proc, 'none'), busy.name],
      { encoding: 'utf8', env: { ...process.env, HOME: '/' } },
    );
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    const out = JSON.parse(result.stdout);

    for (const list of [out.list, out.listAsync]) {
      expect(list.deniedProcesses).toBeGreaterThan(0);
      expect(list.namespaces[0]).toMatchObject({ inode: linkInode(process.pid), current: true });
      // Named namespaces need no privilege to find; their (root's) processes do.
      const names = [alias.name, busy.name].sort();
      expect(list.namespaces.find((ns: Namespace) => ns.inode === busy.inode)).toEqual({
        inode: busy.inode,
        name: names[0],
        names,
        path: path.join(NETNS_DIR, names[0]!),
        current: false,
      });
      expect(list.namespaces.find((ns: Namespace) => ns.inode === unnamed.inode)).toBeUndefined();
    }
    expect(out.fixture).toEqual({
      namespaces: [{ inode: 1, pid: 10, procDir: path.join(proc, '10'), path: path.join(proc, '10/ns/net'), current: false }],
      deniedProcesses: 1,
    });
    for (const denied of [out.pid1, out.pid1Async, out.pid1Path]) {
      expect(denied).toMatchObject({ error: 'EACCES', name: 'NetstatError' });
      expect(denied.message).toContain('Permission denied');
      expect(denied.message).toContain('/proc/1/ns/net');
    }
    expect(out.self).toMatchObject({ inode: linkInode(process.pid), current: true });
    expect(out.named).toMatchObject({ inode: busy.inode, name: busy.name, current: false });
    expect(out.named.pid).toBeUndefined();
  });
});
