/**
 * The fd walk by a BPF task_file iterator (native/bpf_owners.h) against the
 * /proc walk (native/proc_fds.h): the same OwnerRows — same rows, same order,
 * same first holders, same counters — on the live machine and in a private
 * PID + network namespace holding sockets in every way that matters
 * (owners-bpf-scenario.py: shared and passed fds, dup'd and high fds,
 * threads with a table of their own, O_PATH descriptors of socket files, a
 * zombie, odd program names, processes born and dying during the walks),
 * over whole walks, `wanted` subsets and PID lists, forced and chosen by the
 * engine, sync and async. Then what makes the engine choose /proc, and why it
 * says so: a proc root that is not a proc file system, a kernel BTF that is
 * missing, malformed or lacks what the program needs (bind-mounted over
 * /sys/kernel/btf/vmlinux in a private mount namespace), a PID list naming a
 * thread, a walk too small to be worth the program, a cancel flag.
 *
 * Refusals from outside (not root, a seccomp filter on bpf()) are in
 * test/faults/bpf-refused.test.ts.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type ChosenOwners, type NativeBinding, type PackedOwners, loadNative } from '../../src/native';
import { isolated, runCommand } from '../harness/commands';
import { unavailable as missingNeed } from '../harness/needs';
import { ADDON_PATH } from './netns';

const outcome = loadNative();
const binding = 'binding' in outcome ? outcome.binding : undefined;

function unavailable(): string | undefined {
  if (binding === undefined) return `native addon ${(outcome as { reason: string }).reason}`;
  if (binding.scanOwnersBpf === undefined) return 'the addon has no scanOwnersBpf';
  // Root: the BPF walk needs it.
  const missing = missingNeed({ unshare: ['net', 'mount', 'pid'], commands: ['python3', 'ip', 'mount'] });
  if (missing !== undefined) return missing;
  try {
    binding.scanOwnersBpf('/proc', new Float64Array(0), 1, null, null, true);
  } catch (err) {
    return `the BPF walk cannot be had here: ${(err as Error).message}`;
  }
  return undefined;
}
const skip = unavailable();
if (skip !== undefined) console.warn(`BPF owner walk tests skipped: ${skip}`);

const native = () => binding as NativeBinding & Required<Pick<NativeBinding, 'scanOwnersBpf' | 'scanOwnersBpfAsync'>>;

/** A walk's rows as `pid inode program` texts, and its counters. */
function comparable(packed: PackedOwners, keep: (pid: number) => boolean = () => true) {
  const rows: string[] = [];
  for (let i = 0; i < packed.inodes.length; i++) {
    if (!keep(packed.pids[i]!)) continue;
    const start = packed.programOffsets[i]!;
    rows.push(`${packed.pids[i]} ${packed.inodes[i]} ${packed.programs.subarray(start, start + packed.programLengths[i]!).toString('latin1')}`);
  }
  return { rows, denied: packed.denied, deniedPids: Array.from(packed.deniedPids ?? []), procUnreadable: packed.procUnreadable };
}

interface CheckerCase {
  name: string;
  round: number;
  equal: boolean;
  method?: string;
  reason?: string;
  error?: string;
  difference?: unknown;
}
interface CheckerLine {
  phase: 'static' | 'churn';
  results: CheckerCase[];
  facts: Record<string, unknown>;
  error?: string;
}

describe.skipIf(skip !== undefined)('the BPF owner walk', () => {
  it('on the live machine: the rows of every process that stayed put are the /proc walk rows, in order', () => {
    // Other work on this machine starts and ends processes meanwhile: only
    // processes whose rows were the same in a /proc walk before and after
    // are compared (and they must be most of them). On a fresh machine with
    // a dozen processes, one test file next door churning a process's fds
    // for a few seconds (the stress and resume-skip tests) tips the share:
    // the walks are tried again for up to ~10 s, not back to back.
    for (let attempt = 0; ; attempt++) {
      if (attempt > 0) Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 500);
      const before = native().scanOwners('/proc', null, 1, null, null);
      const bpf = native().scanOwnersBpf('/proc', null, 2, null, null, true);
      const after = native().scanOwners('/proc', null, 1, null, null);
      expect(bpf.method).toBe('bpf');
      const byPid = (packed: PackedOwners) => {
        const map = new Map<number, string[]>();
        for (const row of comparable(packed).rows) {
          const pid = Number(row.split(' ')[0]);
          map.set(pid, [...(map.get(pid) ?? []), row]);
        }
        return map;
      };
      const [b, a] = [byPid(before), byPid(after)];
      const stable = new Set([...b.keys()].filter((pid) => JSON.stringify(b.get(pid)) === JSON.stringify(a.get(pid))));
      const share = stable.size / Math.max(1, new Set([...b.keys(), ...a.keys()]).size);
      if (share < 0.9 && attempt < 20) continue;
      expect(share).toBeGreaterThanOrEqual(0.9);
      expect(comparable(bpf, (pid) => stable.has(pid))).toEqual(comparable(before, (pid) => stable.has(pid)));
      expect(bpf.denied).toBe(0);
      return;
    }
  }, 30_000);

  describe('in a private PID + network namespace', () => {
    let lines: CheckerLine[] = [];
    beforeAll(() => {
      const scenario = ['python3', path.join(__dirname, 'owners-bpf-scenario.py'), process.execPath, path.join(__dirname, 'owners-bpf-check.js'), ADDON_PATH];
      const run = runCommand(isolated(scenario, { net: true, pid: true, mountProc: true }), { encoding: 'utf8', timeoutMs: 240_000 });
      if (run.status !== 0) throw new Error(`owners-bpf-scenario.py failed (${run.status}): ${run.stderr}`);
      lines = run.stdout.trim().split('\n').map((line) => JSON.parse(line) as CheckerLine);
    }, 300_000);

    it('holds what the scenario says', () => {
      const facts = lines.find((l) => l.phase === 'static')!.facts;
      expect(facts).toMatchObject({
        threadOnlyWalked: 0, // a socket only in a thread's own table is in neither walk
        opathWalked: 0, // nor an O_PATH descriptor of a socket file
        zombieRows: 0,
      });
      expect(facts.threadOnlySockets).toBeGreaterThanOrEqual(1);
      expect(facts.opathSockets).toBeGreaterThanOrEqual(1);
      expect(facts.zombies).toBeGreaterThanOrEqual(1);
      expect(facts.threads).toBeGreaterThanOrEqual(2);
      expect(facts.sharedInodes).toBeGreaterThanOrEqual(40);
      expect(facts.mostFdsForOneSocket).toBeGreaterThanOrEqual(3);
      expect(facts.processes).toBeGreaterThanOrEqual(45);
      expect(facts.fds).toBeGreaterThan(512);
      expect(facts.programs).toEqual(expect.arrayContaining(['python3', 'sleep', 'odd name: not a path']));
    });

    for (const phase of ['static', 'churn'] as const) {
      it(`${phase}: every case gives the /proc walk's rows, forced and chosen, sync and async`, () => {
        const line = lines.find((l) => l.phase === phase);
        expect(line?.error).toBeUndefined();
        const results = line!.results;
        expect(results.length).toBeGreaterThan(50);
        expect(results.filter((r) => !r.equal)).toEqual([]);
        // More than a few hundred fds: the engine chose the BPF walk on its own
        // (but for the PID list naming a thread, which only /proc can walk).
        for (const r of results.filter((r) => r.name.endsWith('(automatic)') && !r.name.includes('thread'))) expect(r.method).toBe('bpf');
        expect(results.find((r) => r.name === 'pids: a thread (automatic)')).toMatchObject({ method: 'proc', reason: expect.stringMatching(/is a thread of process/) });
      });
    }
  });

  it('a proc root that is not a proc file system: the /proc walk, saying why (forced: an error)', () => {
    const root = path.join(__dirname, '../../fixtures/proc/owners');
    const chosen = native().scanOwnersBpf(root, null, 2, null, null, false);
    expect(chosen).toMatchObject({ method: 'proc', methodCode: 'EXDEV', methodReason: expect.stringContaining('is not a proc file system') });
    expect(comparable(chosen)).toEqual(comparable(native().scanOwners(root, null, 2, null, null)));
    expect(() => native().scanOwnersBpf(root, null, 2, null, null, true)).toThrow(expect.objectContaining({ code: 'EXDEV', syscall: 'statfs' }));
    expect(native().scanOwnersBpf('/nonexistent', null, 2, null, null, false)).toMatchObject({ method: 'proc', procUnreadable: true, methodCode: 'ENOENT' });
  });

  it('a cancel flag already set stops either walk with ECANCELED', async () => {
    const flag = new Int32Array(new SharedArrayBuffer(4));
    flag[0] = 1;
    for (const forced of [true, false]) {
      expect(() => native().scanOwnersBpf('/proc', null, 2, null, flag, forced)).toThrow(expect.objectContaining({ code: 'ECANCELED' }));
      await expect(native().scanOwnersBpfAsync('/proc', null, 2, new Int32Array([process.pid]), flag, forced)).rejects.toMatchObject({ code: 'ECANCELED' });
    }
  });

  it('wrong argument lists are usage errors', () => {
    const call = native().scanOwnersBpf as unknown as (...args: unknown[]) => unknown;
    expect(() => call('/proc', null, 2, null, null)).toThrow(/^Usage: scanOwnersBpf\(.*forced: boolean\)$/);
    expect(() => call('/proc', null, 2, null, null, 1)).toThrow(TypeError);
    expect(() => call('/proc', [1], 2, null, null, true)).toThrow(TypeError);
  });

  describe('the kernel BTF replaced (bind-mounted in a private mount namespace)', () => {
    let dir: string;
    let outcomes: Record<string, { auto: ChosenOwners & { rows: number }; forced: { code?: string; syscall?: string; message?: string; method?: string } }>;
    const real = fs.readFileSync('/sys/kernel/btf/vmlinux');
    const header = { typeOff: real.readUInt32LE(8), typeLen: real.readUInt32LE(12), strOff: real.readUInt32LE(16), strLen: real.readUInt32LE(20), hdrLen: real.readUInt32LE(4) };
    const edited = (edit: (b: Buffer) => void) => {
      const copy = Buffer.from(real);
      edit(copy);
      return copy;
    };
    const renamed = (from: string, to: string) =>
      edited((b) => {
        const strings = b.subarray(header.hdrLen + header.strOff, header.hdrLen + header.strOff + header.strLen);
        const at = strings.indexOf(Buffer.from(`\0${from}\0`));
        if (at < 0) throw new Error(`no string ${from} in the BTF`);
        strings.write(to, at + 1, 'latin1');
      });
    const blobs: Record<string, Buffer> = {
      empty: Buffer.alloc(0),
      garbage: Buffer.alloc(4096, 0x5a),
      'cut in half': real.subarray(0, real.length >> 1),
      'type section cut inside a record': edited((b) => b.writeUInt32LE(header.typeLen - 5, 12)),
      'string section without its last NUL': edited((b) => b.writeUInt8(0x41, header.hdrLen + header.strOff + header.strLen - 1)),
      'a type of unknown kind': edited((b) => b.writeUInt32LE(0x1f000000, header.hdrLen + header.typeOff + 4)),
      'no bpf_iter_task_file': renamed('bpf_iter_task_file', 'bpf_iter_task_filX'),
      'no task_struct': renamed('task_struct', 'task_strucX'),
      'no member thread_pid': renamed('thread_pid', 'thread_piX'),
      'read through a pipe': real,
    };
    // The script holds 600 descriptors: below 512 fds in all the engine would
    // choose the /proc walk for its cost before reading any BTF (a quiet
    // machine, such as a fresh CI one, has fewer).
    const script = `
      const b = require(process.argv[2]);
      for (let i = 0; i < 600; i++) require('fs').openSync('/dev/null', 'r');
      const auto = b.scanOwnersBpf('/proc', null, 2, null, null, false);
      let forced;
      try { forced = { method: b.scanOwnersBpf('/proc', null, 2, null, null, true).method }; }
      catch (e) { forced = { code: e.code, syscall: e.syscall, message: e.message }; }
      process.stdout.write(JSON.stringify({ auto: { method: auto.method, methodReason: auto.methodReason, methodCode: auto.methodCode, rows: auto.inodes.length }, forced }));
    `;

    beforeAll(() => {
      dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-btf-'));
      fs.writeFileSync(path.join(dir, 'check.js'), script);
      const lines: string[] = [];
      for (const [name, blob] of Object.entries(blobs)) {
        const file = path.join(dir, `${Object.keys(blobs).indexOf(name)}.btf`);
        fs.writeFileSync(file, blob);
        // A FIFO has no size: the engine reads it instead of mapping it.
        const source = name === 'read through a pipe' ? `mkfifo ${file}.fifo && { cat ${file} > ${file}.fifo & } && src=${file}.fifo` : `src=${file}`;
        lines.push(`${source} && mount --bind "$src" /sys/kernel/btf/vmlinux && "$1" ${path.join(dir, 'check.js')} "$2"; echo; umount /sys/kernel/btf/vmlinux`);
      }
      const run = runCommand(isolated(['sh', '-c', lines.join('\n'), 'sh', process.execPath, ADDON_PATH], { mount: true }), { encoding: 'utf8', timeoutMs: 120_000 });
      if (run.status !== 0) throw new Error(`btf runs failed (${run.status}): ${run.stderr}`);
      const outputs = run.stdout.trim().split('\n');
      outcomes = Object.fromEntries(Object.keys(blobs).map((name, i) => [name, JSON.parse(outputs[i]!)]));
    }, 150_000);
    afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

    const expectations: Array<[string, string, RegExp]> = [
      ['empty', 'EINVAL', /BTF shorter than its header/],
      ['garbage', 'EINVAL', /not BTF of this machine's byte order/],
      ['cut in half', 'EINVAL', /BTF header points outside the data/],
      ['type section cut inside a record', 'EINVAL', /BTF type section ends inside a type record|runs past the type section/],
      ['string section without its last NUL', 'EINVAL', /BTF string section is not NUL-delimited/],
      ['a type of unknown kind', 'EINVAL', /BTF type 1 has unknown kind 31/],
      ['no bpf_iter_task_file', 'ENOENT', /has no function bpf_iter_task_file/],
      ['no task_struct', 'ENOENT', /has no struct task_struct/],
      ['no member thread_pid', 'ENOENT', /has no struct task_struct member thread_pid/],
    ];
    for (const [name, code, message] of expectations) {
      it(`${name}: the /proc walk with the reason (${code}); forced, the same as an error`, () => {
        const { auto, forced } = outcomes[name]!;
        expect(auto).toMatchObject({ method: 'proc', methodCode: code, methodReason: expect.stringMatching(message) });
        expect(auto.rows).toBeGreaterThan(0);
        expect(forced).toMatchObject({ code, syscall: 'btf', message: expect.stringMatching(message) });
      });
    }
    it('read through a pipe (no size, no mmap): the BPF walk', () => {
      expect(outcomes['read through a pipe']).toMatchObject({ auto: { method: 'bpf' }, forced: { method: 'bpf' } });
    });
  });

  it('a small walk is left to /proc until the program is loaded; then the BPF walk is used', () => {
    // A fresh PID namespace holds three processes and a handful of fds.
    const script = `
      const b = require(process.argv[1]);
      const pick = (r) => ({ method: r.method, reason: r.methodReason });
      const first = pick(b.scanOwnersBpf('/proc', null, 2, null, null, false));
      const forced = pick(b.scanOwnersBpf('/proc', null, 2, null, null, true));
      const after = pick(b.scanOwnersBpf('/proc', null, 2, null, null, false));
      process.stdout.write(JSON.stringify({ first, forced, after }));
    `;
    const run = runCommand(isolated([process.execPath, '-e', script, ADDON_PATH], { pid: true, mountProc: true }), { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      first: { method: 'proc', reason: 'fewer than 512 open files: the /proc walk costs less than loading the BPF program' },
      forced: { method: 'bpf', reason: "the kernel's task_file iterator" },
      after: { method: 'bpf', reason: "the kernel's task_file iterator" },
    });
  });

  it('/proc of another PID namespace: the /proc walk (its PID numbers are not the iterator\'s)', () => {
    // A private PID namespace that keeps the outer /proc.
    const script = `
      const b = require(process.argv[1]);
      const auto = b.scanOwnersBpf('/proc', null, 2, null, null, false);
      let forced;
      try { b.scanOwnersBpf('/proc', null, 2, null, null, true); } catch (e) { forced = { code: e.code, message: e.message }; }
      process.stdout.write(JSON.stringify({ method: auto.method, code: auto.methodCode, reason: auto.methodReason, forced }));
    `;
    const run = runCommand(isolated([process.execPath, '-e', script, ADDON_PATH], { pid: true }), { encoding: 'utf8' });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      method: 'proc',
      code: 'EXDEV',
      reason: expect.stringContaining('/proc shows another PID namespace than the caller'),
      forced: { code: 'EXDEV', message: expect.stringContaining('another PID namespace') },
    });
  });
});
