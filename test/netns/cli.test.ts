/**
 * `--netns` and `--all-netns`, differentially: `node dist/cli.js --netns=NAME ARGS` must print
 * byte for byte what `ip netns exec NAME /usr/bin/netstat ARGS` prints (stdout, stderr, exit
 * status), on both backends; `--all-netns` must print, per namespace, a header line and then what
 * net-tools prints inside that namespace.
 *
 * The namespaces are real and made here (test/harness/namespaces.ts):
 * - N: named, a root python3 inside holding TCP listeners (IPv4 and IPv6), connections, a UDP
 *   socket and UNIX listeners (abstract and file-system) with a connection each;
 * - U: unnamed (`unshare -n`), holding a listener and a connection;
 * - E: named and empty.
 *
 * Comparison: as in test/diff (compare.ts `judge`): reference, candidate, reference again; the
 * candidate may equal either reference run, `-o` timer figures are masked, and a case whose
 * outputs differ is run once more before it fails (a timer or a queue may have moved).
 * Sockets of the caller's namespace and namespaces other test files make come and go: only the
 * blocks of the namespaces made here and of the current one are asserted in `--all-netns`.
 */
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { judge, type Mask, type RunResult } from '../diff/compare';
import { cleanupNamespaces, createNamedNamespace, holdSockets, NAMESPACE_NEEDS, NETNS_DIR, startUnnamedNamespace, uniqueName, type NamedNamespace, type SocketHolder, type UnnamedNamespace } from '../harness/namespaces';
import { AS_NOBODY } from '../harness/commands';
import { skipReason } from '../harness/needs';

const REPO = path.resolve(__dirname, '../..');
const CLI = path.join(REPO, 'dist/cli.js');
const DISCOVER = path.join(REPO, 'dist/netns/discover.js');
const REFERENCE = '/usr/bin/netstat';
const PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

const unavailable = skipReason('the --netns differential tests', { ...NAMESPACE_NEEDS, commands: [...NAMESPACE_NEEDS.commands!, 'setpriv'], oracle: true });

const BACKENDS = ['netlink', 'procfs'] as const;
type Backend = (typeof BACKENDS)[number];

let N: NamedNamespace;
let holderN: SocketHolder;
let U: UnnamedNamespace;
let E: NamedNamespace;
let tmp: string;

// ---------------------------------------------------------------------------
// Running programs

interface Options {
  env?: Record<string, string>;
  user?: 'nobody';
}

/** Run a command as the differential harness does: fixed PATH (plus `env`), cwd /, stdin /dev/null. */
function run(argv: string[], options: Options = {}): RunResult {
  const drop = options.user === 'nobody' ? AS_NOBODY : [];
  const command = [...drop, ...argv];
  const started = Date.now();
  const result = spawnSync(command[0]!, command.slice(1), {
    encoding: 'utf8',
    env: { PATH, ...options.env },
    cwd: '/',
    stdio: ['ignore', 'pipe', 'pipe'],
    timeout: 120_000,
    // --all-netns lists every namespace of the machine: other jobs' may hold many sockets.
    maxBuffer: 1 << 30,
  });
  if (result.error !== undefined && (result.error as NodeJS.ErrnoException).code !== 'ETIMEDOUT') throw result.error;
  return {
    stdout: result.stdout,
    stderr: result.stderr,
    code: result.status,
    signal: result.signal,
    timedOut: (result.error as NodeJS.ErrnoException | undefined)?.code === 'ETIMEDOUT',
    interrupted: false,
    ms: Date.now() - started,
  };
}

function candidate(args: string[], options: Options = {}): RunResult {
  return run([process.execPath, CLI, ...args], options);
}

/**
 * Reference, candidate, reference again, judged as test/diff judges them; once more if they
 * differ. Fails the test with the unified diff of the last attempt.
 */
function expectSame(reference: string[], cand: string[], options: Options = {}, masks: Mask[] = []): RunResult {
  let last = '';
  for (let attempt = 1; attempt <= 2; attempt++) {
    const ref1 = run(reference, options);
    const got = candidate(cand, options);
    const ref2 = run(reference, options);
    const verdict = judge(ref1, got, ref2, masks);
    if (verdict.equal) return got;
    last = verdict.report;
  }
  expect.fail(`${cand.join(' ')} vs ${reference.join(' ')}:\n${last}`);
}

const backendEnv = (backend: Backend): Record<string, string> => ({ NETSTAT_BACKEND: backend });
const masksFor = (args: string[]): Mask[] => (args.some((a) => /^-[^-]*o/.test(a) || a === '--timers') ? ['timers'] : []);

/** The header line `--all-netns` prints over a namespace's listing. */
function header(ns: { inode: number; name?: string; pid?: number; current: boolean }): string {
  const about = [ns.name && `name ${ns.name}`, ns.pid !== undefined && `pid ${ns.pid}`, ns.current && 'current'].filter(Boolean);
  return `Network namespace net:[${ns.inode}]${about.length > 0 ? ` (${about.join(', ')})` : ''}\n`;
}

interface Discovered {
  inode: number;
  name?: string;
  pid?: number;
  path: string;
  current: boolean;
}

/** The namespaces as the built discovery lists them. */
function discover(): Discovered[] {
  const { listNamespaces } = createRequire(__filename)(DISCOVER) as { listNamespaces: () => { namespaces: Discovered[] } };
  return listNamespaces().namespaces;
}

// ---------------------------------------------------------------------------

/** net-tools' arguments compared in the named namespace. */
const ARGS: string[][] = [
  ['-tan'],
  ['-tanp'],
  ['-tlnp'],
  ['-uan'],
  ['-uanp'],
  ['-an'],
  ['-anp'],
  ['-lnp'],
  ['-xa'],
  ['-xap'],
  ['-xl'],
  ['-tn'],
  ['-ta'],
  ['-tanoe'],
  ['-tanee'],
  ['-antW'],
  ['-A', 'inet', '-n'],
  ['-A', 'inet6', '-an'],
  ['-ln', '--inet6'],
  ['-tuwn', '-a'],
  ['-lv'],
];

describe.skipIf(unavailable !== undefined)('--netns and --all-netns', { timeout: 300_000 }, () => {
  beforeAll(async () => {
    if (!fs.existsSync(CLI) || !fs.existsSync(DISCOVER)) throw new Error(`${CLI} is missing: run \`npm run build\` first`);
    tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'nscli-'));
    fs.chmodSync(tmp, 0o755);
    N = createNamedNamespace(uniqueName('nscli'));
    holderN = await holdSockets(N, {
      listen: [0, 0],
      connections: 2,
      udp: 0,
      listen6: [0],
      unix: [`@${N.name}`, path.join(tmp, 'server.sock')],
    });
    U = await startUnnamedNamespace({ listen: [0], connections: 1 });
    E = createNamedNamespace(uniqueName('nscli'));
  });

  afterAll(async () => {
    await cleanupNamespaces();
    if (tmp !== undefined) fs.rmSync(tmp, { recursive: true, force: true });
  });

  describe.each(BACKENDS)('NETSTAT_BACKEND=%s', (backend) => {
    const env = backendEnv(backend);

    it.each(ARGS.map((args) => [args.join(' '), args] as const))('--netns=NAME %s = ip netns exec NAME netstat', (_, args) => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, ...args], [`--netns=${N.name}`, ...args], { env }, masksFor(args));
    });

    it('the listing has the sockets made (the comparison is not vacuous)', () => {
      const got = candidate([`--netns=${N.name}`, '-anp'], { env });
      expect(got.code).toBe(0);
      for (const port of [...holderN.sockets.listening, ...holderN.sockets.connections.flat()]) expect(got.stdout).toContain(`127.0.0.1:${port} `);
      expect(got.stdout).toContain(`::1:${holderN.sockets.listening6[0]} `);
      expect(got.stdout).toContain(`127.0.0.1:${holderN.sockets.udp} `);
      expect(got.stdout).toContain(`@${N.name}\n`);
      expect(got.stdout).toContain(`${path.join(tmp, 'server.sock')}\n`);
      expect(got.stdout).toContain(`${holderN.pid}/python3`);
    });

    it('--netns NAME (separate argument), -tan', () => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, '-tan'], ['--netns', N.name, '-tan'], { env });
    });

    it('--netns=PATH (the bind mount), -tan', () => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, '-tan'], [`--netns=${NETNS_DIR}/${N.name}`, '-tan'], { env });
    });

    it('--netns=/proc/PID/ns/net, -tlnp', () => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, '-tlnp'], [`--netns=/proc/${holderN.pid}/ns/net`, '-tlnp'], { env });
    });

    it('--netns=PID, -tanp', () => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, '-tanp'], [`--netns=${holderN.pid}`, '-tanp'], { env });
    });

    it('--netns=PID of an unnamed namespace, -anp', () => {
      expectSame(['nsenter', `--net=/proc/${U.pid}/ns/net`, REFERENCE, '-anp'], [`--netns=${U.pid}`, '-anp'], { env });
    });

    it('the last of --netns and --all-netns wins', () => {
      expectSame(['ip', 'netns', 'exec', N.name, REFERENCE, '-tan'], ['--all-netns', `--netns=${N.name}`, '-tan'], { env });
    });

    it('--all-netns -tln: per namespace, a header and what net-tools prints inside it', () => {
      const mine = new Set([N.inode, U.inode, E.inode]);
      let problems: string[] = [];
      for (let attempt = 1; attempt <= 2; attempt++) {
        problems = [];
        const before = discover();
        const got = candidate(['--all-netns', '-tln'], { env });
        const after = discover();
        expect(got.code).toBe(0);
        const known = [...before, ...after];
        const current = before.find((ns) => ns.current)!;
        const ours = before.filter((ns) => mine.has(ns.inode));
        expect(ours.map((ns) => ns.inode).sort()).toEqual([...mine].sort());
        expect(before[0]).toBe(current);
        expect(ours.map(header).sort()).toEqual(
          [
            `Network namespace net:[${N.inode}] (name ${N.name}, pid ${holderN.pid})\n`,
            `Network namespace net:[${U.inode}] (pid ${U.pid})\n`,
            `Network namespace net:[${E.inode}] (name ${E.name})\n`,
          ].sort(),
        );

        // Each expected block: the header and net-tools' output inside the namespace (run before
        // and after the candidate, for the current namespace whose listeners may move).
        const at: number[] = [];
        for (const ns of [current, ...ours]) {
          const headerLines = [header(ns), ...known.filter((k) => k.inode === ns.inode).map(header)];
          const unreadable = backend === 'procfs' && ns.inode === E.inode;
          const reference = unreadable ? [] : [run(['nsenter', `--net=${ns.path}`, REFERENCE, '-tln'], { env }).stdout];
          const blocks = headerLines.flatMap((h) => (unreadable ? [h] : reference.map((r) => h + r)));
          const found = blocks.map((b) => got.stdout.indexOf(b)).filter((k) => k >= 0);
          if (found.length === 0) problems.push(`no block for ${header(ns).trim()}; expected:\n${blocks[0]}\ngot:\n${got.stdout}`);
          at.push(found[0] ?? -1);
        }
        if (problems.length === 0) {
          // The current namespace first, the others by inode.
          expect(at[0]).toBe(0);
          expect(at.slice(1)).toEqual([...at.slice(1)].sort((a, b) => a - b));
          // Our namespaces' headers are not repeated.
          for (const ns of ours) expect(got.stdout.split(`Network namespace net:[${ns.inode}]`).length - 1).toBe(1);
          // Nothing on stderr about the namespaces that must be readable.
          for (const ns of [current, ...ours]) {
            if (backend === 'procfs' && ns.inode === E.inode) continue;
            expect(got.stderr).not.toContain(ns.name ?? `net:[${ns.inode}]`);
          }
          if (backend === 'procfs') {
            // The empty one cannot be shown through /proc: one line on stderr, and the others still print.
            const lines = got.stderr.split('\n').filter((l) => l.includes(E.name));
            expect(lines).toHaveLength(1);
            expect(lines[0]).toMatch(new RegExp(`^netstat: (cannot read network namespace ${E.name}|network namespace ${E.name} has no process inside it)`));
          }
          return;
        }
      }
      expect.fail(problems.join('\n\n'));
    });

    it('--all-netns as uid 65534: unreadable namespaces on stderr, the current one printed', () => {
      const got = candidate(['--all-netns', '-tln'], { env, user: 'nobody' });
      expect(got.code).toBe(0);
      const own = run([REFERENCE, '-tln'], { env }).stdout;
      expect(got.stdout).toMatch(/^Network namespace net:\[\d+\] \(pid \d+, current\)\nActive Internet connections \(only servers\)\n/);
      for (const ns of [N, E]) {
        expect(got.stdout).toContain(`Network namespace net:[${ns.inode}] (name ${ns.name})\n`);
        const line = got.stderr.split('\n').find((l) => l.includes(ns.name));
        if (backend === 'netlink') expect(line).toMatch(new RegExp(`^netstat: cannot read network namespace ${ns.name}: Operation not permitted`));
        else expect(line).toMatch(new RegExp(`^netstat: network namespace ${ns.name} has no process inside it`));
      }
      // Root's unshare'd holder cannot be seen by uid 65534: its namespace is not listed.
      expect(got.stdout).not.toContain(`net:[${U.inode}]`);
      expect(own.split('\n').slice(0, 2).join('\n')).toBe('Active Internet connections (only servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      ');
    });

    it('--all-netns --json -tln: one document per namespace, with its netns', () => {
      const got = candidate(['--all-netns', '--json', '-tln'], { env });
      expect(got.code).toBe(0);
      const docs = got.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as {
        mode: string;
        netns: { inode: number; name?: string; pid?: number };
        inet: Array<{ localAddress: string; localPort: number; stateName: string; netns: unknown }>;
        unix: unknown[];
      });
      expect(docs.length).toBeGreaterThanOrEqual(3);
      for (const doc of docs) {
        expect(doc.mode).toBe('sockets');
        expect(typeof doc.netns.inode).toBe('number');
        for (const s of doc.inet) expect(s.netns).toEqual(doc.netns);
      }
      expect(`net:[${docs[0]!.netns.inode}]`).toBe(fs.readlinkSync('/proc/self/ns/net'));
      const inodes = docs.map((d) => d.netns.inode);
      expect(new Set(inodes).size).toBe(inodes.length);
      expect(inodes.slice(1)).toEqual([...inodes.slice(1)].sort((a, b) => a - b));

      const listeners = (doc: (typeof docs)[number]) => doc.inet.map((s) => `${s.localAddress}:${s.localPort} ${s.stateName}`).sort();
      const n = docs.find((d) => d.netns.inode === N.inode)!;
      expect(n.netns).toEqual({ inode: N.inode, name: N.name, pid: holderN.pid });
      expect(listeners(n)).toEqual(
        [...holderN.sockets.listening.map((p) => `127.0.0.1:${p} LISTEN`), ...holderN.sockets.listening6.map((p) => `::1:${p} LISTEN`)].sort(),
      );
      const u = docs.find((d) => d.netns.inode === U.inode)!;
      expect(u.netns).toEqual({ inode: U.inode, pid: U.pid });
      expect(listeners(u)).toEqual(U.sockets.listening.map((p) => `127.0.0.1:${p} LISTEN`).sort());
      const e = docs.find((d) => d.netns.inode === E.inode);
      if (backend === 'netlink') {
        expect(e?.netns).toEqual({ inode: E.inode, name: E.name });
        expect(e?.inet).toEqual([]);
      } else {
        expect(e).toBeUndefined();
        expect(got.stderr).toContain(E.name);
      }
    });

    it('--all-netns --ndjson and --netns --ndjson: records carry netns', () => {
      const all = candidate(['--all-netns', '--ndjson', '-tln'], { env });
      expect(all.code).toBe(0);
      const records = all.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; localPort: number; netns?: { inode: number } });
      for (const r of records) expect(r.netns, JSON.stringify(r)).toBeDefined();
      const inN = records.filter((r) => r.netns!.inode === N.inode);
      expect(inN.map((r) => r.localPort).sort()).toEqual([...holderN.sockets.listening, ...holderN.sockets.listening6].sort());
      for (const r of inN) expect(r.netns).toEqual({ inode: N.inode, name: N.name, pid: holderN.pid });
      const inU = records.filter((r) => r.netns!.inode === U.inode);
      expect(inU.map((r) => r.localPort)).toEqual(U.sockets.listening);
      for (const r of inU) expect(r.netns).toEqual({ inode: U.inode, pid: U.pid });

      const one = candidate([`--netns=${N.name}`, '--ndjson', '-an'], { env });
      expect(one.code).toBe(0);
      const own = one.stdout.split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as { kind: string; netns?: unknown });
      expect(own.some((r) => r.kind === 'unix')).toBe(true);
      for (const r of own) expect(r.netns).toEqual({ inode: N.inode, name: N.name, pid: holderN.pid });
    });
  });

  describe('the named-empty namespace (netlink)', () => {
    const env = backendEnv('netlink');

    it('--netns=EMPTY -tan = ip netns exec EMPTY netstat -tan', () => {
      expectSame(['ip', 'netns', 'exec', E.name, REFERENCE, '-tan'], [`--netns=${E.name}`, '-tan'], { env });
    });

    it('--netns=EMPTY -an = ip netns exec EMPTY netstat -an (RAW included)', () => {
      expectSame(['ip', 'netns', 'exec', E.name, REFERENCE, '-an'], [`--netns=${E.name}`, '-an'], { env });
      expectSame(['ip', 'netns', 'exec', E.name, REFERENCE, '-wan'], [`--netns=${E.name}`, '-wan'], { env });
    });

    it('--netns=EMPTY on procfs: an error naming it, exit 1', () => {
      const got = candidate([`--netns=${E.name}`, '-tan'], { env: backendEnv('procfs') });
      expect(got).toMatchObject({ code: 1, stdout: '' });
      expect(got.stderr).toMatch(new RegExp(`^netstat: network namespace ${E.name} has no process inside it[^\\n]*\\n$`));
    });
  });

  describe('errors', () => {
    it('an unknown namespace: one line on stderr, exit 1', () => {
      for (const target of [`nscli-no-such-${process.pid}`, `/nonexistent/nscli-${process.pid}`, '2147483646']) {
        const got = candidate([`--netns=${target}`, '-tan']);
        expect({ target, code: got.code, stdout: got.stdout }).toEqual({ target, code: 1, stdout: '' });
        expect(got.stderr.split('\n')).toHaveLength(2);
      }
      const got = candidate([`--netns=nscli-no-such-${process.pid}`, '-tan']);
      expect(got.stderr).toMatch(new RegExp(`^netstat: network namespace "nscli-no-such-${process.pid}" not found`));
    });

    it.each([['-s'], ['-r'], ['-i'], ['-M'], ['-s', '-t'], ['-ie']])('--netns=NAME / --all-netns with %s: exit 1', (...mode) => {
      for (const args of [[`--netns=${N.name}`, ...mode], [...mode, `--netns=${N.name}`], ['--all-netns', ...mode]]) {
        const got = candidate(args);
        expect({ args, code: got.code, stdout: got.stdout }).toEqual({ args, code: 1, stdout: '' });
        expect(got.stderr).toMatch(/^netstat: [^\n]*--netns[^\n]*\n$/);
      }
    });

    it('--netns without its argument: getopt\'s "requires an argument", as net-tools words it for --protocol', () => {
      for (const [args, referenceArgs] of [
        [['--netns'], ['--protocol']],
        [['-tan', '--netns'], ['-tan', '--protocol']],
      ] as const) {
        const got = candidate([...args]);
        const reference = run([REFERENCE, ...referenceArgs]);
        expect(got.stderr).toContain("/usr/bin/netstat: option '--netns' requires an argument\n");
        expect({ stdout: got.stdout, stderr: got.stderr, code: got.code }).toEqual({
          stdout: reference.stdout,
          stderr: reference.stderr.replace("'--protocol'", "'--netns'"),
          code: reference.code,
        });
      }
    });

    it.each([
      ['--netn=x'],
      ['--netn', 'x'],
      ['--netn'],
      ['--all-net'],
      ['--all-netn'],
      ['--all-n'],
      ['--all-'],
      ['--all-net', '-tan'],
      ['-tan', '--netn=x'],
      ['--net'],
      ['--n'],
    ])('abbreviation %s: treated as net-tools treats it', (...args) => {
      expectSame([REFERENCE, ...args], args);
    });
  });
});
