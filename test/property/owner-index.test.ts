/**
 * PackedOwnerIndex (src/backends/owner-index.ts) answers as the plain `Map`
 * of holder arrays it replaces: for any packed owner rows — inodes shared by
 * several processes, one process holding an inode through several fds,
 * inodes above 2^32, rows of one process not all together — `get`, `has`,
 * `size` and iteration give what the reference built by the rule "holders in
 * row order, one entry per run of one process" gives.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PackedOwnerIndex } from '../../src/backends/owner-index';
import { ownerScan } from '../../src/backends/netlink';
import type { ProcessRef } from '../../src/model';
import { runs } from './runs';

/** The reference: what ownerScan built before the index (a Map of arrays). */
function reference(inodes: number[], pids: number[], processes: Map<number, ProcessRef>): Map<number, ProcessRef[]> {
  const owners = new Map<number, ProcessRef[]>();
  inodes.forEach((inode, i) => {
    const ref = processes.get(pids[i]!)!;
    const list = owners.get(inode);
    if (list === undefined) owners.set(inode, [ref]);
    else if (list[list.length - 1] !== ref) list.push(ref);
  });
  return owners;
}

// Few distinct values, so that inodes collide, repeat and share holders.
const inode = fc.oneof(fc.integer({ min: 1, max: 40 }), fc.integer({ min: 1, max: 2 ** 32 - 1 }), fc.integer({ min: 2 ** 32, max: 2 ** 40 }));
const rows = fc.array(fc.tuple(fc.integer({ min: 1, max: 12 }), fc.array(inode, { minLength: 1, maxLength: 6 })), { maxLength: 60 }).map((groups) => {
  const inodes: number[] = [];
  const pids: number[] = [];
  for (const [pid, held] of groups) for (const i of held) (inodes.push(i), pids.push(pid));
  return { inodes, pids };
});

describe('PackedOwnerIndex', () => {
  it('answers get, has, size and iteration as the Map of holder arrays', () => {
    fc.assert(
      fc.property(rows, fc.array(inode, { maxLength: 10 }), ({ inodes, pids }, absent) => {
        const processes = new Map(pids.map((pid) => [pid, { pid, program: `p${pid}` }]));
        const expected = reference(inodes, pids, processes);
        const index = new PackedOwnerIndex(Float64Array.from(inodes), Int32Array.from(pids), processes);
        expect(index.size).toBe(expected.size);
        expect([...index]).toEqual([...expected]);
        expect([...index.keys()]).toEqual([...expected.keys()]);
        expect([...index.values()]).toEqual([...expected.values()]);
        for (const i of [...inodes, ...absent]) {
          expect(index.get(i)).toEqual(expected.get(i));
          expect(index.has(i)).toBe(expected.has(i));
        }
        const seen: Array<[number, readonly ProcessRef[]]> = [];
        index.forEach((holders, key) => seen.push([key, holders]));
        expect(seen).toEqual([...expected]);
      }),
      { numRuns: runs(400) },
    );
  });

  it('ownerScan keeps one record per process, shared by every socket it holds', () => {
    const text = (s: string) => Buffer.from(s);
    const programs = Buffer.concat([text('sshd'), text('nginx')]);
    const scan = ownerScan({
      inodes: Float64Array.from([7, 8, 7, 9, 7]),
      pids: Int32Array.from([100, 100, 200, 200, 300]),
      programOffsets: Uint32Array.from([0, 0, 4, 4, 4]),
      programLengths: Uint32Array.from([4, 4, 5, 5, 5]),
      programs,
      denied: 0,
      vanished: 0,
      procUnreadable: false,
    });
    expect(scan.owners.get(7)).toEqual([
      { pid: 100, program: 'sshd' },
      { pid: 200, program: 'nginx' },
      { pid: 300, program: 'nginx' },
    ]);
    expect(scan.owners.get(8)![0]).toBe(scan.owners.get(7)![0]);
    expect(scan.owners.get(10)).toBeUndefined();
    expect(scan.owners.size).toBe(3);
  });

  it('a table of 200k sockets: every inode found, none invented', () => {
    const n = 200_000;
    const inodes = new Float64Array(n);
    const pids = new Int32Array(n);
    // Server and clients: consecutive inodes in blocks, as sockfs hands them out.
    for (let i = 0; i < n; i++) (inodes[i] = 1_000_000 + i * 3), (pids[i] = 1000 + (i >> 10));
    const processes = new Map([...new Set(pids)].map((pid) => [pid, { pid, program: 'x' }]));
    const index = new PackedOwnerIndex(inodes, pids, processes);
    expect(index.size).toBe(n);
    for (let i = 0; i < n; i += 997) expect(index.get(inodes[i]!)).toEqual([{ pid: pids[i], program: 'x' }]);
    expect(index.get(1_000_001)).toBeUndefined();
  });
});
