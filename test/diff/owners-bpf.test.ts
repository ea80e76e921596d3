// Differential suite: the socket listings with owners (-p) of this project's netstat, with the fd
// walk forced onto the kernel's BPF task_file iterator (NETSTAT_OWNER_WALK=bpf), vs net-tools.
// By default the engine uses that walk only above a few hundred fds, more than the scenario's
// namespace holds, so sockets.test.ts covers the /proc walk and this suite the BPF one. Root's
// cases only: as any other user the BPF walk is refused (test/faults/bpf-refused.test.ts).
import { describe, it } from 'vitest';
import { socketCases } from './cases/sockets';
import { differentialSuite } from './suite';

const withOwners = (args: string[]) => args.some((a) => /^-[^-]*p/.test(a) || /^--prog/.test(a));

const TITLE = 'netstat -p listings with the BPF fd walk match net-tools byte for byte';
if (process.env.NETSTAT_BACKEND === 'procfs') {
  console.warn(`[diff] ${TITLE}: skipped, NETSTAT_BACKEND=procfs reads owners by the TypeScript walk`);
  describe.skip(TITLE, () => {
    it('needs the native engine', () => {});
  });
} else {
  differentialSuite(
    TITLE,
    socketCases()
      .filter((c) => withOwners(c.args) && (c.user ?? 'root') === 'root')
      .map((c) => ({ ...c, env: { ...c.env, NETSTAT_OWNER_WALK: 'bpf' } })),
  );
}
