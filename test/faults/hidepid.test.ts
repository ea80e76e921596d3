/**
 * /proc mounted with hidepid in a private mount + PID namespace, read by
 * uid 65534 (private-net.ts mounts it; sockets are held by root and by a
 * uid-65534 process). Other users' processes then cannot be read at all:
 *
 * - hidepid=0: their `fd` directories give EACCES — net-tools prints its
 *   "(Not all processes could be identified …)" notice;
 * - hidepid=1: every `/proc/PID/*` of theirs gives EPERM — net-tools skips
 *   them silently (it only counts EACCES), so no notice;
 * - hidepid=2: their `/proc/PID` directories are not listed at all.
 *
 * In each case the CLI must print exactly what net-tools prints (both
 * backends, both fd walks), and the library must name the owners it can see
 * and report the walk as net-tools counts it.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AS_NOBODY, type Command, type Outcome, REFERENCE, candidate, library, privateNetUnavailable, report, runNamed } from './private-net';

const why = privateNetUnavailable();
if (why !== undefined) console.log(`hidepid fault tests skipped: ${why}`);

const LEVELS = [0, 1, 2] as const;
/** auto: the netlink tables and the native fd walk; procfs: /proc tables and the TypeScript walk. */
const BACKENDS = { auto: null, procfs: 'procfs' } as const;
const LISTINGS = [['-tanp'], ['-anp'], ['-xap'], ['-tanpe'], ['-lnp']];
const NOTICE = '(Not all processes could be identified, non-owned process info\n will not be shown, you would have to be root to see it all.)\n';

function commands(): Record<string, Command> {
  const c: Record<string, Command> = {};
  for (const args of LISTINGS) c[`reference ${args.join(' ')}`] = { argv: [...AS_NOBODY, REFERENCE, ...args] };
  c['reference root -anp'] = { argv: [REFERENCE, '-anp'] };
  for (const [name, backend] of Object.entries(BACKENDS)) {
    const env = { NETSTAT_BACKEND: backend, NETSTAT_PROC_ROOT: null };
    for (const args of LISTINGS) c[`${name} ${args.join(' ')}`] = { argv: [...AS_NOBODY, ...candidate(args)], env };
    c[`${name} root -anp`] = { argv: candidate(['-anp']), env };
    c[`${name} list`] = { argv: [...AS_NOBODY, ...library('list', { protocols: ['tcp'], owners: 'all' })], env };
  }
  return c;
}

describe.skipIf(why !== undefined)('hidepid, read as uid 65534', () => {
  for (const level of LEVELS) {
    describe(`hidepid=${level}`, () => {
      let out: Record<string, Outcome>;
      beforeAll(async () => {
        out = await runNamed(commands(), level === 0 ? {} : { hidepid: level });
      });

      it(`net-tools ${level === 0 ? 'prints' : 'does not print'} its notice, and names only the user's own process`, () => {
        const reference = out['reference -tanp']!;
        expect(reference.status).toBe(0);
        expect(reference.stderr).toBe(level === 0 ? NOTICE : '');
        expect(reference.stdout).toMatch(/127\.0\.0\.1:7104 .* LISTEN +\d+\/python3 +\n/);
        expect(reference.stdout).toMatch(/127\.0\.0\.1:7101 .* LISTEN +- +\n/);
      });

      for (const backend of Object.keys(BACKENDS)) {
        for (const args of LISTINGS) {
          it(`${backend}: netstat ${args.join(' ')} prints exactly what net-tools prints`, () => {
            expect(out[`${backend} ${args.join(' ')}`]).toEqual(out[`reference ${args.join(' ')}`]);
          });
        }

        it(`${backend}: as root every process is seen, as by net-tools`, () => {
          expect(out[`${backend} root -anp`]).toEqual(out['reference root -anp']);
          expect(out['reference root -anp']!.stdout).toMatch(/127\.0\.0\.1:7101 .* LISTEN +1\/python3 +\n/);
        });

        it(`${backend}: the library names the visible owner only, and counts the denial as net-tools does`, () => {
          const list = report(out[`${backend} list`]!);
          const rows = list.rows as string[];
          expect(rows).toContainEqual(expect.stringMatching(/^tcp\/inet 127\.0\.0\.1:7104 LISTEN \d+\/python3$/));
          // Root's four sockets (7101 listening and both ends of its connection, ::1:7102): no owner.
          const others = rows.filter((r) => !r.startsWith('tcp/inet 127.0.0.1:7104 '));
          expect(others).toHaveLength(4);
          for (const r of others) expect(r).toMatch(/ -$/);
          // Only the root runner (PID 1) is hidden from the user; hidepid=1's EPERM
          // and hidepid=2's invisible directories are not "denied" (no notice either).
          expect(list.ownerWalk).toMatchObject({ denied: level === 0 ? 1 : 0, vanished: 0, procUnreadable: false, method: 'proc' });
          // Not root: the engine's walk is the /proc one, and says why (the TypeScript walk says nothing).
          if (backend === 'auto') expect(list.ownerWalk).toMatchObject({ methodReason: expect.stringContaining('BPF walk unavailable: not root') });
        });
      }
    });
  }
});
