/**
 * The package as a user gets it: `npm pack`, then installs of the tarball into
 * fresh directories — with the compiler hidden, with `--ignore-scripts`, and
 * from a tarball without the prebuild (another platform) with and without a
 * compiler. Checked: the bin runs and says which engine it used; the prebuild
 * is used where it fits, without node-gyp in the consumer's node_modules and
 * without compiling; the fallback to /proc is announced once on stderr;
 * `require`, ESM `import` and a strict TypeScript consumer work; everything
 * the README and docs link is in the tarball.
 *
 * The tarball is packed from a staging copy of the files npm would pack (so
 * the working tree's build/ is never rebuilt under the other tests), with the
 * prebuild built there by the same script `prepack` runs.
 */
import { spawnSync, type SpawnSyncReturns } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NOTICE_MARKER } from '../../src/cli/engine-report';
import { runtimeLibc } from '../../src/native';
import { isolated } from '../harness/isolate';
import { skipReason } from '../harness/needs';

const ROOT = path.join(__dirname, '../..');
const PREBUILD = `prebuilds/${process.platform}-${process.arch}/netstat_native.${runtimeLibc()}.node`;

// Hiding the compiler: bind mounts in a private mount namespace.
const noHiding = skipReason('packaging tests without a compiler', { unshare: ['mount'] });

/** The compilers and build tools node-gyp could reach, replaced by a stub that fails like a missing command. */
const TOOLS = fs
  .readdirSync('/usr/bin')
  .filter((name) => /^(cc|c\+\+|gcc|g\+\+|clang|clang\+\+|make|gmake)(-\d+)?$/.test(name) || /^x86_64-linux-gnu-(gcc|g\+\+)(-\d+)?$/.test(name))
  .map((name) => `/usr/bin/${name}`);

/** A child's environment without this suite's NETSTAT_* settings: the installed package runs as a user's would. */
function cleanEnv(extra: NodeJS.ProcessEnv = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = { ...process.env, ...extra };
  for (const name of Object.keys(env)) if (name.startsWith('NETSTAT_') && !(name in extra)) delete env[name];
  for (const name of Object.keys(env)) if (name.startsWith('npm_')) delete env[name];
  return env;
}

function run(command: string, args: string[], cwd: string, options: { hideCompiler?: boolean; env?: NodeJS.ProcessEnv } = {}): SpawnSyncReturns<string> {
  const env = cleanEnv(options.env);
  if (!options.hideCompiler) return spawnSync(command, args, { cwd, env, encoding: 'utf8', timeout: 240_000 });
  const stub = path.join(work, 'missing-tool');
  const mounts = TOOLS.map((tool) => `mount --bind ${stub} ${tool}`).join(' && ');
  const script = `${mounts} && cd "$0" && exec "$@"`;
  const [unshare, ...rest] = isolated(['sh', '-c', script, cwd, command, ...args], { mount: true });
  return spawnSync(unshare!, rest, { env, encoding: 'utf8', timeout: 240_000 });
}

function check(result: SpawnSyncReturns<string>, what: string): SpawnSyncReturns<string> {
  if (result.status !== 0) throw new Error(`${what} failed (status ${result.status}, ${result.error?.message ?? ''}):\n${result.stdout}\n${result.stderr}`);
  return result;
}

let work = '';
let withPrebuild = '';
let withoutPrebuild = '';
let tarballFiles: string[] = [];

/** A fresh consumer directory with the tarball installed (npm's cache makes this offline where it can). */
function install(name: string, tarball: string, options: { hideCompiler?: boolean; args?: string[] } = {}): { dir: string; result: SpawnSyncReturns<string> } {
  const dir = path.join(work, name);
  fs.mkdirSync(dir);
  fs.writeFileSync(path.join(dir, 'package.json'), JSON.stringify({ name: `consumer-${name}`, version: '1.0.0', private: true }));
  const result = run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--foreground-scripts', ...(options.args ?? []), tarball], dir, options);
  return { dir, result };
}

const bin = (dir: string) => path.join(dir, 'node_modules/.bin/netstat');
const installed = (dir: string) => path.join(dir, 'node_modules/netstat-native');

beforeAll(() => {
  work = fs.mkdtempSync(path.join(os.tmpdir(), 'netstat-package-'));
  fs.writeFileSync(path.join(work, 'missing-tool'), '#!/bin/sh\necho "$0: hidden by the packaging test" >&2\nexit 127\n', { mode: 0o755 });

  // The files npm would pack from the working tree (dist/ is built by `npm test`).
  const listing = check(run('npm', ['pack', '--dry-run', '--json', '--ignore-scripts'], ROOT), 'npm pack --dry-run');
  const files = (JSON.parse(listing.stdout) as Array<{ files: Array<{ path: string }> }>)[0]!.files.map((f) => f.path);
  const stage = path.join(work, 'stage');
  for (const file of files) {
    fs.mkdirSync(path.dirname(path.join(stage, file)), { recursive: true });
    fs.copyFileSync(path.join(ROOT, file), path.join(stage, file));
  }
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(stage, 'node_modules'));
  check(run(process.execPath, [path.join(ROOT, 'scripts/prebuild.js'), '--root', stage], stage), 'scripts/prebuild.js');
  fs.rmSync(path.join(stage, 'build'), { recursive: true, force: true });
  fs.unlinkSync(path.join(stage, 'node_modules'));

  const pack = (destination: string): string => {
    fs.mkdirSync(destination);
    check(run('npm', ['pack', '--ignore-scripts', '--pack-destination', destination], stage), 'npm pack');
    return path.join(destination, fs.readdirSync(destination).find((f) => f.endsWith('.tgz'))!);
  };
  withPrebuild = pack(path.join(work, 'tarball'));
  tarballFiles = check(run('tar', ['-tzf', withPrebuild], work), 'tar -t').stdout.split('\n').filter(Boolean).map((f) => f.replace(/^package\//, ''));
  // The same package as a machine no prebuild fits would see it.
  fs.rmSync(path.join(stage, 'prebuilds'), { recursive: true });
  withoutPrebuild = pack(path.join(work, 'tarball-no-prebuild'));
}, 300_000);

afterAll(() => {
  if (work) fs.rmSync(work, { recursive: true, force: true });
});

describe('the tarball', () => {
  it('holds the prebuild, the built library, the man page, LICENSE and CHANGELOG, and no tests, fixtures or fuzz harnesses', () => {
    for (const file of [PREBUILD, 'dist/index.js', 'dist/index.d.ts', 'dist/cli.js', 'dist/exporter/main.js', 'man/netstat-native.1', 'LICENSE', 'CHANGELOG.md', 'README.md', 'binding.gyp', 'scripts/install-native.js']) {
      expect(tarballFiles).toContain(file);
    }
    expect(tarballFiles.filter((f) => /^(test|src|build|fixtures|native\/fuzz)\//.test(f))).toEqual([]);
  });

  it('has every file the README and the docs link to', () => {
    const documents = ['README.md', ...tarballFiles.filter((f) => /^docs\/.*\.md$/.test(f) || f === 'bench/README.md' || f === 'native/README.md')];
    const missing: string[] = [];
    for (const document of documents) {
      const text = fs.readFileSync(path.join(ROOT, document), 'utf8');
      for (const match of text.matchAll(/\]\(([^)\s#]+)(?:#[^)]*)?\)/g)) {
        const target = match[1]!;
        if (/^[a-z]+:/.test(target)) continue; // https:, mailto:
        const resolved = path.posix.normalize(path.posix.join(path.posix.dirname(document), target));
        if (!tarballFiles.some((f) => f === resolved || f.startsWith(`${resolved}/`))) missing.push(`${document} -> ${target}`);
      }
    }
    expect(missing).toEqual([]);
  });

  it('names its license, repository, home page, bug tracker and man page', () => {
    const manifest = JSON.parse(fs.readFileSync(path.join(ROOT, 'package.json'), 'utf8'));
    expect(manifest.license).toBe('MIT');
    expect(fs.readFileSync(path.join(ROOT, 'LICENSE'), 'utf8')).toMatch(/^MIT License/);
    expect(manifest.repository?.url).toMatch(/^git\+https:/);
    expect(manifest.homepage).toMatch(/^https:/);
    expect(manifest.bugs?.url).toMatch(/^https:/);
    expect(manifest.man).toEqual(['./man/netstat-native.1']);
    expect(Object.keys(manifest.dependencies)).not.toContain('node-gyp');
  });
});

describe.skipIf(noHiding !== undefined)('installed on a machine without a compiler', () => {
  let dir = '';
  beforeAll(() => {
    const done = install('no-compiler', withPrebuild, { hideCompiler: true });
    dir = done.dir;
    check(done.result, 'npm install without a compiler');
  }, 240_000);

  it('did not compile, and has no node-gyp', () => {
    expect(fs.existsSync(path.join(installed(dir), 'build'))).toBe(false);
    expect(fs.existsSync(path.join(dir, 'node_modules/node-gyp'))).toBe(false);
  });

  it('runs the bin on the prebuilt engine and says so', () => {
    const result = run(bin(dir), ['-tln', '--sources'], dir);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toBe(`netstat: netstat-native 0.1.0, native engine: prebuild (${fs.realpathSync(installed(dir))}/${PREBUILD})`);
    expect(result.stderr).toContain('netstat: tcp/inet: netlink (native engine loaded)');
    expect(result.stdout.split('\n')[0]).toBe('Active Internet connections (only servers)');
  });

  it('keeps net-tools\' own -V text', () => {
    const ours = run(bin(dir), ['-V'], dir);
    const reference = run('/usr/bin/netstat', ['-V'], dir);
    expect({ stdout: ours.stdout, stderr: ours.stderr, status: ours.status }).toEqual({ stdout: reference.stdout, stderr: reference.stderr, status: reference.status });
  });

  it('loads with require(), with ESM import, and under a strict TypeScript consumer', () => {
    const cjs = run(process.execPath, ['-e', "const n = require('netstat-native'); const r = n.listSocketsSync({ protocols: ['tcp'] }); console.log(typeof n.listSockets, Array.isArray(r.inet), r.tables[0].backend)"], dir);
    expect(cjs.stderr).toBe('');
    expect(cjs.stdout).toBe('function true netlink\n');

    const esm = run(process.execPath, ['--input-type=module', '-e', "import { listSockets, countSockets, NetstatError } from 'netstat-native'; const r = await listSockets({ protocols: ['tcp'] }); console.log(typeof countSockets, typeof NetstatError, r.tables[0].backend)"], dir);
    expect(esm.stderr).toBe('');
    expect(esm.stdout).toBe('function function netlink\n');

    fs.writeFileSync(
      path.join(dir, 'consumer.ts'),
      [
        "import { listSockets, NetstatError, type InetSocket, type SocketQuery } from 'netstat-native';",
        "const query: SocketQuery = { protocols: ['tcp'], states: ['LISTEN'] };",
        'async function main(): Promise<void> {',
        '  try {',
        '    const result = await listSockets(query);',
        '    const first: InetSocket | undefined = result.inet[0];',
        "    console.log(result.inet.every((s) => s.stateName === 'LISTEN'), first === undefined || typeof first.localPort === 'number');",
        '  } catch (err) {',
        '    if (err instanceof NetstatError) console.log(err.code);',
        '  }',
        '}',
        'void main();',
        '',
      ].join('\n'),
    );
    // node16 resolution reads the package's `types` as a CommonJS package's declarations, the strictest case.
    const tsc = run(process.execPath, [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '--strict', '--noEmit', '--types', 'node', '--typeRoots', path.join(ROOT, 'node_modules/@types'), '--module', 'node16', '--moduleResolution', 'node16', '--target', 'es2022', 'consumer.ts'], dir);
    expect({ out: tsc.stdout + tsc.stderr, status: tsc.status }).toEqual({ out: '', status: 0 });
  });
});

describe('installed as the system netstat (the README\'s global install into a prefix), and removed again', () => {
  it('puts netstat and its man page under the prefix, leaves /usr/bin/netstat alone, and uninstalls cleanly', () => {
    const prefix = path.join(work, 'usr-local');
    const before = fs.readFileSync('/usr/bin/netstat');
    check(run('npm', ['install', '-g', '--prefix', prefix, '--prefer-offline', '--no-audit', '--no-fund', withPrebuild], work), 'npm install -g --prefix');
    const result = run(path.join(prefix, 'bin/netstat'), ['-tln', '--sources'], work);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toMatch(/^netstat: netstat-native 0\.1\.0, native engine: prebuild \(/);
    expect(fs.existsSync(path.join(prefix, 'bin/netstat-exporter'))).toBe(true);
    expect(fs.readFileSync(path.join(prefix, 'share/man/man1/netstat-native.1'), 'utf8')).toMatch(/^\.TH NETSTAT-NATIVE 1/);
    expect(fs.readFileSync('/usr/bin/netstat').equals(before)).toBe(true);

    check(run('npm', ['uninstall', '-g', '--prefix', prefix, 'netstat-native'], work), 'npm uninstall -g --prefix');
    expect(fs.existsSync(path.join(prefix, 'bin/netstat'))).toBe(false);
    expect(fs.existsSync(path.join(prefix, 'share/man/man1/netstat-native.1'))).toBe(false);
  }, 240_000);
});

describe('installed with --ignore-scripts', () => {
  let dir = '';
  beforeAll(() => {
    const done = install('ignore-scripts', withPrebuild, { args: ['--ignore-scripts'] });
    dir = done.dir;
    check(done.result, 'npm install --ignore-scripts');
  }, 240_000);

  it('still runs on the prebuilt engine', () => {
    const result = run(bin(dir), ['-uan', '--sources'], dir);
    expect(result.status).toBe(0);
    expect(result.stderr.split('\n')[0]).toMatch(/^netstat: netstat-native 0\.1\.0, native engine: prebuild \(/);
    expect(fs.existsSync(path.join(dir, 'node_modules/node-gyp'))).toBe(false);
  });
});

describe.skipIf(noHiding !== undefined)('where no prebuild fits and there is no compiler', () => {
  let dir = '';
  let installOutput = '';
  beforeAll(() => {
    const done = install('fallback', withoutPrebuild, { hideCompiler: true });
    dir = done.dir;
    installOutput = check(done.result, 'npm install without prebuild or compiler').stdout + done.result.stderr;
  }, 240_000);

  it('installs (the engine is optional) and says why in the install log', () => {
    expect(installOutput).toContain('netstat-native: native engine not available (node-gyp exited with status 1); netstat will use the /proc backend');
    expect(installOutput).toContain('npm rebuild netstat-native');
  });

  it('tells the user once, on stderr, at the first run; then never again', () => {
    const reference = run('/usr/bin/netstat', ['-V'], dir);
    const first = run(bin(dir), ['-V'], dir);
    expect(first.stdout).toBe(reference.stdout);
    expect(first.status).toBe(0);
    expect(first.stderr).toMatch(/^netstat-native: the native engine is not available \(not-built: no native engine file \(looked for .*\)\)\.\n/);
    expect(first.stderr).toContain('netstat-native: to build the engine, install g++, make and python3, then run: npm rebuild netstat-native\n');
    expect(fs.existsSync(path.join(installed(dir), NOTICE_MARKER))).toBe(true);

    const second = run(bin(dir), ['-V'], dir);
    expect({ stdout: second.stdout, stderr: second.stderr, status: second.status }).toEqual({ stdout: reference.stdout, stderr: reference.stderr, status: reference.status });
  });

  it('reports the /proc backend and the reason with --sources', () => {
    const result = run(bin(dir), ['-tln', '--sources'], dir);
    expect(result.status).toBe(0);
    const lines = result.stderr.split('\n');
    expect(lines[0]).toMatch(/^netstat: netstat-native 0\.1\.0, native engine unavailable: not-built: no native engine file/);
    expect(lines[1]).toMatch(/^netstat: tcp\/inet: procfs \(native engine not-built: /);
  });

  it('builds from source once a compiler is there (npm rebuild)', () => {
    check(run('npm', ['rebuild', 'netstat-native', '--foreground-scripts'], dir), 'npm rebuild');
    const result = run(bin(dir), ['-tln', '--sources'], dir);
    expect(result.stderr.split('\n')[0]).toBe(`netstat: netstat-native 0.1.0, native engine: source (${fs.realpathSync(installed(dir))}/build/Release/netstat_native.node)`);
  }, 240_000);
});
