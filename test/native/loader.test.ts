/**
 * loadNative() outcomes: success (when built), "not built" (a module root
 * without prebuilds/ or build/), "failed to load" (a file that is not a
 * loadable addon), a stale layout, and the order of the files tried
 * (NETSTAT_NATIVE_PATH alone, else the prebuild, then the source build).
 * None of them throws.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { COMPACT_STRIDE, INET_STRIDE, NATIVE_LAYOUT_VERSION, UNIX_STRIDE, loadNative, nativeCandidates, runtimeLibc, verifyLayout } from '../../src/native';

const builtFile = path.join(__dirname, '../../build/Release/netstat_native.node');
const built = fs.existsSync(builtFile);
if (!built) console.warn('loader success test skipped: native addon not built (npm run build:native)');

describe('loadNative()', () => {
  const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-loader-'));
  afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

  it.skipIf(!built)('loads the built addon with the expected layout and exports', () => {
    const outcome = loadNative();
    expect(outcome).toHaveProperty('binding');
    if (!('binding' in outcome)) return;
    expect(outcome.binding.layoutVersion).toBe(NATIVE_LAYOUT_VERSION);
    expect([NATIVE_LAYOUT_VERSION, INET_STRIDE, COMPACT_STRIDE, UNIX_STRIDE]).toEqual([9, 18, 8, 9]);
    expect([outcome.binding.inetStride, outcome.binding.compactStride, outcome.binding.unixStride]).toEqual([INET_STRIDE, COMPACT_STRIDE, UNIX_STRIDE]);
    const exports = [
      'dumpInet',
      'dumpInetAsync',
      'dumpInetCompact',
      'dumpInetCompactAsync',
      'dumpInetBoth',
      'dumpInetBothAsync',
      'dumpUnix',
      'dumpUnixAsync',
      'scanOwners',
      'scanOwnersAsync',
      'scanOwnersBpf',
      'scanOwnersBpfAsync',
      'recordInet',
      'recordUnix',
      'decodeInet',
      'decodeUnix',
      'dumpRoute',
      'readInterfaces',
      'watchDestroyed',
      'openInetStream',
      'readInetStream',
      'receiveInetStreamAsync',
      'packInetStream',
      'closeInetStream',
    ];
    for (const name of exports) {
      expect(typeof (outcome.binding as unknown as Record<string, unknown>)[name]).toBe('function');
    }
    // Function.length is not declared by N-API functions; the arity is checked by calling (abuse.test.ts).
  });

  it('reports not-built when no binary exists', () => {
    const root = path.join(temp, 'no-such-package');
    const outcome = loadNative(root, {});
    const libc = runtimeLibc();
    expect(outcome).toEqual({
      reason: 'not-built',
      message: `no native engine file (looked for ${root}/prebuilds/linux-${process.arch}/netstat_native.${libc}.node, ${root}/build/Release/netstat_native.node)`,
    });
  });

  it('reports failed-to-load with the loader message for a broken binary', () => {
    const root = path.join(temp, 'broken');
    fs.mkdirSync(path.join(root, 'build/Release'), { recursive: true });
    fs.writeFileSync(path.join(root, 'build/Release/netstat_native.node'), 'not an ELF file');
    const outcome = loadNative(root, {});
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
      message: expect.stringContaining(`layout 4 does not match this library (${NATIVE_LAYOUT_VERSION})`),
    });
    expect(verifyLayout({ ...current, layoutVersion: 4 })).toMatchObject({ reason: 'failed-to-load' });
    // Layout 5: the same rows and arguments, but no dumpInetBoth, which the backend calls.
    expect(verifyLayout({ ...current, layoutVersion: 5 })).toMatchObject({
      reason: 'failed-to-load',
      message: expect.stringContaining(`layout 5 does not match this library (${NATIVE_LAYOUT_VERSION})`),
    });
    // Layout 6: no streamed dump, which the CLI's listing reads.
    expect(verifyLayout({ ...current, layoutVersion: 6 })).toMatchObject({
      reason: 'failed-to-load',
      message: expect.stringContaining(`layout 6 does not match this library (${NATIVE_LAYOUT_VERSION})`),
    });
    // Layout 7: no readInterfaces, which -i calls where rtnetlink is refused.
    expect(verifyLayout({ ...current, layoutVersion: 7 })).toMatchObject({ reason: 'failed-to-load' });
    expect(verifyLayout(null)).toMatchObject({ reason: 'failed-to-load' });
  });

  /** A package root holding the given files, each a copy of `source` (or the text given). */
  function packageRoot(name: string, files: Record<string, string | { copy: string }>): string {
    const root = path.join(temp, name);
    for (const [relative, content] of Object.entries(files)) {
      fs.mkdirSync(path.dirname(path.join(root, relative)), { recursive: true });
      if (typeof content === 'string') fs.writeFileSync(path.join(root, relative), content);
      else fs.copyFileSync(content.copy, path.join(root, relative));
    }
    return root;
  }

  it('names the prebuild for this platform and C library first, then the source build', () => {
    expect(runtimeLibc()).toBe((process.report.getReport() as { header: { glibcVersionRuntime?: string } }).header.glibcVersionRuntime ? 'glibc' : 'musl');
    expect(nativeCandidates('/pkg', {})).toEqual([
      { file: `/pkg/prebuilds/${process.platform}-${process.arch}/netstat_native.${runtimeLibc()}.node`, kind: 'prebuild' },
      { file: '/pkg/build/Release/netstat_native.node', kind: 'source' },
    ]);
    expect(nativeCandidates('/pkg', { NETSTAT_NATIVE_PATH: 'asan/netstat_native.node' })).toEqual([
      { file: path.resolve('asan/netstat_native.node'), kind: 'override' },
    ]);
    expect(nativeCandidates('/pkg', { NETSTAT_NATIVE_PATH: '' })).toHaveLength(2);
  });

  it.skipIf(!built)('prefers a loadable prebuild, and falls back to the source build when the prebuild does not load', () => {
    const prebuild = `prebuilds/${process.platform}-${process.arch}/netstat_native.${runtimeLibc()}.node`;
    const both = packageRoot('both', { [prebuild]: { copy: builtFile }, 'build/Release/netstat_native.node': 'not an ELF file' });
    expect(loadNative(both, {})).toMatchObject({ kind: 'prebuild', file: path.join(both, prebuild) });

    const brokenPrebuild = packageRoot('broken-prebuild', { [prebuild]: 'not an ELF file', 'build/Release/netstat_native.node': { copy: builtFile } });
    expect(loadNative(brokenPrebuild, {})).toMatchObject({ kind: 'source', file: path.join(brokenPrebuild, 'build/Release/netstat_native.node') });

    const onlySource = packageRoot('only-source', { 'build/Release/netstat_native.node': { copy: builtFile } });
    expect(loadNative(onlySource, {})).toMatchObject({ kind: 'source' });
  });

  it('keeps every failure when no candidate loads', () => {
    const prebuild = `prebuilds/${process.platform}-${process.arch}/netstat_native.${runtimeLibc()}.node`;
    const root = packageRoot('all-broken', { [prebuild]: 'junk', 'build/Release/netstat_native.node': 'junk' });
    const outcome = loadNative(root, {});
    expect(outcome).toMatchObject({ reason: 'failed-to-load' });
    const message = (outcome as { message: string }).message;
    expect(message).toContain(`${path.join(root, prebuild)}: `);
    expect(message).toContain(`${path.join(root, 'build/Release/netstat_native.node')}: `);
  });

  it.skipIf(!built)('loads only the file NETSTAT_NATIVE_PATH names', () => {
    const root = packageRoot('override', { 'build/Release/netstat_native.node': { copy: builtFile } });
    expect(loadNative(root, { NETSTAT_NATIVE_PATH: path.join(temp, 'missing.node') })).toMatchObject({ reason: 'not-built' });
    expect(loadNative(path.join(temp, 'nothing-here'), { NETSTAT_NATIVE_PATH: builtFile })).toMatchObject({ kind: 'override', file: builtFile });
  });
});
