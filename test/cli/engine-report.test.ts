/**
 * The CLI's words about its engine: the `--sources` header and the one-time
 * fallback notice (when it is due, and that it is due only once).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { NOTICE_MARKER, engineLine, fallbackNotice } from '../../src/cli/engine-report';
import type { NativeBinding, NativeLoadOutcome } from '../../src/native';

const temp = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-engine-report-'));
afterAll(() => fs.rmSync(temp, { recursive: true, force: true }));

function packageDir(name: string): string {
  const dir = path.join(temp, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: 'netstat-native', version: '9.8.7' }));
  return dir;
}

const missing: NativeLoadOutcome = { reason: 'not-built', message: 'no native engine file (looked for /x)' };
const loaded: NativeLoadOutcome = { binding: {} as NativeBinding, file: '/pkg/prebuilds/linux-x64/netstat_native.glibc.node', kind: 'prebuild' };

describe('engineLine()', () => {
  it('names this program, its version, and the engine file or why there is none', () => {
    const dir = packageDir('line');
    expect(engineLine(loaded, dir)).toBe('netstat: netstat-native 9.8.7, native engine: prebuild (/pkg/prebuilds/linux-x64/netstat_native.glibc.node)\n');
    expect(engineLine(missing, dir)).toBe('netstat: netstat-native 9.8.7, native engine unavailable: not-built: no native engine file (looked for /x)\n');
    expect(engineLine(missing, path.join(temp, 'no-package'))).toMatch(/^netstat: netstat-native unknown, /);
  });
});

describe('fallbackNotice()', () => {
  it('is shown once per package directory, and says how to fix it', () => {
    const dir = packageDir('once');
    const first = fallbackNotice(missing, {}, dir);
    expect(first).toMatch(/^netstat-native: the native engine is not available \(not-built: no native engine file \(looked for \/x\)\)\.\n/);
    expect(first).toContain('npm rebuild netstat-native');
    expect(fs.existsSync(path.join(dir, NOTICE_MARKER))).toBe(true);
    expect(fallbackNotice(missing, {}, dir)).toBeNull();
  });

  it('is not shown when the engine loaded, or when the user chose /proc', () => {
    expect(fallbackNotice(loaded, {}, packageDir('loaded'))).toBeNull();
    const forced = packageDir('forced');
    expect(fallbackNotice(missing, { NETSTAT_BACKEND: 'procfs' }, forced)).toBeNull();
    expect(fallbackNotice(missing, { NETSTAT_PROC_ROOT: '/tmp/fixture' }, forced)).toBeNull();
    expect(fs.existsSync(path.join(forced, NOTICE_MARKER))).toBe(false);
    // A forced netlink without the engine is an error the CLI reports itself; the notice still says why.
    expect(fallbackNotice(missing, { NETSTAT_BACKEND: 'netlink' }, forced)).not.toBeNull();
  });

  it('is not shown where the marker cannot be written (so never on every run)', () => {
    expect(fallbackNotice(missing, {}, path.join(temp, 'no-such-directory'))).toBeNull();
  });
});
