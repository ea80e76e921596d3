/**
 * Abuse: every export called with wrong arity or types throws TypeError (a
 * "Usage: …" message) and never crashes the process; system failures carry
 * code/errno/syscall.
 */
import { describe, expect, it } from 'vitest';
import { type NativeBinding, loadNative } from '../../src/native';

const outcome = loadNative();
const missing = 'binding' in outcome ? undefined : `native addon ${outcome.reason}`;
if (missing !== undefined) console.warn(`abuse tests skipped: ${missing}`);

describe.skipIf(missing !== undefined)('native binding abuse', () => {
  const binding = (outcome as { binding: NativeBinding }).binding;
  const untyped = binding as unknown as Record<string, (...args: unknown[]) => unknown>;

  const plainFlag = new Int32Array(1); // not on a SharedArrayBuffer: refused
  const wrongCalls: Array<[string, unknown[]]> = [
    ['dumpInetCompact', []],
    ['dumpInetCompact', [2, 6, 1, true, null, null]], // no withInfo argument
    ['dumpInetCompact', [2, 6, 1, null]],
    ['dumpInetCompact', [2, 6, '1', null, null]],
    ['dumpInetCompact', [2, 6, 1, 'bytecode', null]],
    ['dumpInetCompact', [2, 6, 1, null, plainFlag]],
    ['dumpInetCompactAsync', [2, 6, 1, null]],
    ['dumpInet', []],
    ['dumpInet', [2, 6, 1, true]], // bytecode and cancel are required (null for none)
    ['dumpInet', [2, 6, 1, true, null]],
    ['dumpInet', [2, 6, 1, true, null, null, 'extra']],
    ['dumpInet', ['2', 6, 1, true, null, null]],
    ['dumpInet', [2, 6, 1, 1, null, null]],
    ['dumpInet', [300, 6, 1, true, null, null]],
    ['dumpInet', [2, 256, 1, true, null, null]],
    ['dumpInet', [2, {}, 1, true, null, null]],
    ['dumpInet', [2, 6, 1, true, undefined, null]],
    ['dumpInet', [2, 6, 1, true, 'bytecode', null]],
    ['dumpInet', [2, 6, 1, true, [7, 12, 16, 0], null]],
    ['dumpInet', [2, 6, 1, true, new Uint16Array(2), null]],
    ['dumpInet', [2, 6, 1, true, new Uint8ClampedArray(4), null]],
    ['dumpInet', [2, 6, 1, true, new DataView(new ArrayBuffer(4)), null]],
    ['dumpInet', [2, 6, 1, true, new Uint8Array(65532), null]], // longer than a netlink attribute holds
    ['dumpInet', [2, 6, 1, true, null, undefined]],
    ['dumpInet', [2, 6, 1, true, null, 1]],
    ['dumpInet', [2, 6, 1, true, null, plainFlag]],
    ['dumpInet', [2, 6, 1, true, null, new Int32Array(new SharedArrayBuffer(0))]],
    ['dumpInet', [2, 6, 1, true, null, new Uint32Array(new SharedArrayBuffer(4))]],
    ['dumpInet', [2, 6, 1, true, null, new SharedArrayBuffer(4)]],
    ['dumpInetAsync', [2, 6, null, true, null, null]],
    ['dumpInetAsync', [2, 6, 1, true]],
    ['dumpInetAsync', [2, 6, 1, true, new Int8Array(4), null]],
    ['dumpInetAsync', [2, 6, 1, true, null, plainFlag]],
    ['dumpUnix', []],
    ['dumpUnix', [1]],
    ['dumpUnix', [undefined]],
    ['dumpUnix', [null, null]],
    ['dumpUnix', [plainFlag]],
    ['dumpUnixAsync', []],
    ['dumpUnixAsync', ['x']],
    ['dumpUnixAsync', [plainFlag]],
    ['scanOwners', []],
    ['scanOwners', ['/proc', null, 2]], // pids and cancel are required (null for none)
    ['scanOwners', ['/proc', null, 2, null]],
    ['scanOwners', ['/proc', null, 2, null, null, 'extra']],
    ['scanOwners', [1, null, 2, null, null]],
    ['scanOwners', ['/proc', [1, 2], 2, null, null]],
    ['scanOwners', ['/proc', new Uint32Array(2), 2, null, null]],
    ['scanOwners', ['/proc', undefined, 2, null, null]],
    ['scanOwners', ['/proc', null, '2', null, null]],
    ['scanOwners', ['/proc', null, 2, [1], null]],
    ['scanOwners', ['/proc', null, 2, undefined, null]],
    ['scanOwners', ['/proc', null, 2, new Uint32Array(1), null]],
    ['scanOwners', ['/proc', null, 2, new Float64Array(1), null]],
    ['scanOwners', ['/proc', null, 2, null, undefined]],
    ['scanOwners', ['/proc', null, 2, null, plainFlag]],
    ['scanOwners', ['/proc', null, 2, null, new Int32Array(new SharedArrayBuffer(0))]],
    ['scanOwnersAsync', ['/proc', null]],
    ['scanOwnersAsync', ['/proc', null, 2, 7, null]],
    ['scanOwnersAsync', ['/proc', null, 2, null, plainFlag]],
    ['recordInet', [2, 6]],
    ['recordInet', [2, 6, 1, true]],
    ['recordInet', [2, 6, 1, true, 'bytecode', null]],
    ['recordInet', [2, 6, 1, true, null, plainFlag]],
    ['recordUnix', []],
    ['recordUnix', [undefined]],
    ['recordUnix', [plainFlag]],
    ['decodeInet', []],
    ['decodeInet', ['bytes']],
    ['decodeInet', [new Uint16Array(4)]],
    ['decodeUnix', [new DataView(new ArrayBuffer(4))]],
    ['decodeUnix', [Buffer.alloc(0), 1]],
    ['dumpRoute', []],
    ['dumpRoute', [18]],
    ['dumpRoute', ['18', 0]],
    ['dumpRoute', [70000, 0]],
    ['dumpRoute', [18, 256]],
  ];
  const show = (a: unknown): string => {
    if (ArrayBuffer.isView(a)) return `${a.constructor.name}${a.buffer instanceof SharedArrayBuffer ? '(shared)' : ''}[${a.byteLength}B]`;
    if (a instanceof SharedArrayBuffer) return 'SharedArrayBuffer';
    return JSON.stringify(a) ?? String(a);
  };
  for (const [name, args] of wrongCalls) {
    it(`${name}(${args.map(show).join(', ')}) throws TypeError`, () => {
      expect(() => untyped[name]!(...args)).toThrow(TypeError);
      expect(() => untyped[name]!(...args)).toThrow(/^Usage: /);
    });
  }

  it('empty input decodes to a malformed-recording error, not a crash', () => {
    expect(() => binding.decodeInet(Buffer.alloc(0))).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
    expect(() => binding.decodeUnix(Buffer.alloc(3))).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
    expect(() => binding.decodeInet(new Uint8Array(4) as Buffer)).toThrow(expect.objectContaining({ code: 'EBADMSG' }));
  });

  it('a request the kernel rejects comes back as a system error with code, errno and syscall', async () => {
    const check = (err: unknown) => {
      expect(err).toBeInstanceOf(Error);
      const { code, errno, syscall } = err as { code: unknown; errno: unknown; syscall: unknown };
      expect(typeof code).toBe('string');
      expect(code).toMatch(/^E[A-Z]+$/);
      expect(typeof errno).toBe('number');
      expect(syscall).toBe('sock_diag');
    };
    // Family 99 has no sock_diag handler.
    let syncError: unknown;
    try {
      binding.dumpInet(99, 6, 0x1ffe, false, null, null);
    } catch (err) {
      syncError = err;
    }
    check(syncError);
    const asyncError = await binding.dumpInetAsync(99, 6, 0x1ffe, false, null, null).then(
      () => undefined,
      (err: unknown) => err,
    );
    check(asyncError);
    expect((asyncError as { code: string }).code).toBe((syncError as { code: string }).code);
  });

  it('odd but well-typed owner-scan arguments are tolerated', () => {
    expect(binding.scanOwners('/nonexistent/proc', null, 2, null, null).procUnreadable).toBe(true);
    expect(binding.scanOwners('/proc', new Float64Array([-1, NaN, Infinity]), 0, null, null).procUnreadable).toBe(false);
    expect(binding.scanOwners('/proc', new Float64Array(0), 64, null, null).inodes).toBeInstanceOf(Float64Array);
    // Pids that cannot name a process directory are skipped, not counted.
    const none = binding.scanOwners('/proc', null, 2, new Int32Array([-1, 0, 0x7fffffff]), null);
    expect([none.inodes.length, none.vanished, none.denied, none.procUnreadable]).toEqual([0, 0, 0, false]);
    expect(binding.scanOwners('/proc', null, 2, new Int32Array(0), null).inodes.length).toBe(0);
    // An empty bytecode is no bytecode; a flag at a non-zero offset of its buffer is read where it is.
    expect(binding.dumpInet(2, 6, 1 << 10, false, new Uint8Array(0), new Int32Array(new SharedArrayBuffer(16), 8, 2)).fields).toBeInstanceOf(Uint32Array);
  });
});
