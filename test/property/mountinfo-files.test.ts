/**
 * Hostile input for the mountinfo reader (src/cgroup/mount.ts, proc(5)):
 * space-separated fields, optional fields ending at a lone `-`, then the
 * filesystem type; paths with space, tab, newline and backslash escaped as
 * `\ooo`. Lines not in that shape are skipped, never an exception; escaped
 * paths come back as the bytes they stand for (UTF-8 names included).
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { findCgroup2Mount, parseMountinfo } from '../../src/cgroup/mount';
import { runs } from './runs';

/** The kernel's escaping of a path (fs/proc_namespace.c mangle: space, tab, newline, backslash). */
function mangle(path: string): string {
  return Buffer.from(path, 'utf8')
    .toString('latin1')
    .replace(/[ \t\n\\]/g, (c) => '\\' + c.charCodeAt(0).toString(8).padStart(3, '0'));
}

const path = fc.array(fc.oneof(fc.constantFrom('/', 'a', ' ', '\t', '\n', '\\', 'é', '世', '.'), fc.stringMatching(/^[a-z]{1,5}$/)), { minLength: 1, maxLength: 12 }).map((p) => '/' + p.join(''));
const optional = fc.array(fc.constantFrom('shared:5', 'master:1', 'propagate_from:2', 'unbindable'), { maxLength: 3 });

describe('mountinfo', () => {
  it('kernel-shaped lines round-trip root, mount point (escapes decoded) and type', () => {
    fc.assert(
      fc.property(fc.array(fc.tuple(path, path, optional, fc.constantFrom('cgroup2', 'ext4', 'tmpfs', 'proc')), { maxLength: 6 }), (mounts) => {
        const text = mounts.map(([root, point, opt, type], i) => [String(20 + i), '1', '0:27', mangle(root), mangle(point), 'rw,nosuid', ...opt, '-', type, 'none', 'rw'].join(' ')).join('\n');
        expect(parseMountinfo(text)).toEqual(mounts.map(([root, mountPoint, , fsType]) => ({ root, mountPoint, fsType })));
      }),
      { numRuns: runs(1000) },
    );
  });

  it('arbitrary text never throws; every entry has a type', () => {
    const char = fc.oneof(fc.constantFrom('-', ' ', '/', '\\', '0', '4', 'c', '\n'), fc.nat({ max: 255 }).map((b) => String.fromCharCode(b)));
    fc.assert(
      fc.property(fc.array(char, { maxLength: 300 }), (chars) => {
        const text = chars.join('');
        expect(parseMountinfo(text).filter((e) => e.fsType.length === 0)).toEqual([]);
        findCgroup2Mount(text);
      }),
      { numRuns: runs(1500) },
    );
  });
});
