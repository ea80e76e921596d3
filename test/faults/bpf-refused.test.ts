/**
 * The BPF fd walk refused from outside the process: a seccomp filter that
 * fails every bpf() call (EPERM, as docker's default profile does, or
 * EACCES), and a caller that is not root (uid 65534). The engine must then
 * read owners through /proc, print exactly what net-tools prints, and say why
 * in `--sources` and in the library's report; NETSTAT_OWNER_WALK=bpf makes it
 * an error that says why. Without a fault the same commands read owners by
 * the BPF iterator. One private network + PID namespace with fixed sockets
 * (private-net.ts).
 *
 * Every command runs holding 600 extra descriptors of /dev/null (inherited by
 * net-tools too, and no socket: no listing changes): on its own the engine
 * prefers /proc below ~500 fds, and the namespace holds fewer.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { AS_NOBODY, type Command, type Outcome, REFERENCE, candidate, library, privateNetUnavailable, report, runNamed } from './private-net';
import { type Refusal, refused, seccompUnavailable } from './seccomp';

const why = privateNetUnavailable() ?? seccompUnavailable() ?? (process.env.NETSTAT_BACKEND === 'procfs' ? 'NETSTAT_BACKEND=procfs: owners are read by the TypeScript walk, never by BPF' : undefined);
if (why !== undefined) console.log(`bpf-refused fault tests skipped: ${why}`);

const HOLD = ['bash', '-c', 'for fd in $(seq 10 609); do eval "exec $fd</dev/null"; done; exec "$@"', 'hold'];
const AUTO = { NETSTAT_BACKEND: null, NETSTAT_PROC_ROOT: null, NETSTAT_OWNER_WALK: null };
const FORCED = { ...AUTO, NETSTAT_OWNER_WALK: 'bpf' };
const ERRNOS: Refusal[] = ['EPERM', 'EACCES'];
const STRERROR: Record<Refusal, string> = { EPERM: 'Operation not permitted', EACCES: 'Permission denied' };
const LISTINGS = [['-tanp'], ['-anp'], ['-lnp'], ['-tanpe'], ['-xap']];
const OWNERS_LINE = /^netstat: owners: .*$/m;

function commands(): Record<string, Command> {
  const c: Record<string, Command> = {};
  const faults: Array<[string, string[]]> = [['none', []], ...ERRNOS.map((e): [string, string[]] => [e, refused(e, 'bpf')])];
  for (const [fault, under] of faults) {
    for (const args of LISTINGS) {
      c[`${fault} reference ${args.join(' ')}`] = { argv: [...HOLD, ...under, REFERENCE, ...args] };
      c[`${fault} candidate ${args.join(' ')}`] = { argv: [...HOLD, ...under, ...candidate(args)], env: AUTO };
    }
    c[`${fault} sources`] = { argv: [...HOLD, ...under, ...candidate(['-tlnp', '--sources'])], env: AUTO };
    c[`${fault} forced`] = { argv: [...HOLD, ...under, ...candidate(['-tlnp'])], env: FORCED };
    c[`${fault} list`] = { argv: [...HOLD, ...under, ...library('list', { owners: true })], env: AUTO };
    c[`${fault} forced list`] = { argv: [...HOLD, ...under, ...library('list', { owners: true })], env: FORCED };
  }
  c['nobody reference -anp'] = { argv: [...HOLD, ...AS_NOBODY, REFERENCE, '-anp'] };
  c['nobody candidate -anp'] = { argv: [...HOLD, ...AS_NOBODY, ...candidate(['-anp'])], env: AUTO };
  c['nobody sources'] = { argv: [...HOLD, ...AS_NOBODY, ...candidate(['-tlnp', '--sources'])], env: AUTO };
  c['nobody forced'] = { argv: [...HOLD, ...AS_NOBODY, ...candidate(['-tlnp'])], env: FORCED };
  c['nobody list'] = { argv: [...HOLD, ...AS_NOBODY, ...library('list', { owners: true })], env: AUTO };
  c['proc forced sources'] = { argv: [...HOLD, ...candidate(['-tlnp', '--sources'])], env: { ...AUTO, NETSTAT_OWNER_WALK: 'proc' } };
  return c;
}

describe.skipIf(why !== undefined)('the BPF fd walk refused', () => {
  let out: Record<string, Outcome>;
  beforeAll(async () => {
    out = await runNamed(commands());
  });

  it('without a fault, owners are read by the BPF iterator, and the listings are net-tools\'', () => {
    expect(OWNERS_LINE.exec(out['none sources']!.stderr)?.[0]).toBe("netstat: owners: native (native engine loaded; fd walk: bpf (the kernel's task_file iterator))");
    for (const args of LISTINGS) expect(out[`none candidate ${args.join(' ')}`]).toEqual(out[`none reference ${args.join(' ')}`]);
    expect(out['none reference -tanp']!.stdout).toMatch(/127\.0\.0\.1:7101 .* LISTEN +1\/python3 +\n/);
    expect(out['none forced']!.status).toBe(0);
    const list = report(out['none list']!);
    expect(list.ownerWalk).toEqual({ denied: 0, vanished: 0, procUnreadable: false, method: 'bpf', methodReason: "the kernel's task_file iterator" });
    expect((list.sources as Array<{ table: string }>).find((s) => s.table === 'owners')).toMatchObject({ backend: 'native', walk: 'bpf' });
    expect(report(out['none forced list']!).ownerWalk).toMatchObject({ method: 'bpf' });
  });

  for (const errno of ERRNOS) {
    describe(`bpf() fails with ${errno}`, () => {
      const reason = `BPF walk unavailable: BPF_PROG_LOAD of the task_file program: ${STRERROR[errno]}`;
      for (const args of LISTINGS) {
        it(`netstat ${args.join(' ')} prints exactly what net-tools prints`, () => {
          const reference = out[`${errno} reference ${args.join(' ')}`]!;
          expect(reference.status).toBe(0);
          expect(out[`${errno} candidate ${args.join(' ')}`]).toEqual(reference);
          expect(reference).toEqual(out[`none reference ${args.join(' ')}`]);
        });
      }

      it('--sources says the fd walk went through /proc, and why', () => {
        expect(OWNERS_LINE.exec(out[`${errno} sources`]!.stderr)?.[0]).toBe(`netstat: owners: native (native engine loaded; fd walk: proc (${reason}))`);
      });

      it('the library reports the method, the reason and the code, and still names every owner', () => {
        const list = report(out[`${errno} list`]!);
        expect(list.ownerWalk).toEqual({ denied: 0, vanished: 0, procUnreadable: false, method: 'proc', methodReason: reason });
        expect((list.sources as Array<{ table: string }>).find((s) => s.table === 'owners')).toEqual({
          table: 'owners',
          backend: 'native',
          walk: 'proc',
          code: errno,
          reason: `native engine loaded; fd walk: proc (${reason})`,
        });
        expect(list.rows).toEqual(report(out['none list']!).rows);
      });

      it('NETSTAT_OWNER_WALK=bpf: an error that says why', () => {
        const message = `NETSTAT_OWNER_WALK=bpf but the BPF fd walk is unavailable: scanning /proc: BPF_PROG_LOAD of the task_file program: ${STRERROR[errno]}`;
        expect(out[`${errno} forced`]).toEqual({ status: 1, stdout: expect.any(String), stderr: `netstat: ${message} (ERR_OWNER_WALK_UNAVAILABLE)\n` });
        expect(report(out[`${errno} forced list`]!)).toEqual({ error: { name: 'NetstatError', code: 'ERR_OWNER_WALK_UNAVAILABLE', syscall: 'bpf', message } });
      });
    });
  }

  describe('not root (uid 65534)', () => {
    const reason = 'BPF walk unavailable: not root (only the /proc walk tells which processes deny access): Operation not permitted';
    it('netstat -anp prints exactly what net-tools prints (notice included)', () => {
      const reference = out['nobody reference -anp']!;
      expect(reference.stderr).toContain('(Not all processes could be identified');
      expect(out['nobody candidate -anp']).toEqual(reference);
    });

    it('--sources and the library say why the walk went through /proc; forced, an error', () => {
      expect(OWNERS_LINE.exec(out['nobody sources']!.stderr)?.[0]).toBe(`netstat: owners: native (native engine loaded; fd walk: proc (${reason}))`);
      expect(report(out['nobody list']!).ownerWalk).toMatchObject({ method: 'proc', methodReason: reason });
      expect(out['nobody forced']!.stderr).toMatch(/^netstat: NETSTAT_OWNER_WALK=bpf but the BPF fd walk is unavailable: scanning \/proc: not root .* \(ERR_OWNER_WALK_UNAVAILABLE\)\n$/);
      expect(out['nobody forced']!.status).toBe(1);
    });
  });

  it('NETSTAT_OWNER_WALK=proc: the /proc walk, said so', () => {
    expect(OWNERS_LINE.exec(out['proc forced sources']!.stderr)?.[0]).toBe('netstat: owners: native (native engine loaded; fd walk: proc (forced by NETSTAT_OWNER_WALK=proc))');
  });
});
