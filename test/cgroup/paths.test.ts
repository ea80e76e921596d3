/**
 * Cgroup id → path resolution.
 *
 * The walk itself is tested over an ordinary directory tree standing in for
 * the cgroup2 mount: any filesystem's inode numbers serve as ids, which is
 * all the resolver relies on. Then, as root with cgroup2 mounted, over real
 * cgroups, with the kernel as the oracle: a process holding a listening
 * socket is moved into a test cgroup, and the cgroup the kernel reports for
 * it (`/proc/<pid>/cgroup`, and `ss --cgroup` from the socket's own cgroup id)
 * must be the path the resolver gives for that cgroup's id.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { containerOf } from '../../src/cgroup/container';
import { cgroup2Mount } from '../../src/cgroup/mount';
import { createCgroupResolver } from '../../src/cgroup/paths';
import { NetstatError } from '../../src/errors';
import { skipReason, unavailable } from '../harness/needs';

const ino = (p: string): string => fs.statSync(p, { bigint: true }).ino.toString();

describe('createCgroupResolver over a directory tree', () => {
  const top = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-cgroup-'));
  fs.chmodSync(top, 0o755);
  for (const dir of ['a/b/c', 'x/y', 'x/z', 'with space/ünï']) fs.mkdirSync(path.join(top, dir), { recursive: true });
  fs.writeFileSync(path.join(top, 'cgroup.procs'), '');
  fs.writeFileSync(path.join(top, 'a/cgroup.procs'), '');
  afterAll(() => fs.rmSync(top, { recursive: true, force: true }));

  it('maps ids to paths relative to the mount, the mount itself being /', () => {
    const resolver = createCgroupResolver({ mount: top });
    expect(resolver.mount).toBe(top);
    const ids = ['a/b/c', 'x/z', 'with space/ünï', 'a'].map((p) => ino(path.join(top, p)));
    expect(resolver.pathsOf([...ids, ino(top)])).toEqual(
      new Map([
        [ids[0], '/a/b/c'],
        [ids[1], '/x/z'],
        [ids[2], '/with space/ünï'],
        [ids[3], '/a'],
        [ino(top), '/'],
      ]),
    );
  });

  it('accepts bigint ids and answers in decimal text', async () => {
    const resolver = createCgroupResolver({ mount: top });
    const id = fs.statSync(path.join(top, 'x/y'), { bigint: true }).ino;
    expect(resolver.pathsOf([id]).get(id.toString())).toBe('/x/y');
    expect((await resolver.pathsOfAsync([id])).get(id.toString())).toBe('/x/y');
  });

  it('leaves out ids that are no cgroup, without failing', async () => {
    const resolver = createCgroupResolver({ mount: top });
    const known = ino(path.join(top, 'x'));
    expect(resolver.pathsOf(['18446744073709551615', known])).toEqual(new Map([[known, '/x']]));
    expect(await resolver.pathsOfAsync([0n, known])).toEqual(new Map([[known, '/x']]));
    expect(resolver.pathsOf([])).toEqual(new Map());
  });

  it('finds directories made after an earlier walk (sync and async)', async () => {
    const resolver = createCgroupResolver({ mount: top });
    resolver.pathsOf([ino(path.join(top, 'a'))]);
    fs.mkdirSync(path.join(top, 'x/y/late'));
    fs.mkdirSync(path.join(top, 'x/y/later'));
    expect([...resolver.pathsOf([ino(path.join(top, 'x/y/late'))]).values()]).toEqual(['/x/y/late']);
    expect([...(await resolver.pathsOfAsync([ino(path.join(top, 'x/y/later'))])).values()]).toEqual(['/x/y/later']);
  });

  it('stops walking once every wanted id is seen, and answers from its cache', async () => {
    for (const variant of ['sync', 'async'] as const) {
      const scratch = fs.mkdtempSync(path.join(top, 'scratch-'));
      for (const dir of ['p/q/r', 'p/deep/er']) fs.mkdirSync(path.join(scratch, dir), { recursive: true });
      const deep = ino(path.join(scratch, 'p/deep/er'));
      const q = ino(path.join(scratch, 'p/q'));
      const resolver = createCgroupResolver({ mount: scratch });
      const lookup = (ids: string[]) => (variant === 'sync' ? Promise.resolve(resolver.pathsOf(ids)) : resolver.pathsOfAsync(ids));
      expect((await lookup([q])).get(q)).toBe('/p/q');
      // Breadth first, the walk ended at depth 2: had it gone on, it would
      // have seen p/deep/er and would still name it after it is gone.
      fs.rmdirSync(path.join(scratch, 'p/deep/er'));
      expect(await lookup([deep])).toEqual(new Map());
      // A cached id is answered without a walk: a rename goes unnoticed.
      fs.renameSync(path.join(scratch, 'p/q'), path.join(scratch, 'p/renamed'));
      expect((await lookup([q])).get(q)).toBe('/p/q');
    }
  });

  it('tolerates directories vanishing while it walks', async () => {
    const churn = fs.mkdtempSync(path.join(top, 'churn-'));
    for (let i = 0; i < 20; i++) fs.mkdirSync(path.join(churn, `d${i}/e/f`), { recursive: true });
    // A shell removes and recreates the subtrees as fast as it can while we walk in full (the id is never found).
    const shell = spawn('sh', ['-c', `cd '${churn}' && while :; do for i in $(seq 0 19); do rm -rf d$i; mkdir -p d$i/e/f; done; done`], { stdio: 'ignore' });
    try {
      const deadline = Date.now() + 1500;
      let walks = 0;
      while (Date.now() < deadline) {
        expect(createCgroupResolver({ mount: churn }).pathsOf(['18446744073709551615']).size).toBe(0);
        expect((await createCgroupResolver({ mount: churn }).pathsOfAsync(['18446744073709551615'])).size).toBe(0);
        walks += 2;
      }
      expect(walks).toBeGreaterThan(10);
    } finally {
      shell.kill('SIGKILL');
      await new Promise((resolve) => shell.once('exit', resolve));
    }
  });

  // Root reads everything: to meet EACCES, a root test drops its effective
  // uid for the walk (vitest runs each test file in a process of its own).
  const seteuid = process.geteuid?.() === 0 ? process.seteuid : undefined;
  it('skips subtrees it may not read', async () => {
    const closedTop = fs.mkdtempSync(path.join(top, 'closed-'));
    fs.chmodSync(closedTop, 0o755);
    fs.mkdirSync(path.join(closedTop, 'shut/inner'), { recursive: true });
    fs.mkdirSync(path.join(closedTop, 'open/inner'), { recursive: true });
    const open = ino(path.join(closedTop, 'open/inner'));
    const shut = ino(path.join(closedTop, 'shut/inner'));
    const resolver = createCgroupResolver({ mount: closedTop });
    fs.chmodSync(path.join(closedTop, 'shut'), 0o000);
    seteuid?.(65534);
    try {
      // Ask for the unreadable one first: the walk must go on past it.
      expect(resolver.pathsOf([shut, open])).toEqual(new Map([[open, '/open/inner']]));
      expect(await createCgroupResolver({ mount: closedTop }).pathsOfAsync([shut, open])).toEqual(new Map([[open, '/open/inner']]));
    } finally {
      seteuid?.(0);
      fs.chmodSync(path.join(closedTop, 'shut'), 0o755);
    }
  });

  // Root: mounting a tmpfs needs it.
  const mountReason = skipReason('cgroup nested-mount test', { root: true });
  it.skipIf(mountReason)('does not walk into another filesystem mounted inside the tree', async () => {
    const outer = fs.mkdtempSync(path.join(top, 'outer-'));
    fs.mkdirSync(path.join(outer, 'mnt'));
    const mounted = spawnSync('mount', ['-t', 'tmpfs', 'netstat-test', path.join(outer, 'mnt')], { encoding: 'utf8' });
    expect(mounted.status, mounted.stderr).toBe(0);
    try {
      fs.mkdirSync(path.join(outer, 'mnt/inside'));
      const inside = ino(path.join(outer, 'mnt/inside'));
      const mnt = ino(path.join(outer, 'mnt'));
      // Its inode numbers are another filesystem's: they must not answer for cgroup ids.
      expect(createCgroupResolver({ mount: outer }).pathsOf([inside, mnt])).toEqual(new Map());
      expect(await createCgroupResolver({ mount: outer }).pathsOfAsync([inside, mnt])).toEqual(new Map());
    } finally {
      spawnSync('umount', [path.join(outer, 'mnt')]);
    }
  });

  it('rejects bad ids and options with a NetstatError code', () => {
    const resolver = createCgroupResolver({ mount: top });
    for (const bad of ['-1', '1.5', '0x10', '007', '', ' 1', '18446744073709551616']) {
      expect(() => resolver.pathsOf([bad]), bad).toThrow(expect.objectContaining({ name: 'NetstatError', code: 'ERR_INVALID_ARG_VALUE' }));
    }
    expect(() => resolver.pathsOf([-1n])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => resolver.pathsOf([1n << 64n])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_VALUE' }));
    expect(() => resolver.pathsOf([7 as unknown as string])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => resolver.pathsOf('123' as unknown as string[])).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => createCgroupResolver({ mount: '' })).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
    expect(() => createCgroupResolver(null as unknown as object)).toThrow(expect.objectContaining({ code: 'ERR_INVALID_ARG_TYPE' }));
  });

  it('reports a mount point that is not there', async () => {
    const resolver = createCgroupResolver({ mount: path.join(top, 'absent') });
    expect(() => resolver.pathsOf(['1'])).toThrow(NetstatError);
    expect(() => resolver.pathsOf(['1'])).toThrow(expect.objectContaining({ code: 'ENOENT', path: path.join(top, 'absent') }));
    await expect(resolver.pathsOfAsync(['1'])).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('has no mount, and resolves nothing, where mountinfo lists no cgroup2', async () => {
    const proc = fs.mkdtempSync(path.join(top, 'proc-'));
    fs.mkdirSync(path.join(proc, 'self'));
    fs.writeFileSync(path.join(proc, 'self/mountinfo'), '31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755\n');
    const resolver = createCgroupResolver({ procRoot: proc });
    expect(resolver.mount).toBeUndefined();
    expect(resolver.pathsOf(['1'])).toEqual(new Map());
    expect(await resolver.pathsOfAsync(['1'])).toEqual(new Map());
    fs.writeFileSync(path.join(proc, 'self/mountinfo'), `41 31 0:38 / ${top} rw,relatime - cgroup2 cgroup2 rw\n`);
    expect(createCgroupResolver({ procRoot: proc }).mount).toBe(top);
  });
});

/** Why the live cgroup tests cannot run here, or undefined. */
function liveUnavailable(): string | undefined {
  const missing = unavailable({ root: true }); // creating cgroups needs it
  if (missing !== undefined) return missing;
  let mount: string | undefined;
  try {
    mount = cgroup2Mount('/proc');
  } catch (err) {
    return `cannot read /proc/self/mountinfo (${(err as Error).message})`;
  }
  if (mount === undefined) return 'no cgroup2 mount';
  try {
    fs.accessSync(mount, fs.constants.W_OK);
  } catch {
    return `${mount} is not writable (read-only cgroup2 mount)`;
  }
  return undefined;
}

/** rmdir a cgroup tree bottom-up: cgroup directories go with rmdir only, never by unlinking their files. */
function removeCgroupTree(dir: string): void {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const e of entries) if (e.isDirectory()) removeCgroupTree(path.join(dir, e.name));
  fs.rmdirSync(dir);
}

const liveReason = liveUnavailable();
if (liveReason !== undefined) console.log(`live cgroup tests skipped: ${liveReason}`);

describe('createCgroupResolver over the live cgroup2 hierarchy', () => {
  const HEX = [...Array(64)].map((_, i) => '0123456789abcdef'[(i * 7 + process.pid) % 16]).join('');
  const BASE = `netstat-test-${process.pid}`;
  const LEAF = `/${BASE}/docker-${HEX}.scope`;
  const UNIT = `/${BASE}/system.slice/nginx.service`;
  let mount = '';
  let child: ChildProcessWithoutNullStreams | undefined;

  beforeAll(() => {
    if (liveReason !== undefined) return;
    mount = cgroup2Mount('/proc') as string;
    fs.mkdirSync(path.join(mount, LEAF), { recursive: true });
    fs.mkdirSync(path.join(mount, UNIT), { recursive: true });
  });

  afterAll(async () => {
    if (liveReason !== undefined) return;
    if (child !== undefined && child.exitCode === null && child.signalCode === null) {
      const exited = new Promise((resolve) => child?.once('exit', resolve));
      child.kill('SIGKILL');
      await exited;
    }
    removeCgroupTree(path.join(mount, BASE));
  });

  it.skipIf(liveReason)('maps the ids of new cgroups to their paths, and the root to /', async () => {
    const leaf = ino(path.join(mount, LEAF));
    const unit = ino(path.join(mount, UNIT));
    const root = ino(mount);
    const resolver = createCgroupResolver();
    expect(resolver.mount).toBe(mount);
    expect(resolver.pathsOf([leaf, unit, root])).toEqual(new Map([[leaf, LEAF], [unit, UNIT], [root, '/']]));
    // The root of a hierarchy mounted in the initial cgroup namespace is kernfs node 1.
    if (root === '1') expect(resolver.pathsOf(['1']).get('1')).toBe('/');
    expect(containerOf(LEAF)).toEqual({ runtime: 'docker', id: HEX });
    expect(containerOf(UNIT)).toEqual({ runtime: 'systemd', id: 'nginx.service' });

    fs.mkdirSync(path.join(mount, BASE, 'late.scope'));
    const late = ino(path.join(mount, BASE, 'late.scope'));
    expect((await resolver.pathsOfAsync([late])).get(late)).toBe(`/${BASE}/late.scope`);
  });

  const hasSsCgroup = spawnSync('ss', ['--help'], { encoding: 'utf8' }).stdout?.includes('--cgroup') ?? false;
  if (liveReason === undefined && !hasSsCgroup) console.log('ss --cgroup cross-check skipped: ss missing or too old');

  it.skipIf(liveReason)("agrees with the kernel on a socket's cgroup", async () => {
    // The socket's cgroup is fixed when the socket is made, so the child waits
    // to be moved before it listens.
    const script =
      "process.stdin.once('data', () => { const s = require('net').createServer();" +
      " s.listen(0, '127.0.0.1', () => console.log(s.address().port)); });";
    const env = { ...process.env };
    delete env.NODE_OPTIONS;
    child = spawn(process.execPath, ['-e', script], { env, stdio: ['pipe', 'pipe', 'pipe'] });
    const pid = child.pid as number;
    fs.writeFileSync(path.join(mount, LEAF, 'cgroup.procs'), String(pid));
    const port = await new Promise<number>((resolve, reject) => {
      child?.stdout.once('data', (d: Buffer) => resolve(Number(d.toString().trim())));
      child?.once('exit', (code) => reject(new Error(`listener exited with ${code}`)));
      child?.stdin.write('go\n');
    });
    expect(port).toBeGreaterThan(0);

    const resolved = createCgroupResolver().pathsOf([ino(path.join(mount, LEAF))]);
    expect([...resolved.values()]).toEqual([LEAF]);
    // The kernel's own name for the process's cgroup (the v2 line is "0::<path>").
    const procLine = fs.readFileSync(`/proc/${pid}/cgroup`, 'utf8').split('\n').find((l) => l.startsWith('0::'));
    expect(procLine).toBe(`0::${LEAF}`);

    if (hasSsCgroup) {
      // ss names the socket's cgroup from INET_DIAG_CGROUP_ID, walking the mount as we do.
      const ss = spawnSync('ss', ['-tlnH', '--cgroup', 'sport', '=', `:${port}`], { encoding: 'utf8' });
      expect(ss.status, ss.stderr).toBe(0);
      expect(ss.stdout).toMatch(/cgroup:(\S+)/);
      expect(/cgroup:(\S+)/.exec(ss.stdout)?.[1]).toBe(LEAF);
      expect(containerOf(LEAF)).toEqual({ runtime: 'docker', id: HEX });
    }
  });
});
