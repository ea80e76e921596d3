/**
 * A socket the kernel repeats in a /proc table (a read(2) that resumes one
 * entry early after a removal earlier in its hash bucket; stress.js met them
 * under churn) is listed once, where it first appears. The tables here are
 * what such a read gives: real lines, one of them again further down.
 */
import { describe, expect, it } from 'vitest';
import { parseInetTable } from '../../src/procfs/inet-table';
import { runToEnd } from '../../src/procfs/slices';
import { parseUnixTable } from '../../src/procfs/unix-table';

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
/** A listener on 127.0.0.1:15005, a connection to it (both ends), and a TIME_WAIT remnant without an inode. */
const LISTENER = '   0: 0100007F:3A9D 00000000:0000 0A 00000000:00000000 00:00000000 00000000     0        0 24455470 1 0000000000000000 100 0 0 10 0\n';
const CLIENT = '   1: 0100007F:9B6C 0100007F:3A9D 01 00000000:00000000 00:00000000 00000000     0        0 24455473 1 0000000000000000 20 4 30 10 -1\n';
const SERVER = '   2: 0100007F:3A9D 0100007F:9B6C 01 00000000:00000000 00:00000000 00000000     0        0 24455474 1 0000000000000000 20 4 30 10 -1\n';
const TIME_WAIT = '   3: 0100007F:3A9E 0100007F:E1A2 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n';
const OTHER_TIME_WAIT = '   4: 0100007F:3A9E 0100007F:E1A3 06 00000000:00000000 03:00001770 00000000     0        0 0 3 0000000000000000\n';

const tcp = (...lines: string[]) => runToEnd(parseInetTable(Buffer.from(TCP_HEADER + lines.join('')), 'tcp', 'inet'));
const ports = (rows: Array<{ localPort: number; remotePort: number }>) => rows.map((r) => `${r.localPort}>${r.remotePort}`);

describe('a socket repeated in a /proc table', () => {
  it('is listed once, at its first place', () => {
    const { rows, malformed } = tcp(LISTENER, CLIENT, SERVER, CLIENT, SERVER, TIME_WAIT);
    expect(malformed).toBe(0);
    expect(rows.map((r) => r.inode)).toEqual([24455470, 24455473, 24455474, 0]);
  });

  it('without an inode (TIME_WAIT) is told apart by its addresses and ports', () => {
    const { rows } = tcp(TIME_WAIT, OTHER_TIME_WAIT, TIME_WAIT);
    expect(ports(rows)).toEqual(['15006>57762', '15006>57763']);
  });

  it('counts once in a filtered listing, and a filtered-out row does not hide a kept one', () => {
    const { rows } = runToEnd(parseInetTable(Buffer.from(TCP_HEADER + CLIENT + LISTENER + CLIENT + LISTENER), 'tcp', 'inet', { selection: 'listening' }));
    expect(rows.map((r) => r.inode)).toEqual([24455470]);
  });

  it('is a UNIX socket listed once (by its inode)', () => {
    const header = 'Num       RefCount Protocol Flags    Type St Inode Path\n';
    const a = '0000000000000000: 00000002 00000000 00010000 0001 01 24112456 @x\n';
    const b = '0000000000000000: 00000003 00000000 00000000 0001 03 24112457\n';
    const { rows } = runToEnd(parseUnixTable(Buffer.from(header + a + b + a)));
    expect(rows.map((r) => r.inode)).toEqual([24112456, 24112457]);
  });
});
