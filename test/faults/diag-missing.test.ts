/**
 * One diag module missing: sock_diag answers some protocols and refuses
 * another with ENOENT. seccomp cannot produce this (the protocol is inside
 * the sendmsg payload, which a filter cannot read), so the fault used is a
 * real one: a kernel built without CONFIG_INET_RAW_DIAG, which refuses RAW
 * dumps with ENOENT while TCP/UDP/UNIX dump normally. diag-probe.py checks
 * that independently of the engine; on a kernel that has raw_diag the tests
 * skip and say so. The documented fallback (choose.ts): that table alone
 * goes to /proc, with the reason, even when netlink is forced.
 */
import { spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type Command, type Outcome, REFERENCE, candidate, library, privateNetUnavailable, report, runNamed } from './private-net';

const IPPROTO_RAW = 255;

function rawDiagState(): string {
  const probe = spawnSync('python3', [path.join(__dirname, 'diag-probe.py'), String(IPPROTO_RAW)], { encoding: 'utf8' });
  return probe.status === 0 ? probe.stdout.trim() : `probe failed: ${probe.stderr.trim()}`;
}

const why = privateNetUnavailable() ?? (rawDiagState() === 'missing' ? undefined : `this kernel has no missing diag module to test (raw_diag: ${rawDiagState()})`);
if (why !== undefined) console.log(`missing-diag-module fault tests skipped: ${why}`);

const BACKENDS = { auto: null, netlink: 'netlink' } as const;
const LISTINGS = [['-wan'], ['-an'], ['-wanp'], ['-wane'], ['--raw', '-a', '-4']];
const ENOENT_REASON = /^the kernel cannot dump this protocol over sock_diag \(sock_diag raw\/inet6?: .*No such file or directory\)$/;

function commands(): Record<string, Command> {
  const c: Record<string, Command> = {};
  for (const args of LISTINGS) c[`reference ${args.join(' ')}`] = { argv: [REFERENCE, ...args] };
  for (const [name, backend] of Object.entries(BACKENDS)) {
    const env = { NETSTAT_BACKEND: backend, NETSTAT_PROC_ROOT: null };
    for (const args of LISTINGS) c[`${name} ${args.join(' ')}`] = { argv: candidate(args), env };
    c[`${name} sources`] = { argv: candidate(['-wat', '--sources']), env };
    c[`${name} list`] = { argv: library('list', { protocols: ['raw', 'tcp'], owners: true }), env };
    c[`${name} count`] = { argv: library('count', { protocols: ['raw', 'udp'] }), env };
  }
  return c;
}

describe.skipIf(why !== undefined)('a protocol without its diag module (RAW, ENOENT)', () => {
  let out: Record<string, Outcome>;
  beforeAll(async () => {
    out = await runNamed(commands());
  });

  it('net-tools lists the raw sockets held in the namespace', () => {
    expect(out['reference -wan']!.stdout).toMatch(/^raw {8}0 {6}0 0\.0\.0\.0:1 /m);
    expect(out['reference -wan']!.stdout).toMatch(/^raw6 {7}0 {6}0 :::58 /m);
  });

  for (const backend of Object.keys(BACKENDS)) {
    describe(`NETSTAT_BACKEND=${backend === 'auto' ? '(unset)' : backend}`, () => {
      for (const args of LISTINGS) {
        it(`netstat ${args.join(' ')} prints exactly what net-tools prints`, () => {
          expect(out[`${backend} ${args.join(' ')}`]).toEqual(out[`reference ${args.join(' ')}`]);
        });
      }

      it('--sources: RAW from /proc with the reason, TCP from netlink', () => {
        const lines = out[`${backend} sources`]!.stderr.split('\n').filter((line) => /^netstat: (raw|tcp)\//.test(line));
        const tcpReason = backend === 'auto' ? 'native engine loaded' : 'forced by NETSTAT_BACKEND=netlink';
        expect(lines.filter((line) => line.startsWith('netstat: tcp/'))).toEqual([
          `netstat: tcp/inet: netlink (${tcpReason})`,
          `netstat: tcp/inet6: netlink (${tcpReason})`,
        ]);
        const raw = lines.filter((line) => line.startsWith('netstat: raw/'));
        expect(raw).toHaveLength(2);
        for (const line of raw) expect(line.replace(/^netstat: raw\/inet6?: procfs \((.*)\)$/, '$1')).toMatch(ENOENT_REASON);
      });

      it('the library reports the RAW tables from /proc with code ENOENT, their rows and owners, and TCP from netlink', () => {
        const list = report(out[`${backend} list`]!);
        const byTable = Object.fromEntries((list.tables as Array<Record<string, unknown>>).map((t) => [t.table, t]));
        for (const table of ['raw/inet', 'raw/inet6']) {
          expect(byTable[table]).toMatchObject({ status: 'ok', backend: 'procfs', rows: 1, reason: expect.stringMatching(ENOENT_REASON) });
          expect((list.sources as Array<Record<string, unknown>>).find((s) => s.table === table)).toMatchObject({ code: 'ENOENT' });
        }
        for (const table of ['tcp/inet', 'tcp/inet6']) expect(byTable[table]).toMatchObject({ status: 'ok', backend: 'netlink' });
        expect(list.missing).toEqual([]);
        expect(list.rows).toEqual(expect.arrayContaining(['raw/inet 0.0.0.0:1 CLOSE 1/python3', 'raw/inet6 :::58 CLOSE 1/python3']));
      });

      it('counting takes the same route', () => {
        const count = report(out[`${backend} count`]!);
        expect(count.groups).toEqual([
          { protocol: 'raw', count: 2 },
          { protocol: 'udp', count: 1 },
        ]);
        const raw = (count.sources as Array<Record<string, unknown>>).filter((s) => String(s.table).startsWith('raw/'));
        expect(raw.map((s) => [s.backend, s.code])).toEqual([
          ['procfs', 'ENOENT'],
          ['procfs', 'ENOENT'],
        ]);
      });
    });
  }
});
