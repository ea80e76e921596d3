/**
 * The cgroup slots of the packed rows (layout 5: InetField.CgroupLow/High,
 * CompactField.CgroupLow/High, from INET_DIAG_CGROUP_ID). A python3 process
 * is moved into a fresh cgroup v2 directory and only then opens a TCP
 * listener and a UDP socket (a socket takes its creator's cgroup when it is
 * created); their rows must carry the directory's inode number, which is the
 * cgroup id. A socket it opened before the move keeps its first cgroup.
 *
 * Needs root, python3 and a cgroup2 mount (found in /proc/self/mountinfo);
 * skipped with the reason printed otherwise.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COMPACT_STRIDE, CompactField, INET_STRIDE, InetField, type NativeBinding, loadNative } from '../../src/native';
import { skipReason } from '../harness/needs';
import { type PythonHolder, startPython } from '../harness/processes';

const outcome = loadNative();


const mount = cgroup2Mount();
const skip = skipReason('cgroup slot tests', { root: true, commands: ['python3'], engine: true, cgroup: true });

/**
 * Opens one TCP socket at once (before it is moved), then on "go" a listener
 * and a UDP socket; prints their local ports and inodes.
 */
const HOLDER = String.raw`
import json, os, socket, sys
ino = lambda s: os.fstat(s.fileno()).st_ino
early = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
early.bind(('127.0.0.1', 0))
early.listen(1)
print(json.dumps({'early': ino(early), 'earlyPort': early.getsockname()[1]}), flush=True)
sys.stdin.readline()
tcp = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
tcp.bind(('127.0.0.1', 0))
tcp.listen(1)
udp = socket.socket(socket.AF_INET6, socket.SOCK_DGRAM)
udp.bind(('::1', 0))
print(json.dumps({'tcp': ino(tcp), 'tcpPort': tcp.getsockname()[1], 'udp': ino(udp), 'udpPort': udp.getsockname()[1]}), flush=True)
sys.stdin.read()
`;
import { cgroup2Mount } from '../../src/cgroup/mount';

const ALL_STATES = 0x1ffe;
const join = (low: number, high: number): bigint => BigInt(low) + (BigInt(high) << 32n);

describe.skipIf(skip !== undefined)('cgroup ids in the packed rows', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  const dir = path.join(mount ?? '/nonexistent', `nstest-cgroup-${process.pid}`);
  let holder: PythonHolder | undefined;
  let early: { early: number; earlyPort: number };
  let late: { tcp: number; tcpPort: number; udp: number; udpPort: number };
  let startCgroup: string;

  beforeAll(async () => {
    fs.mkdirSync(dir);
    holder = startPython([], HOLDER);
    early = await holder.next();
    startCgroup = fs.readFileSync(`/proc/${holder.pid}/cgroup`, 'utf8').match(/^0::(.*)$/m)![1]!;
    fs.writeFileSync(path.join(dir, 'cgroup.procs'), String(holder.pid));
    expect(fs.readFileSync(`/proc/${holder.pid}/cgroup`, 'utf8')).toMatch(new RegExp(`^0::.*/${path.basename(dir)}$`, 'm'));
    holder.send('go');
    late = await holder.next();
  });

  afterAll(async () => {
    await holder?.stop();
    // The cgroup empties once the process is reaped; rmdir is EBUSY until then.
    for (let attempt = 0; fs.existsSync(dir); attempt++) {
      try {
        fs.rmdirSync(dir);
      } catch (err) {
        if (attempt >= 50) throw err;
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    }
  });

  it('a socket made after the move carries the new cgroup: its id is the directory inode (full and compact rows)', async () => {
    const id = fs.statSync(dir, { bigint: true }).ino;
    const full = (family: number, protocol: number, inode: number): bigint | undefined => {
      const f = binding.dumpInet(family, protocol, ALL_STATES, false, null, null, null).fields;
      for (let o = 0; o < f.length; o += INET_STRIDE) {
        if (f[o + InetField.Inode] === inode) return join(f[o + InetField.CgroupLow]!, f[o + InetField.CgroupHigh]!);
      }
      return undefined;
    };
    const compact = (fields: Uint32Array, inode: number): bigint | undefined => {
      for (let o = 0; o < fields.length; o += COMPACT_STRIDE) {
        if (fields[o + CompactField.Inode] === inode) return join(fields[o + CompactField.CgroupLow]!, fields[o + CompactField.CgroupHigh]!);
      }
      return undefined;
    };
    expect(full(2, 6, late.tcp)).toBe(id);
    expect(full(10, 17, late.udp)).toBe(id);
    expect(compact(binding.dumpInetCompact(2, 6, ALL_STATES, null, null, null).fields, late.tcp)).toBe(id);
    expect(compact((await binding.dumpInetCompactAsync(10, 17, ALL_STATES, null, null, null)).fields, late.udp)).toBe(id);
    const asyncFields = (await binding.dumpInetAsync(2, 6, 1 << 10, true, null, null, null)).fields;
    const row = Array.from({ length: asyncFields.length / INET_STRIDE }, (_, i) => asyncFields.subarray(i * INET_STRIDE, (i + 1) * INET_STRIDE)).find(
      (r) => r[InetField.Inode] === late.tcp,
    )!;
    expect(join(row[InetField.CgroupLow]!, row[InetField.CgroupHigh]!)).toBe(id);
    // Recorded bytes decode to the same slots.
    const decoded = binding.decodeInet(binding.recordInet(2, 6, 1 << 10, false, null, null, null)).fields;
    let seen = false;
    for (let o = 0; o < decoded.length; o += INET_STRIDE) {
      if (decoded[o + InetField.Inode] !== late.tcp) continue;
      expect(join(decoded[o + InetField.CgroupLow]!, decoded[o + InetField.CgroupHigh]!)).toBe(id);
      seen = true;
    }
    expect(seen).toBe(true);
  });

  it('a socket made before the move keeps the cgroup it was made in', () => {
    const id = fs.statSync(dir, { bigint: true }).ino;
    const f = binding.dumpInet(2, 6, 1 << 10, false, null, null, null).fields;
    let cgroup: bigint | undefined;
    for (let o = 0; o < f.length; o += INET_STRIDE) {
      if (f[o + InetField.Inode] === early.early) cgroup = join(f[o + InetField.CgroupLow]!, f[o + InetField.CgroupHigh]!);
    }
    expect(cgroup).toBeDefined();
    expect(cgroup).not.toBe(id);
    expect(cgroup).not.toBe(0n);
    // Its first cgroup's directory, when it is visible from here (not in another cgroup namespace).
    const first = path.join(mount!, startCgroup);
    if (fs.existsSync(first)) expect(cgroup).toBe(fs.statSync(first, { bigint: true }).ino);
  });
});
