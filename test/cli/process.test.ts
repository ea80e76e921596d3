/**
 * The CLI as a process: exit statuses, streams, the -c/SIGINT behaviour
 * (write errors: write-errors.test.ts), and /proc trouble handled without stack traces. Runs the built
 * `dist/cli.js` (`npm test` builds it first).
 */
import { spawn, spawnSync } from 'node:child_process';
import { closeSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { asRun, runBatch } from '../harness/batch';
import { ORACLE_ENV } from '../harness/commands';
import { skipReason } from '../harness/needs';
import { CLI, ORACLE } from '../harness/paths';

const cli = CLI;
const noNamespaces = skipReason('the CLI as nobody in private namespaces', { unshare: ['net', 'pid', 'mount'], commands: ['python3'], oracle: true });

function netstat(args: string[], env: Record<string, string> = {}) {
  // A fixture tree exists only as files: with NETSTAT_PROC_ROOT the /proc backend must read it,
  // whichever backend the suite runs under.
  const backend = env.NETSTAT_PROC_ROOT !== undefined ? { NETSTAT_BACKEND: 'procfs' } : {};
  const r = spawnSync(process.execPath, [cli, ...args], { env: { ...process.env, ...env, ...backend }, encoding: 'latin1' });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'netstat-cli-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** A proc tree with only the given net/ files (content by name; null = a symlink loop). */
function procTree(name: string, files: Record<string, string | null>): string {
  const root = path.join(tmp, name);
  mkdirSync(path.join(root, 'net'), { recursive: true });
  for (const [file, content] of Object.entries(files)) {
    const target = path.join(root, 'net', file);
    if (content === null) symlinkSync(target, target);
    else writeFileSync(target, content);
  }
  return root;
}

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';

describe('netstat as a process', () => {
  it('names itself /usr/bin/netstat in option errors when run as node dist/cli.js, or NETSTAT_ARGV0', () => {
    const r = netstat(['--bogus']);
    expect(r.status).toBe(3);
    expect(r.stdout).toBe('');
    expect(r.stderr.split('\n')[0]).toBe("/usr/bin/netstat: unrecognized option '--bogus'");
    expect(netstat(['-q'], { NETSTAT_ARGV0: 'netstat' }).stderr.split('\n')[0]).toBe("netstat: invalid option -- 'q'");
  });

  it('prints the version on stdout with status 0', () => {
    const r = netstat(['-V']);
    expect([r.status, r.stdout.split('\n')[0], r.stderr]).toEqual([0, 'net-tools 2.10', '']);
  });

  it('reports an explicitly requested missing table and stops with status 1', () => {
    const root = procTree('no-tcp', { unix: 'Num       RefCount Protocol Flags    Type St Inode Path\n' });
    const r = netstat(['-tn'], { NETSTAT_PROC_ROOT: root });
    expect(r.status).toBe(1);
    expect(r.stderr).toBe("netstat: no support for `AF INET (tcp)' on this system.\n");
    expect(r.stdout).toBe('Active Internet connections (w/o servers)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \n');
    // Implied by -4, the same absence is silent and not an error.
    const implied = netstat(['-4', '-n'], { NETSTAT_PROC_ROOT: root });
    expect([implied.status, implied.stderr]).toEqual([0, '']);
  });

  it('reports other open errors like perror, with status 255', () => {
    const root = procTree('loop', { tcp: null });
    const r = netstat(['-tn'], { NETSTAT_PROC_ROOT: root });
    expect(r.status).toBe(255);
    expect(r.stderr).toBe(`${path.join(root, 'net', 'tcp')}: Too many levels of symbolic links\n`);
  });

  it('warns once per malformed line and prints the others', () => {
    const root = procTree('bogus', {
      tcp: TCP_HEADER + 'garbage\n   0: 0100007F:0016 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 4242 1 0 100 0 0 10 0\n',
    });
    const r = netstat(['-tln', '-4'], { NETSTAT_PROC_ROOT: root });
    expect(r.stderr).toBe('warning, got bogus tcp line.\n');
    expect(r.stdout.split('\n')[2]).toBe('tcp        0      0 127.0.0.1:22            0.0.0.0:*               LISTEN     ');
  });

  it('reads its arguments as bytes: not UTF-8, or cut by the 255-byte -A buffer inside a character', () => {
    // Arguments that are not UTF-8 can only be passed through a shell here (Node's spawn takes text).
    const run = (list: string) =>
      spawnSync('sh', ['-c', `exec "$0" "$1" -A "$(printf '${list}')"`, process.execPath, cli], { encoding: 'latin1' });
    expect(run('inet,\\377\\376').stderr).toBe("Unknown address family `\xff\xfe'.\n");
    // 254 bytes of x, then the two bytes of é: byte 255 is the first of them.
    const cut = run('x'.repeat(254) + '\\303\\251');
    expect([cut.status, cut.stderr]).toEqual([1, `Unknown address family \`${'x'.repeat(254)}\xc3'.\n`]);
  });

  it('warns about a bogus UNIX line at its place among the rows (seen when stderr joins stdout)', () => {
    // A socket path with a newline splits its /proc/net/unix line: the second part is bogus.
    const header = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
    const line = (k: number) => `0000000000000000: 00000002 00000000 00010000 0001 01 ${1000 + k} /s${k}.sock\n`;
    const before = Array.from({ length: 120 }, (_, k) => line(k)).join('');
    const after = Array.from({ length: 5 }, (_, k) => line(200 + k)).join('');
    const root = procTree('bogus-unix', { unix: header + before + line(150).replace('.sock', '-new') + 'line.sock\n' + after });
    const env = { ...process.env, NETSTAT_PROC_ROOT: root, NETSTAT_BACKEND: 'procfs' };
    const separate = spawnSync(process.execPath, [cli, '-xln'], { env, encoding: 'latin1' });
    expect([separate.status, separate.stderr]).toEqual([0, 'warning, got bogus unix line.\n']);
    const file = path.join(tmp, 'merged.out');
    const fd = openSync(file, 'w');
    spawnSync(process.execPath, [cli, '-xln'], { env, stdio: ['ignore', fd, fd] });
    closeSync(fd);
    // net-tools warns when it reads the line, after the row before it; by then stdio has written
    // the whole 4096-byte blocks of what came before (stdout is a file here).
    const upTo = separate.stdout.indexOf('/s150-new\n') + '/s150-new\n'.length;
    const written = Math.floor((upTo - 1) / 4096) * 4096;
    expect(written).toBeGreaterThan(0);
    expect(readFileSync(file, 'latin1')).toBe(separate.stdout.slice(0, written) + 'warning, got bogus unix line.\n' + separate.stdout.slice(written));
  });

  it.skipIf(noNamespaces !== undefined)('as nobody with no readable socket holder, says so as net-tools does', async () => {
    // Both programs run in one pair of fresh network and PID namespaces, as nobody, beside a
    // root holder of a few thousand sockets (test/scenario/crowd.py: a dump and the fd walk are
    // likely to overlap); the holder's fd directory is the unreadable one. In those namespaces
    // only root's processes exist beside ours: no socket can be identified, so net-tools prints
    // its "No info" notice. Our own transient netlink socket must not count as an identified one.
    const [step] = await runBatch(
      {
        scenario: { name: 'crowd' },
        steps: [{ runs: [{ argv: [ORACLE, '-tanp'], env: ORACLE_ENV, user: 'nobody' }, { argv: [process.execPath, cli, '-tanp'], env: process.env, user: 'nobody' }] }],
      },
      { net: true, pid: true, mountProc: true, loUp: true },
    );
    const [reference, ours] = step!.runs.map(asRun);
    expect(reference!.stderr).toContain('(No info could be read for "-p"');
    expect(ours).toEqual(reference);
  });

  it('repeats every second under -c until interrupted, without noise', async () => {
    const child = spawn(process.execPath, [cli, '-c', '-tn'], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    await new Promise((resolve) => setTimeout(resolve, 2500));
    child.kill('SIGINT');
    const signal = await new Promise<string | null>((resolve) => child.on('exit', (_code, sig) => resolve(sig)));
    expect(signal).toBe('SIGINT');
    expect(stderr).toBe('');
    const passes = stdout.split('Active Internet connections (w/o servers)\n').length - 1;
    expect(passes).toBeGreaterThanOrEqual(2);
    expect(passes).toBeLessThanOrEqual(4);
  });
});
