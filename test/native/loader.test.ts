/**
 * loadNative() outcomes: success (when built), "not built" (a module root
 * without build/), "failed to load" (a file that is not a loadable addon),
 * and a stale layout. None of them throws.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPACT_STRIDE, INET_STRIDE, NATIVE_LAYOUT_VERSION, UNIX_STRIDE, loadNative, verifyLayout } from '../../src/native';

const built = fs.existsSync(path.join(__dirname, '../../build/Release/netstat_native.node'));
if (!built) console.warn('loader success test skipped: native addon not built (npm run build:native)');

describe('loadNative()', () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-loader-'));
  afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

  it.skipIf(!built)('loads the built addon with the expected layout and exports', () => {
    const outcome = loadNative();
    expect(outcome).toHaveProperty('binding');
    if (!('binding' in outcome)) return;
    expect(outcome.binding.layoutVersion).toBe(NATIVE_LAYOUT_VERSION);
    expect([NATIVE_LAYOUT_VERSION, INET_STRIDE, COMPACT_STRIDE, UNIX_STRIDE]).toEqual([5, 18, 8, 9]);
    expect([outcome.binding.inetStride, outcome.binding.compactStride, outcome.binding.unixStride]).toEqual([INET_STRIDE, COMPACT_STRIDE, UNIX_STRIDE]);
    const exports = [
      'dumpInet',
      'dumpInetAsync',
      'dumpInetCompact',
      'dumpInetCompactAsync',
      'dumpUnix',
      'dumpUnixAsync',
      'scanOwners',
      'scanOwnersAsync',
      'recordInet',
      'recordUnix',
      'decodeInet',
      'decodeUnix',
      'dumpRoute',
      'watchDestroyed',
    ];
    for (const name of exports) {
      expect(typeof (outcome.binding as unknown as Record<string, unknown>)[name]).toBe('function');
    }
    // Function.length is not declared by N-API functions; the arity is checked by calling (abuse.test.ts).
  });

  it('reports not-built when no binary exists', () => {
    const outcome = loadNative(path.join(temp, 'no-such-package'));
    expect(outcome).toEqual({ reason: 'not-built', message: expect.stringContaining('Could not locate the bindings file') });
  });

  it('reports failed-to-load with the loader message for a broken binary', () => {
    const root = path.join(temp, 'broken');
    fs.mkdirSync(path.join(root, 'build/Release'), { recursive: true });
    fs.writeFileSync(path.join(root, 'build/Release/netstat_native.node'), 'not an ELF file');
    const outcome = loadNative(root);
    expect(outcome).toMatchObject({ reason: 'failed-to-load' });
    expect((outcome as { message: string }).message).toMatch(/invalid ELF header|too short/);
  });

  it('refuses a binary built for another layout', () => {
    const current = { layoutVersion: NATIVE_LAYOUT_VERSION, inetStride: INET_STRIDE, unixStride: UNIX_STRIDE, compactStride: COMPACT_STRIDE };
    expect(verifyLayout(current)).toHaveProperty('binding');
    expect(verifyLayout({ layoutVersion: NATIVE_LAYOUT_VERSION, inetStride: INET_STRIDE, unixStride: UNIX_STRIDE })).toMatchObject({
      reason: 'failed-to-load', // a binary without compact rows (layout 2)
    });
    expect(verifyLayout({ ...current, layoutVersion: NATIVE_LAYOUT_VERSION + 1 })).toMatchObject({
      reason: 'failed-to-load',
      message: expect.stringContaining('does not match'),
    });
    expect(verifyLayout({ ...current, inetStride: INET_STRIDE + 1 })).toMatchObject({ reason: 'failed-to-load' });
    expect(verifyLayout({ ...current, compactStride: COMPACT_STRIDE + 1 })).toMatchObject({ reason: 'failed-to-load' });
    // Layout 4 (no netns arguments, 16/6-slot rows): its calls would be misread, so it is refused.
    expect(verifyLayout({ layoutVersion: 4, inetStride: 16, unixStride: UNIX_STRIDE, compactStride: 6 })).toMatchObject({
      reason: 'failed-to-load',
      message: expect.stringContaining('layout 4 does not match this library (5)'),
    });
    expect(verifyLayout({ ...current, layoutVersion: 4 })).toMatchObject({ reason: 'failed-to-load' });
    expect(verifyLayout(null)).toMatchObject({ reason: 'failed-to-load' });
  });
});
