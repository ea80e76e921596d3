/**
 * The /proc parser on a synthetic 200k-line /proc/net/tcp (and tcp6), through
 * the backend (read + parse), sync and async: every line parsed, and the
 * async read gives the event loop a turn again and again (it parses in
 * slices) rather than holding it for the whole table. Timings are printed for
 * information only — speed is the benchmarks' business (bench/), not a
 * test's: a loaded machine must not fail it.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createProcfsBackend } from '../../src/backends/procfs';
import type { InetQuery } from '../../src/backends/types';

const LINES = 200_000;

function hex(value: number, digits: number): string {
  return value.toString(16).toUpperCase().padStart(digits, '0');
}

/** Lines in the kernel's format: a few listeners, then established connections over many addresses. */
function syntheticTable(v6: boolean): string {
  const header = v6
    ? '  sl  local_address                         remote_address                        st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n'
    : '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode                                                     \n';
  const parts = [header];
  for (let i = 0; i < LINES; i++) {
    const listening = i < 100;
    const local = v6 ? `0000000000000000FFFF0000${hex((0x7f + (i & 0xff) * 0x1000000) >>> 0, 8)}` : hex((0x7f + (i & 0xff) * 0x1000000) >>> 0, 8);
    const remote = listening ? (v6 ? '0'.repeat(32) : '00000000') : v6 ? `B80D0120000000000000000${hex(i % 4096, 9)}` : hex(0x0a000000 + (i % 65536), 8);
    parts.push(
      `${String(i).padStart(4)}: ${local}:${hex(listening ? 8000 + i : 40000 + (i % 20000), 4)} ${remote}:${hex(listening ? 0 : 443, 4)} ${listening ? '0A' : '01'} ${hex(i % 7, 8)}:${hex(i % 5, 8)} ${listening ? '00' : '02'}:${hex(i, 8)} 00000000  1000        0 ${1_000_000 + i} 1 0000000000000000 20 4 30 10 -1                   \n`,
    );
  }
  return parts.join('');
}

describe('a 200k-line table', () => {
  let root: string;
  beforeAll(() => {
    root = fs.mkdtempSync(path.join(os.tmpdir(), 'procfs-perf-'));
    fs.mkdirSync(path.join(root, 'net'));
    fs.writeFileSync(path.join(root, 'net/tcp'), syntheticTable(false));
    fs.writeFileSync(path.join(root, 'net/tcp6'), syntheticTable(true));
  });
  afterAll(() => fs.rmSync(root, { recursive: true }));

  for (const family of ['inet', 'inet6'] as const) {
    it(`reads a ${LINES}-line ${family === 'inet' ? 'tcp' : 'tcp6'} file whole, sync and async, and the async read yields to the event loop`, async () => {
      const backend = createProcfsBackend(root);
      const query: InetQuery = { protocol: 'tcp', family, filter: { selection: 'all' }, timers: true };
      const times: number[] = [];
      const cpuTimes: number[] = [];
      for (let run = 0; run < 3; run++) {
        const start = performance.now();
        const cpuStart = process.cpuUsage();
        const table = backend.inet(query);
        times.push(performance.now() - start);
        const cpu = process.cpuUsage(cpuStart);
        cpuTimes.push((cpu.user + cpu.system) / 1000);
        expect(table.rows).toHaveLength(LINES);
        expect(table.malformed).toBe(0);
      }
      times.sort((a, b) => a - b);
      const median = times[1]!;

      // async: the event loop must get turns while the table is parsed. A
      // setImmediate chain advances once per turn; a read that yielded only
      // at its end would let it advance about once.
      let turns = 0;
      let reading = true;
      const spin = () => {
        if (!reading) return;
        turns++;
        setImmediate(spin);
      };
      setImmediate(spin);
      const start = performance.now();
      const table = await backend.inetAsync(query);
      const asyncMs = performance.now() - start;
      reading = false;
      expect(table.rows).toHaveLength(LINES);

      console.log(
        `procfs ${family} ${LINES} lines: sync median ${median.toFixed(0)} ms (min ${times[0]!.toFixed(0)}; CPU min ${Math.min(...cpuTimes).toFixed(0)} ms), async ${asyncMs.toFixed(0)} ms in ${turns} event-loop turns`,
      );
      // The parser yields every 1000 lines (src/procfs/table-lines.ts): about 200 turns for 200k lines.
      expect(turns).toBeGreaterThanOrEqual(LINES / 1000 / 2);
    });
  }
});
