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
  const onBatch = (): void => {};
  const wrongCalls: Array<[string, unknown[]]> = [
    ['dumpInetCompact', []],
    ['dumpInetCompact', [2, 6, 1, true, null, null, null]], // no withInfo argument
    ['dumpInetCompact', [2, 6, 1, null, null]], // netns and cancel are required (null for none)
    ['dumpInetCompact', [2, 6, '1', null, null, null]],
    ['dumpInetCompact', [2, 6, 1, 'bytecode', null, null]],
    ['dumpInetCompact', [2, 6, 1, null, null, plainFlag]],
    ['dumpInetCompact', [2, 6, 1, null, 1, null]],
    ['dumpInetCompact', [2, 6, 1, null, '', null]],
    ['dumpInetCompactAsync', [2, 6, 1, null, null]],
    ['dumpInetCompactAsync', [2, 6, 1, null, 'a\0b', null]],
    ['dumpInetBoth', []],
    ['dumpInetBoth', [6, 0x1ffe, true, null, null]], // netns and cancel are required (null for none)
    ['dumpInetBoth', [2, 6, 0x1ffe, true, null, null, null]], // dumpInet's arguments: no family here
    ['dumpInetBoth', [6, 0x1ffe, true, null, null, null, 'extra']],
    ['dumpInetBoth', [17, 0x1ffe, true, null, null, null]], // only TCP has a both-families request
    ['dumpInetBoth', [255, 0x1ffe, false, null, null, null]],
    ['dumpInetBoth', [262, 0x1ffe, false, null, null, null]], // 6 + 256: not truncated to a byte
    ['dumpInetBoth', ['6', 0x1ffe, true, null, null, null]],
    ['dumpInetBoth', [6, '1', true, null, null, null]],
    ['dumpInetBoth', [6, 0x1ffe, 1, null, null, null]],
    ['dumpInetBoth', [6, 0x1ffe, true, 'bytecode', null, null]],
    ['dumpInetBoth', [6, 0x1ffe, true, new Uint16Array(2), null, null]],
    ['dumpInetBoth', [6, 0x1ffe, true, new Uint8Array(65532), null, null]],
    ['dumpInetBoth', [6, 0x1ffe, true, null, '', null]],
    ['dumpInetBoth', [6, 0x1ffe, true, null, 'a\0b', null]],
    ['dumpInetBoth', [6, 0x1ffe, true, null, 1, null]],
    ['dumpInetBoth', [6, 0x1ffe, true, null, null, plainFlag]],
    ['dumpInetBoth', [6, 0x1ffe, true, null, null, undefined]],
    ['dumpInetBothAsync', [6, 0x1ffe, true, null, null]],
    ['dumpInetBothAsync', [17, 0x1ffe, true, null, null, null]],
    ['dumpInetBothAsync', [6, 0x1ffe, true, new Int8Array(4), null, null]],
    ['dumpInetBothAsync', [6, 0x1ffe, true, null, '', null]],
    ['dumpInetBothAsync', [6, 0x1ffe, true, null, null, plainFlag]],
    ['dumpInet', []],
    ['dumpInet', [2, 6, 1, true]], // bytecode, netns and cancel are required (null for none)
    ['dumpInet', [2, 6, 1, true, null]],
    ['dumpInet', [2, 6, 1, true, null, null]], // layout 4's arguments: no netns
    ['dumpInet', [2, 6, 1, true, null, null, null, 'extra']],
    ['dumpInet', ['2', 6, 1, true, null, null, null]],
    ['dumpInet', [2, 6, 1, 1, null, null, null]],
    ['dumpInet', [300, 6, 1, true, null, null, null]],
    ['dumpInet', [2, 256, 1, true, null, null, null]],
    ['dumpInet', [2, {}, 1, true, null, null, null]],
    ['dumpInet', [2, 6, 1, true, undefined, null, null]],
    ['dumpInet', [2, 6, 1, true, 'bytecode', null, null]],
    ['dumpInet', [2, 6, 1, true, [7, 12, 16, 0], null, null]],
    ['dumpInet', [2, 6, 1, true, new Uint16Array(2), null, null]],
    ['dumpInet', [2, 6, 1, true, new Uint8ClampedArray(4), null, null]],
    ['dumpInet', [2, 6, 1, true, new DataView(new ArrayBuffer(4)), null, null]],
    ['dumpInet', [2, 6, 1, true, new Uint8Array(65532), null, null]], // longer than a netlink attribute holds
    ['dumpInet', [2, 6, 1, true, null, 1, null]], // netns: a path or null
    ['dumpInet', [2, 6, 1, true, null, '', null]],
    ['dumpInet', [2, 6, 1, true, null, 'a\0b', null]],
    ['dumpInet', [2, 6, 1, true, null, '/run/netns/x\0', null]],
    ['dumpInet', [2, 6, 1, true, null, undefined, null]],
    ['dumpInet', [2, 6, 1, true, null, {}, null]],
    ['dumpInet', [2, 6, 1, true, null, new String('/proc/self/ns/net'), null]],
    ['dumpInet', [2, 6, 1, true, null, Buffer.from('/proc/self/ns/net'), null]],
    ['dumpInet', [2, 6, 1, true, null, null, undefined]],
    ['dumpInet', [2, 6, 1, true, null, null, 1]],
    ['dumpInet', [2, 6, 1, true, null, null, plainFlag]],
    ['dumpInet', [2, 6, 1, true, null, null, new Int32Array(new SharedArrayBuffer(0))]],
    ['dumpInet', [2, 6, 1, true, null, null, new Uint32Array(new SharedArrayBuffer(4))]],
    ['dumpInet', [2, 6, 1, true, null, null, new SharedArrayBuffer(4)]],
    ['dumpInetAsync', [2, 6, null, true, null, null, null]],
    ['dumpInetAsync', [2, 6, 1, true]],
    ['dumpInetAsync', [2, 6, 1, true, null, null]],
    ['dumpInetAsync', [2, 6, 1, true, new Int8Array(4), null, null]],
    ['dumpInetAsync', [2, 6, 1, true, null, null, plainFlag]],
    ['dumpInetAsync', [2, 6, 1, true, null, 1, null]],
    ['dumpInetAsync', [2, 6, 1, true, null, '', null]],
    ['dumpInetAsync', [2, 6, 1, true, null, 'a\0b', null]],
    ['dumpInetAsync', [2, 6, 1, true, null, undefined, null]],
    ['dumpInetAsync', [2, 6, 1, true, null, {}, null]],
    ['openInetStream', []],
    ['openInetStream', [2, 6, 1, true, null, null]], // cancel is required (null for none)
    ['openInetStream', [2, 6, 1, true, null, '', null]],
    ['openInetStream', [2, 6, 1, true, null, null, plainFlag]],
    ['readInetStream', []],
    ['readInetStream', [null, 1, null]],
    ['readInetStream', [{}, 1, null]],
    ['readInetStream', [{ handle: {} }, 1, null]],
    ['receiveInetStreamAsync', [{ handle: 1 }, 1, null]],
    ['receiveInetStreamAsync', [{}, 0, null]],
    ['packInetStream', []],
    ['packInetStream', [{}, null]],
    ['packInetStream', [{ handle: 1 }, null]],
    ['packInetStream', [{ handle: {} }, Buffer.alloc(4)]],
    ['closeInetStream', []],
    ['closeInetStream', [{}]],
    ['closeInetStream', [{ handle: 'x' }]],
    ['dumpUnix', []],
    ['dumpUnix', [null]], // netns and cancel are required (null for none)
    ['dumpUnix', [null, 1]],
    ['dumpUnix', [null, undefined]],
    ['dumpUnix', [null, null, null]],
    ['dumpUnix', [null, plainFlag]],
    ['dumpUnix', [plainFlag]], // layout 4's argument: the flag alone
    ['dumpUnix', [1, null]],
    ['dumpUnix', ['', null]],
    ['dumpUnix', ['a\0b', null]],
    ['dumpUnix', [undefined, null]],
    ['dumpUnix', [{}, null]],
    ['dumpUnixAsync', []],
    ['dumpUnixAsync', [null, 'x']],
    ['dumpUnixAsync', [null, plainFlag]],
    ['dumpUnixAsync', [1, null]],
    ['dumpUnixAsync', ['', null]],
    ['dumpUnixAsync', ['a\0b', null]],
    ['dumpUnixAsync', [undefined, null]],
    ['dumpUnixAsync', [{}, null]],
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
    ['scanOwnersBpf', []],
    ['scanOwnersBpf', ['/proc', null, 2, null, null]], // forced is required
    ['scanOwnersBpf', ['/proc', null, 2, null, null, 1]],
    ['scanOwnersBpf', ['/proc', null, 2, null, null, true, 'extra']],
    ['scanOwnersBpf', ['/proc', [1], 2, null, null, true]],
    ['scanOwnersBpf', ['/proc', null, 2, [1], null, false]],
    ['scanOwnersBpf', ['/proc', null, 2, null, plainFlag, false]],
    ['scanOwnersBpfAsync', ['/proc', null, 2, null, null]],
    ['scanOwnersBpfAsync', ['/proc', null, 2, null, plainFlag, true]],
    ['recordInet', [2, 6]],
    ['recordInet', [2, 6, 1, true]],
    ['recordInet', [2, 6, 1, true, null, null]],
    ['recordInet', [2, 6, 1, true, 'bytecode', null, null]],
    ['recordInet', [2, 6, 1, true, null, null, plainFlag]],
    ['recordInet', [2, 6, 1, true, null, 1, null]],
    ['recordInet', [2, 6, 1, true, null, '', null]],
    ['recordInet', [2, 6, 1, true, null, 'a\0b', null]],
    ['recordInet', [2, 6, 1, true, null, undefined, null]],
    ['recordInet', [2, 6, 1, true, null, {}, null]],
    ['recordUnix', []],
    ['recordUnix', [null]],
    ['recordUnix', [null, undefined]],
    ['recordUnix', [null, plainFlag]],
    ['recordUnix', [1, null]],
    ['recordUnix', ['', null]],
    ['recordUnix', ['a\0b', null]],
    ['recordUnix', [undefined, null]],
    ['recordUnix', [{}, null]],
    ['watchDestroyed', []],
    ['watchDestroyed', [null]],
    ['watchDestroyed', [onBatch]],
    ['watchDestroyed', [null, onBatch, 'extra']],
    ['watchDestroyed', [null, 'onBatch']],
    ['watchDestroyed', [null, null]],
    ['watchDestroyed', [null, {}]],
    ['watchDestroyed', [1, onBatch]],
    ['watchDestroyed', ['', onBatch]],
    ['watchDestroyed', ['a\0b', onBatch]],
    ['watchDestroyed', [undefined, onBatch]],
    ['watchDestroyed', [{}, onBatch]],
    ['decodeInet', []],
    ['decodeInet', ['bytes']],
    ['decodeInet', [new Uint16Array(4)]],
    ['decodeUnix', [new DataView(new ArrayBuffer(4))]],
    ['decodeUnix', [Buffer.alloc(0), 3]], // check: 0, 1 or 2
    ['decodeUnix', [Buffer.alloc(0), 1, 'extra']],
    ['decodeInet', [Buffer.alloc(0), '1']],
    // The dumps' optional last argument, check: 0 (auto), 1 (always) or 2 (never).
    ['dumpInet', [2, 6, 1, true, null, null, null, 3]],
    ['dumpInet', [2, 6, 1, true, null, null, null, 'always']],
    ['dumpInet', [2, 6, 1, true, null, null, null, 1, 'extra']],
    ['dumpInetAsync', [2, 6, 1, true, null, null, null, -1]],
    ['dumpInetBoth', [6, 1, true, null, null, null, 0.5]],
    ['dumpInetCompact', [2, 6, 1, null, null, null, null]],
    ['dumpUnix', [null, null, true]],
    ['dumpUnixAsync', [null, null, 2, 2]],
    ['openInetStream', [2, 6, 1, true, null, null, null, NaN]],
    ['recordUnix', [null, null, '0']],
    ['dumpRoute', []],
    ['dumpRoute', [18]],
    ['dumpRoute', ['18', 0]],
    ['dumpRoute', [70000, 0]],
    ['dumpRoute', [18, 256]],
    ['readInterfaces', []],
    ['readInterfaces', ['lo']],
    ['readInterfaces', [['lo', 1]]],
    ['readInterfaces', [['lo', null]]],
    ['readInterfaces', [['lo\0x']]],
    ['readInterfaces', [[], []]],
    ['readInterfaces', [{ length: 1, 0: 'lo' }]],
  ];
  const show = (a: unknown): string => {
    if (typeof a === 'function') return 'function';
    if (a instanceof String) return `String(${JSON.stringify(a.valueOf())})`;
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
      binding.dumpInet(99, 6, 0x1ffe, false, null, null, null);
    } catch (err) {
      syncError = err;
    }
    check(syncError);
    const asyncError = await binding.dumpInetAsync(99, 6, 0x1ffe, false, null, null, null).then(
      () => undefined,
      (err: unknown) => err,
    );
    check(asyncError);
    expect((asyncError as { code: string }).code).toBe((syncError as { code: string }).code);
  });

  it('a well-typed netns path that is not there is ENOENT from open, sync and async, for every dump and the watch', async () => {
    const missingPath = '/nonexistent/netns-abuse';
    const notThere = expect.objectContaining({ code: 'ENOENT', errno: 2, syscall: 'open', message: expect.stringContaining(missingPath) });
    const settle = (promise: Promise<unknown>) => promise.then(() => 'resolved', (err: unknown) => err);
    expect(() => binding.dumpInet(2, 6, 0x1ffe, false, null, missingPath, null)).toThrow(notThere);
    expect(() => binding.dumpInetCompact(2, 6, 0x1ffe, null, missingPath, null)).toThrow(notThere);
    expect(() => binding.dumpInetBoth(6, 0x1ffe, false, null, missingPath, null)).toThrow(notThere);
    expect(() => binding.dumpUnix(missingPath, null)).toThrow(notThere);
    expect(() => binding.recordInet(2, 6, 0x1ffe, false, null, missingPath, null)).toThrow(notThere);
    expect(() => binding.recordUnix(missingPath, null)).toThrow(notThere);
    expect(() => binding.watchDestroyed(missingPath, () => {})).toThrow(notThere);
    expect(await settle(binding.dumpInetAsync(2, 6, 0x1ffe, false, null, missingPath, null))).toEqual(notThere);
    expect(await settle(binding.dumpInetCompactAsync(2, 6, 0x1ffe, null, missingPath, null))).toEqual(notThere);
    expect(await settle(binding.dumpInetBothAsync(6, 0x1ffe, false, null, missingPath, null))).toEqual(notThere);
    expect(await settle(binding.dumpUnixAsync(missingPath, null))).toEqual(notThere);
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
    expect(binding.dumpInet(2, 6, 1 << 10, false, new Uint8Array(0), null, new Int32Array(new SharedArrayBuffer(16), 8, 2)).fields).toBeInstanceOf(Uint32Array);
  });
});
