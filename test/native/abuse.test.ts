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

  const wrongCalls: Array<[string, unknown[]]> = [
    ['dumpInet', []],
    ['dumpInet', [2, 6, 1]],
    ['dumpInet', [2, 6, 1, true, 'extra']],
    ['dumpInet', ['2', 6, 1, true]],
    ['dumpInet', [2, 6, 1, 1]],
    ['dumpInet', [300, 6, 1, true]],
    ['dumpInet', [2, 256, 1, true]],
    ['dumpInet', [2, {}, 1, true]],
    ['dumpInetAsync', [2, 6, null, true]],
    ['dumpUnix', [1]],
    ['dumpUnixAsync', ['x']],
    ['scanOwners', []],
    ['scanOwners', [1, null, 2]],
    ['scanOwners', ['/proc', [1, 2], 2]],
    ['scanOwners', ['/proc', new Uint32Array(2), 2]],
    ['scanOwners', ['/proc', undefined, 2]],
    ['scanOwners', ['/proc', null, '2']],
    ['scanOwnersAsync', ['/proc', null]],
    ['recordInet', [2, 6]],
    ['recordUnix', [null]],
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
  for (const [name, args] of wrongCalls) {
    it(`${name}(${args.map((a) => (a instanceof Uint8Array ? a.constructor.name : JSON.stringify(a) ?? String(a))).join(', ')}) throws TypeError`, () => {
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
      binding.dumpInet(99, 6, 0x1ffe, false);
    } catch (err) {
      syncError = err;
    }
    check(syncError);
    const asyncError = await binding.dumpInetAsync(99, 6, 0x1ffe, false).then(
      () => undefined,
      (err: unknown) => err,
    );
    check(asyncError);
    expect((asyncError as { code: string }).code).toBe((syncError as { code: string }).code);
  });

  it('odd but well-typed owner-scan arguments are tolerated', () => {
    expect(binding.scanOwners('/nonexistent/proc', null, 2).procUnreadable).toBe(true);
    expect(binding.scanOwners('/proc', new Float64Array([-1, NaN, Infinity]), 0).procUnreadable).toBe(false);
    expect(binding.scanOwners('/proc', new Float64Array(0), 64).inodes).toBeInstanceOf(Float64Array);
  });
});
