/**
 * Netlink refused by a seccomp filter around the process (seccomp-run.c):
 * socket(AF_NETLINK, *, NETLINK_SOCK_DIAG) fails with EPERM or EACCES, as in
 * a sandbox. net-tools reads /proc only, so it is unaffected; the candidate
 * must fall back to /proc table by table, print exactly what net-tools
 * prints, and say why in the library's report. With NETSTAT_BACKEND=netlink
 * the refusal is raised instead (choose.ts). Everything runs in one private
 * network namespace with fixed sockets (private-net.ts).
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AS_NOBODY, type Command, type Outcome, REFERENCE, candidate, library, privateNetUnavailable, report, runNamed } from './private-net';
import { type Refusal, refused, seccompUnavailable } from './seccomp';

const why = privateNetUnavailable() ?? seccompUnavailable();
if (why !== undefined) console.log(`netlink-refused fault tests skipped: ${why}`);

const AUTO = { NETSTAT_BACKEND: null, NETSTAT_PROC_ROOT: null };
const FORCED = { NETSTAT_BACKEND: 'netlink', NETSTAT_PROC_ROOT: null };
const ERRNOS: Refusal[] = ['EPERM', 'EACCES'];
const STRERROR: Record<Refusal, string> = { EPERM: 'Operation not permitted', EACCES: 'Permission denied' };
/** Socket listings (sock_diag) and modes that never use it, which must not notice the filter. */
const LISTINGS = [['-tan'], ['-uan'], ['-wan'], ['-xa'], ['-an'], ['-tanp'], ['-anpe'], ['-l'], ['-s'], ['-r'], ['-i']];
const ALL_TABLES = ['tcp/inet', 'tcp/inet6', 'udp/inet', 'udp/inet6', 'udplite/inet', 'udplite/inet6', 'raw/inet', 'raw/inet6', 'unix'];

function commands(): Record<string, Command> {
  const c: Record<string, Command> = {};
  for (const errno of ERRNOS) {
    const under = refused(errno, 'sock_diag');
    for (const args of LISTINGS) {
      c[`${errno} reference ${args.join(' ')}`] = { argv: [...under, REFERENCE, ...args] };
      c[`${errno} candidate ${args.join(' ')}`] = { argv: [...under, ...candidate(args)], env: AUTO };
    }
    // Every netlink protocol refused, as uid 65534 too.
    c[`${errno} netlink reference -anp`] = { argv: [...refused(errno, 'netlink'), ...AS_NOBODY, REFERENCE, '-anp'] };
    c[`${errno} netlink candidate -anp`] = { argv: [...refused(errno, 'netlink'), ...AS_NOBODY, ...candidate(['-anp'])], env: AUTO };
    c[`${errno} sources`] = { argv: [...under, ...candidate(['-tan', '--sources'])], env: AUTO };
    c[`${errno} forced -tan`] = { argv: [...under, ...candidate(['-tan'])], env: FORCED };
    c[`${errno} forced -xa`] = { argv: [...under, ...candidate(['-xa'])], env: FORCED };
    c[`${errno} list`] = { argv: [...under, ...library('list', { owners: true })], env: AUTO };
    c[`${errno} forced list`] = { argv: [...under, ...library('list', { protocols: ['udp'] })], env: FORCED };
    c[`${errno} count`] = { argv: [...under, ...library('count', { protocols: ['tcp', 'unix'] })], env: AUTO };
    c[`${errno} watch`] = { argv: [...under, ...library('watch', { protocols: ['tcp'] })], env: AUTO };
  }
  c['no fault list'] = { argv: library('list', { owners: true }), env: AUTO };
  c['no fault watch'] = { argv: library('watch', { protocols: ['tcp'] }), env: AUTO };
  // rtnetlink (NETLINK_ROUTE) refused: only -i uses it.
  for (const args of [['-i'], ['-tan']]) {
    c[`route reference ${args.join(' ')}`] = { argv: [...refused('EPERM', 'route'), REFERENCE, ...args] };
    c[`route candidate ${args.join(' ')}`] = { argv: [...refused('EPERM', 'route'), ...candidate(args)], env: AUTO };
  }
  return c;
}

describe.skipIf(why !== undefined)('netlink refused by seccomp', () => {
  let out: Record<string, Outcome>;
  beforeAll(async () => {
    out = await runNamed(commands());
  });

  it('the filter refuses the fault and nothing else: net-tools still lists every table', () => {
    const listing = out['EPERM reference -an']!;
    expect(listing.status).toBe(0);
    for (const port of [':7101 ', ':7102 ', ':7103 ', ':7104 ', '@faults-root']) expect(listing.stdout).toContain(port);
  });

  for (const errno of ERRNOS) {
    describe(`socket() fails with ${errno}`, () => {
      for (const args of LISTINGS) {
        it(`netstat ${args.join(' ')} prints exactly what net-tools prints`, () => {
          const reference = out[`${errno} reference ${args.join(' ')}`]!;
          expect(out[`${errno} candidate ${args.join(' ')}`]!).toEqual(reference);
        });
      }

      it('as uid 65534 with every netlink protocol refused, netstat -anp matches net-tools (notice included)', () => {
        const reference = out[`${errno} netlink reference -anp`]!;
        expect(reference.stderr).toContain('(Not all processes could be identified');
        expect(out[`${errno} netlink candidate -anp`]!).toEqual(reference);
      });

      it('--sources names the fallback and its reason for each table', () => {
        const r = out[`${errno} sources`]!;
        expect(r.status).toBe(0);
        // (The line naming the engine that --sources prints first is not about tables.)
        const lines = r.stderr.split('\n').filter((line) => line.startsWith('netstat: tcp/'));
        expect(lines).toEqual(
          ['tcp/inet', 'tcp/inet6'].map(
            (table) => `netstat: ${table}: procfs (netlink refused (sock_diag ${table}: cannot open a socket: ${STRERROR[errno]}))`,
          ),
        );
      });

      it('the library reads every table from /proc, with the refusal as reason and code, and the same rows', () => {
        const list = report(out[`${errno} list`]!);
        const control = report(out['no fault list']!);
        expect(list.rows).toEqual(control.rows);
        expect((list.rows as string[]).length).toBeGreaterThanOrEqual(12);
        const tables = list.tables as Array<Record<string, unknown>>;
        expect(tables.map((t) => t.table)).toEqual(ALL_TABLES);
        for (const t of tables) {
          expect(t).toMatchObject({ status: 'ok', backend: 'procfs', reason: expect.stringMatching(/^netlink refused \(sock_diag .*cannot open a socket/) });
        }
        const sources = list.sources as Array<Record<string, unknown>>;
        expect(sources.filter((s) => s.table !== 'owners').every((s) => s.code === errno)).toBe(true);
        // The fd walk reads /proc, not netlink: owners are still found.
        expect(sources.find((s) => s.table === 'owners')).toMatchObject({ backend: 'native' });
        expect(list.rows).toContain('tcp/inet 127.0.0.1:7101 LISTEN 1/python3');
      });

      it('counting falls back the same way', () => {
        const count = report(out[`${errno} count`]!);
        expect(count.groups).toEqual([
          { protocol: 'unix', count: 6 },
          { protocol: 'tcp', count: 5 },
        ]);
        for (const s of count.sources as Array<Record<string, unknown>>) expect(s).toMatchObject({ backend: 'procfs', code: errno });
      });

      it('a watch still lists sockets, finding removals by its dumps instead of notifications', () => {
        expect(report(out[`${errno} watch`]!)).toMatchObject({ first: 'added', stats: { notified: false } });
        expect(report(out['no fault watch']!)).toMatchObject({ first: 'added', stats: { notified: true } });
      });

      it('NETSTAT_BACKEND=netlink raises the refusal: the CLI prints it and exits 255', () => {
        expect(out[`${errno} forced -tan`]).toEqual({
          status: 255,
          stdout: 'Active Internet connections (servers and established)\nProto Recv-Q Send-Q Local Address           Foreign Address         State      \n',
          stderr: `netstat: sock_diag tcp/inet: cannot open a socket: ${STRERROR[errno]}\n`,
        });
        expect(out[`${errno} forced -xa`]).toMatchObject({ status: 255, stderr: `netstat: sock_diag unix: cannot open a socket: ${STRERROR[errno]}\n` });
      });

      it('NETSTAT_BACKEND=netlink: the library rejects with the refusal code (not "table absent")', () => {
        expect(report(out[`${errno} forced list`]!)).toEqual({
          error: { name: 'NetstatError', code: errno, syscall: 'socket', message: `sock_diag udp/inet: cannot open a socket: ${STRERROR[errno]}` },
        });
      });
    });
  }

  describe('rtnetlink (NETLINK_ROUTE) refused', () => {
    it('socket listings do not use it: netstat -tan matches net-tools', () => {
      const reference = out['route reference -tan']!;
      expect(out['route candidate -tan']!).toEqual(reference);
    });

    // net-tools' ioctls need no netlink; the candidate falls back to the same
    // ioctls (interfaces-refused.test.ts covers -i with varied interfaces).
    it('-i prints net-tools\' table exactly', () => {
      const reference = out['route reference -i']!;
      expect(reference).toMatchObject({ status: 0, stderr: '' });
      expect(out['route candidate -i']!).toEqual(reference);
    });
  });
});
