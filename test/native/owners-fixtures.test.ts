/**
 * The native fd walk on the hand-made and captured proc trees of
 * fixtures/proc/ (link-text edge cases, cmdline forms, vanished processes,
 * an unreadable fd directory): it must give exactly what the TypeScript walk
 * (createProcfsOwners) gives — same holders in the same order, same counts —
 * with and without wanted inodes, on one and two threads.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createNativeOwners, ownerScan } from '../../src/backends/netlink';
import { createProcfsOwners } from '../../src/backends/procfs';
import type { OwnerScan } from '../../src/backends/types';
import { type NativeBinding, loadNative } from '../../src/native';
import { skipReason } from '../harness/needs';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`native owner-walk fixture tests skipped: ${missing}`);

const FIXTURES = path.join(__dirname, '../../fixtures/proc');

const plain = (scan: OwnerScan) => ({ ...scan, owners: [...scan.owners].sort((a, b) => a[0] - b[0]) });

describe.skipIf(missing !== undefined)('native fd walk on fixture proc trees', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  let temp: string;
  let owners: string;
  beforeAll(() => {
    // `owners/30/fd` must be unreadable (EACCES), which a checkout cannot keep: copy and chmod.
    temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-owners-'));
    fs.chmodSync(temp, 0o755); // readable by the uid-65534 run below
    owners = path.join(temp, 'owners');
    fs.cpSync(path.join(FIXTURES, 'owners'), owners, { recursive: true, verbatimSymlinks: true });
    fs.chmodSync(path.join(owners, '30/fd'), 0);
  });
  afterAll(() => {
    fs.chmodSync(path.join(owners, '30/fd'), 0o755);
    fs.rmSync(temp, { recursive: true, force: true });
  });

  for (const tree of ['owners', 'ns-capture']) {
    it(`${tree}: same scan as the TypeScript walk`, async () => {
      const root = tree === 'owners' ? owners : path.join(FIXTURES, tree);
      const expected = plain(createProcfsOwners(root).scan({}));
      expect(expected.owners.length).toBeGreaterThan(0);
      expect(plain(createNativeOwners(binding, root).scan({}))).toEqual(expected);
      expect(plain(await createNativeOwners(binding, root).scanAsync({}))).toEqual(expected);
      for (const threads of [1, 2]) expect(plain(ownerScan(binding.scanOwners(root, null, threads, null, null)))).toEqual(expected);
    });
  }

  it('owners: with wanted inodes, first holders agree and denial is still noticed', () => {
    const all = createProcfsOwners(owners).scan({});
    for (const inode of all.owners.keys()) {
      const wanted = new Set([inode]);
      const native = createNativeOwners(binding, owners).scan({ wanted });
      const typescript = createProcfsOwners(owners).scan({ wanted });
      expect(native.owners.get(inode)?.[0]).toEqual(typescript.owners.get(inode)?.[0]);
      if (process.geteuid?.() !== 0) expect(native.denied).toBe(typescript.denied);
    }
  });

  it('owners: as root, the chmod-000 directory is still readable; net-tools would agree', () => {
    // Root bypasses the permission bits, so EACCES only shows for other users.
    const scan = createNativeOwners(binding, owners).scan({});
    expect(scan.denied).toBe(process.geteuid?.() === 0 ? 0 : 1);
    expect(scan.vanished).toBeGreaterThan(0); // `40` has no fd directory, `50` no cmdline
  });

  const canDrop = skipReason('the owner walk as uid 65534', { root: true, commands: ['setpriv'] }) === undefined;
  it.skipIf(!canDrop)('owners: as uid 65534 the unreadable fd directory counts as denied, also after an early stop', () => {
    const addon = path.join(__dirname, '../../build/Release/netstat_native.node');
    const script = `const b = require(${JSON.stringify(addon)});
      const all = b.scanOwners(${JSON.stringify(owners)}, null, 2, null, null);
      const early = b.scanOwners(${JSON.stringify(owners)}, new Float64Array([7002]), 1, null, null);
      console.log(JSON.stringify({ all: all.denied, early: early.denied, found: Array.from(early.inodes) }));`;
    const run = spawnSync('setpriv', ['--reuid=65534', '--regid=65534', '--clear-groups', process.execPath, '-e', script], { encoding: 'utf8' });
    expect(run.stderr).toBe('');
    const result = JSON.parse(run.stdout) as { all: number; early: number; found: number[] };
    expect(result.all).toBe(1);
    expect(result.early).toBe(1);
    expect(result.found).toContain(7002);
  });
});
