/**
 * Finding the cgroup2 mount in mountinfo text: the hybrid layout of this
 * project's CI machine, a unified (v2 only) host, a container, escapes,
 * optional fields, and files with no cgroup2 at all; then the same through
 * a fake proc root on disk.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cgroup2Mount, cgroup2MountAsync, findCgroup2Mount, parseMountinfo } from '../../src/cgroup/mount';
import { NetstatError } from '../../src/errors';

/** Captured from the CI machine: cgroup v1 controllers, cgroup2 beside them (systemd's "hybrid"). */
const HYBRID = `22 1 253:0 / / rw,relatime - ext4 /dev/vda rw
23 22 0:21 / /proc rw,nosuid,nodev,noexec,relatime - proc proc rw
31 23 0:28 / /sys/fs/cgroup rw,relatime - tmpfs tmpfs rw,mode=755
32 31 0:29 / /sys/fs/cgroup/cpu rw,relatime - cgroup cgroup rw,cpu
35 31 0:32 / /sys/fs/cgroup/memory rw,relatime - cgroup cgroup rw,memory
40 31 0:37 / /sys/fs/cgroup/systemd rw,relatime - cgroup cgroup rw,name=systemd
41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw
`;

/** A systemd host in unified mode (Fedora, Debian 11+, Ubuntu 21.10+), with propagation tags. */
const UNIFIED = `24 1 259:2 / / rw,relatime shared:1 - ext4 /dev/nvme0n1p2 rw
25 24 0:22 / /sys rw,nosuid,nodev,noexec,relatime shared:2 - sysfs sysfs rw
28 25 0:25 / /sys/fs/cgroup rw,nosuid,nodev,noexec,relatime shared:4 - cgroup2 cgroup2 rw,nsdelegate,memory_recursiveprot
29 25 0:26 / /sys/fs/pstore rw,nosuid,nodev,noexec,relatime shared:5 - pstore pstore rw
`;

/** Inside a Docker container with the host cgroup namespace: a bind of the container's own subtree first. */
const CONTAINER = `612 540 0:52 / / rw,relatime master:310 - overlay overlay rw,lowerdir=/l,upperdir=/u,workdir=/w
618 616 0:25 /system.slice/docker-9ec39b91f3d70e1beff50a308f77067065ea6be0d91a3378375056cd4422cf3d.scope /sys/fs/cgroup ro,nosuid,nodev,noexec,relatime master:4 - cgroup2 cgroup rw
700 612 0:25 / /host/cgroup rw,relatime master:4 - cgroup2 cgroup rw
`;

describe('parseMountinfo', () => {
  it('reads root, mount point and type, whatever the number of optional fields', () => {
    expect(parseMountinfo(UNIFIED)[2]).toEqual({ root: '/', mountPoint: '/sys/fs/cgroup', fsType: 'cgroup2' });
    expect(parseMountinfo('36 35 98:0 /mnt1 /mnt2 rw,noatime master:1 shared:7 unbindable - ext3 /dev/root rw,errors=continue\n')).toEqual([
      { root: '/mnt1', mountPoint: '/mnt2', fsType: 'ext3' },
    ]);
  });

  it('decodes the kernel octal escapes, and UTF-8 bytes', () => {
    const line = '50 24 0:40 / /mnt/my\\040cgroup\\011tab\\134back\\012nl rw - cgroup2 cgroup2 rw\n';
    expect(parseMountinfo(line)[0]?.mountPoint).toBe('/mnt/my cgroup\ttab\\back\nnl');
    // mountinfo is bytes; read as latin1 it must still come back as the UTF-8 name.
    const utf8 = Buffer.from('51 24 0:41 / /mnt/grüße rw - cgroup2 cgroup2 rw\n', 'utf8').toString('latin1');
    expect(parseMountinfo(utf8)[0]?.mountPoint).toBe('/mnt/grüße');
  });

  it('skips lines without the documented shape', () => {
    expect(parseMountinfo('\ngarbage\n1 2 3 4 5 6\n1 2 0:1 / /x rw -\n1 2 0:1 / /y rw - cgroup2 c rw\n')).toEqual([{ root: '/', mountPoint: '/y', fsType: 'cgroup2' }]);
  });
});

describe('findCgroup2Mount', () => {
  it('finds the hybrid layout at /sys/fs/cgroup/unified, not the v1 hierarchies', () => {
    expect(findCgroup2Mount(HYBRID)).toBe('/sys/fs/cgroup/unified');
  });

  it('finds the unified layout at /sys/fs/cgroup', () => {
    expect(findCgroup2Mount(UNIFIED)).toBe('/sys/fs/cgroup');
  });

  it('prefers a mount of the whole hierarchy to a bind of a subtree', () => {
    expect(findCgroup2Mount(CONTAINER)).toBe('/host/cgroup');
    expect(findCgroup2Mount(CONTAINER.split('\n').slice(0, 2).join('\n'))).toBe('/sys/fs/cgroup');
  });

  it('gives an escaped mount point decoded', () => {
    expect(findCgroup2Mount('50 24 0:40 / /run/cg\\040two rw shared:9 - cgroup2 none rw\n')).toBe('/run/cg two');
  });

  it('is undefined when there is no cgroup2 (v1 only, empty, a type merely named alike)', () => {
    expect(findCgroup2Mount(HYBRID.replace(/cgroup2/g, 'cgroup'))).toBeUndefined();
    expect(findCgroup2Mount('')).toBeUndefined();
    expect(findCgroup2Mount('60 24 0:40 / /cgroup2 rw - tmpfs cgroup2 rw\n')).toBeUndefined();
  });
});

describe('cgroup2Mount over a proc root', () => {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-mountinfo-'));
  fs.mkdirSync(path.join(root, 'self'));
  fs.writeFileSync(path.join(root, 'self/mountinfo'), HYBRID);
  afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

  it('reads <root>/self/mountinfo, sync and async', async () => {
    expect(cgroup2Mount(root)).toBe('/sys/fs/cgroup/unified');
    await expect(cgroup2MountAsync(root)).resolves.toBe('/sys/fs/cgroup/unified');
  });

  it('says why when mountinfo cannot be read, rather than "none"', async () => {
    const missing = path.join(root, 'absent');
    expect(() => cgroup2Mount(missing)).toThrow(NetstatError);
    expect(() => cgroup2Mount(missing)).toThrow(expect.objectContaining({ code: 'ENOENT' }));
    await expect(cgroup2MountAsync(missing)).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('finds one on the live system when /proc has one (agrees with the kernel listing)', () => {
    const live = fs.readFileSync('/proc/self/mountinfo', 'utf8');
    const expected = live.split('\n').find((l) => / - cgroup2 /.test(l)) === undefined ? undefined : expect.any(String);
    expect(cgroup2Mount('/proc')).toEqual(expected);
  });
});
