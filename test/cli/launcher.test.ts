/**
 * The `netstat` entry point (src/cli.ts): it runs the program from the build's
 * bundle through the code cache made for it, rewrites a cache V8 rejects, and
 * without a bundle loads the modules — the same program each way.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { wrap } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import * as vm from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const DIST = path.join(__dirname, '../../dist');
const BUNDLE = path.join(DIST, 'cli.bundle.js');

function buildId(file: string): string | undefined {
  return /^\/\/ netstat-native CLI bundle ([0-9a-f]+)\n/.exec(fs.readFileSync(file, 'utf8'))?.[1];
}

function accepted(bundle: string, cache: string): boolean {
  const script = new vm.Script(wrap(fs.readFileSync(bundle, 'utf8')), { filename: bundle, cachedData: fs.readFileSync(cache) });
  return script.cachedDataRejected === false;
}

const run = (cli: string, args: string[]) => spawnSync(process.execPath, [cli, ...args], { encoding: 'latin1', env: { ...process.env, LC_ALL: 'C' } });

describe('the build', () => {
  it('makes a bundle with a build id and a code cache V8 accepts for it', () => {
    const id = buildId(BUNDLE);
    expect(id).toMatch(/^[0-9a-f]{12}$/);
    const cache = path.join(DIST, `cli.bundle.${id}.cache`);
    expect(fs.existsSync(cache)).toBe(true);
    expect(accepted(BUNDLE, cache)).toBe(true);
    expect(fs.readdirSync(DIST).filter((f) => f.endsWith('.cache'))).toEqual([`cli.bundle.${id}.cache`]);
  });
});

describe('a copy of dist/', () => {
  let copy = '';
  beforeAll(() => {
    copy = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-launcher-')), 'dist');
    fs.cpSync(DIST, copy, { recursive: true });
    // The copy finds the engine where the package keeps it.
    fs.symlinkSync(path.join(DIST, '../build'), path.join(copy, '../build'));
    fs.copyFileSync(path.join(DIST, '../package.json'), path.join(copy, '../package.json'));
  });
  afterAll(() => fs.rmSync(path.dirname(copy), { recursive: true, force: true }));

  const reference = () => run(path.join(DIST, 'cli.js'), ['-V']);

  it('replaces a cache V8 rejects, and prints the same', () => {
    const id = buildId(path.join(copy, 'cli.bundle.js'));
    const cache = path.join(copy, `cli.bundle.${id}.cache`);
    fs.writeFileSync(cache, Buffer.alloc(64, 7));
    const result = run(path.join(copy, 'cli.js'), ['-V']);
    expect({ out: result.stdout, err: result.stderr, status: result.status }).toEqual({ out: reference().stdout, err: '', status: reference().status });
    expect(accepted(path.join(copy, 'cli.bundle.js'), cache)).toBe(true);
    expect(fs.readdirSync(copy).filter((f) => f.includes('.tmp'))).toEqual([]);
  });

  it('ignores a cache of another build', () => {
    const bundle = path.join(copy, 'cli.bundle.js');
    const id = buildId(bundle)!;
    const other = 'abcdefabcdef';
    // The same source under another id: a cache for `other` must not be used for it, and vice versa.
    fs.writeFileSync(bundle, fs.readFileSync(bundle, 'utf8').replace(id, other));
    const result = run(path.join(copy, 'cli.js'), ['-tln']);
    expect(result.status).toBe(0);
    expect(result.stdout.split('\n')[0]).toBe('Active Internet connections (only servers)');
    expect(fs.existsSync(path.join(copy, `cli.bundle.${other}.cache`))).toBe(true);
  });

  it('without a bundle, loads the modules and prints the same', () => {
    for (const f of fs.readdirSync(copy)) if (f.startsWith('cli.bundle.')) fs.rmSync(path.join(copy, f));
    const result = run(path.join(copy, 'cli.js'), ['-V']);
    expect({ out: result.stdout, status: result.status }).toEqual({ out: reference().stdout, status: reference().status });
    const listing = run(path.join(copy, 'cli.js'), ['-tln', '--sources']);
    expect(listing.stderr.split('\n')[0]).toMatch(/^netstat: netstat-native 0\.1\.0, native engine: /);
    expect(fs.readdirSync(copy).filter((f) => f.endsWith('.cache'))).toEqual([]);
  });
});

describe('start-up', () => {
  // Node's built-in modules a run loaded (process.moduleLoadList, written at exit by a preload).
  const builtins = (args: string[], env: Record<string, string> = {}) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-modules-'));
    try {
      const preload = path.join(dir, 'preload.js');
      const list = path.join(dir, 'modules.txt');
      fs.writeFileSync(preload, `process.on('exit', () => require('fs').writeFileSync(${JSON.stringify(list)}, process.moduleLoadList.join('\\n')));`);
      // stdout is a pipe, as when the output is read by a program or a pager.
      const result = spawnSync(process.execPath, ['--require', preload, path.join(DIST, 'cli.js'), ...args], {
        encoding: 'latin1',
        env: { ...process.env, LC_ALL: 'C', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      expect(result.status, result.stderr).toBe(0);
      return fs.readFileSync(list, 'utf8').split('\n').filter((m) => m.startsWith('NativeModule ')).map((m) => m.slice('NativeModule '.length));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  };

  it('a numeric listing into a pipe loads neither net, dns nor tty (streams, c-ares and the rest come with them)', () => {
    for (const args of [['-tan'], ['-an'], ['-tlnp'], ['-s']]) {
      const loaded = builtins(args);
      expect(loaded, args.join(' ')).toContain('vm'); // the list is real: the launcher's own module is in it
      for (const heavy of ['net', 'dns', 'tty', 'stream']) expect(loaded, `${args.join(' ')} loads ${heavy}`).not.toContain(heavy);
    }
  });

  it('the host resolver loads dns on its first look-up, not before', () => {
    const script = `
      const { HostResolver } = require(${JSON.stringify(path.join(DIST, 'resolve/hosts.js'))});
      const has = () => process.moduleLoadList.includes('NativeModule dns');
      const resolver = new HostResolver();
      const before = has();
      resolver.name('127.0.0.1').then(() => process.stdout.write(JSON.stringify({ before, after: has() })));
    `;
    const result = spawnSync(process.execPath, ['-e', script], { encoding: 'utf8' });
    expect(JSON.parse(result.stdout)).toEqual({ before: false, after: true });
  });
});
