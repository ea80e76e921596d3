/**
 * Namespace discovery once per collection: an `--all-netns` collection makes
 * three library calls with `netns: 'all'` at once (a count and two listener
 * listings), and they share one walk of /proc instead of three. Walks are
 * counted as listings of the proc root (each walk lists it once).
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { collect } from '../../src/exporter/collect';
import { listNamespacesAsync } from '../../src/netns/discover';
import { tempDir } from './helpers';

const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) fs.rmSync(dir, { recursive: true, force: true });
});
afterEach(() => vi.restoreAllMocks());

/** A proc root whose PID directories' `ns/net` links read `net:[INODE]`, and an empty named-namespace directory. */
function fixture(processes: Record<number, number>): { procRoot: string; netnsDir: string; add: (pid: number, inode: number) => void } {
  const root = tempDir('netstat-discovery-');
  dirs.push(root);
  const procRoot = path.join(root, 'proc');
  const netnsDir = path.join(root, 'netns');
  fs.mkdirSync(netnsDir, { recursive: true });
  const add = (pid: number, inode: number): void => {
    fs.mkdirSync(path.join(procRoot, String(pid), 'ns'), { recursive: true });
    fs.symlinkSync(`net:[${inode}]`, path.join(procRoot, String(pid), 'ns', 'net'));
  };
  for (const [pid, inode] of Object.entries(processes)) add(Number(pid), inode);
  return { procRoot, netnsDir, add };
}

/** Counts the walks of `root` (listings of it) from now on. */
function countWalks(root: string): () => number {
  const readdir = vi.spyOn(fs.promises, 'readdir');
  return () => readdir.mock.calls.filter(([dir]) => dir === root).length;
}

describe('namespace discovery shared by concurrent calls', () => {
  it('calls made while a discovery runs share its walk and its answer', async () => {
    const f = fixture({ 10: 4026531840, 20: 4026532300, 21: 4026532300 });
    const walks = countWalks(f.procRoot);
    const options = { procRoot: f.procRoot, netnsDir: f.netnsDir };
    const answers = await Promise.all([listNamespacesAsync(options), listNamespacesAsync(options), listNamespacesAsync(options)]);
    expect(walks()).toBe(1);
    expect(answers[0]!.namespaces.map((ns) => [ns.inode, ns.pid])).toEqual([[4026531840, 10], [4026532300, 20]]);
    expect(answers[1]).toEqual(answers[0]);
    expect(answers[2]).toEqual(answers[0]);
    // Each caller's objects are its own.
    expect(answers[1]!.namespaces[0]).not.toBe(answers[0]!.namespaces[0]);
  });

  it('a call after the discovery settled walks anew and sees what changed', async () => {
    const f = fixture({ 10: 4026531840 });
    const walks = countWalks(f.procRoot);
    const options = { procRoot: f.procRoot, netnsDir: f.netnsDir };
    expect((await listNamespacesAsync(options)).namespaces.map((ns) => ns.inode)).toEqual([4026531840]);
    f.add(30, 4026532500);
    expect((await listNamespacesAsync(options)).namespaces.map((ns) => ns.inode)).toEqual([4026531840, 4026532500]);
    expect(walks()).toBe(2);
  });

  it('discoveries of different roots are not shared', async () => {
    const a = fixture({ 10: 4026531840 });
    const b = fixture({ 10: 4026532600 });
    const [first, second] = await Promise.all([
      listNamespacesAsync({ procRoot: a.procRoot, netnsDir: a.netnsDir }),
      listNamespacesAsync({ procRoot: b.procRoot, netnsDir: b.netnsDir }),
    ]);
    expect(first.namespaces.map((ns) => ns.inode)).toEqual([4026531840]);
    expect(second.namespaces.map((ns) => ns.inode)).toEqual([4026532600]);
  });

  it('live: an --all-netns collection walks /proc once, and the next collection walks it again', async () => {
    const walks = countWalks('/proc');
    const first = await collect({ netns: 'all', maxListeners: 200, byProcess: false, topProcesses: 10, timeoutSeconds: 60 });
    expect(walks()).toBe(1);
    expect(first.namespaces?.some((ns) => ns.current && ns.readable)).toBe(true);
    await collect({ netns: 'all', maxListeners: 200, byProcess: false, topProcesses: 10, timeoutSeconds: 60 });
    expect(walks()).toBe(2);
  }, 120_000);
});
