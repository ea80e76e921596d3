import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { UNIX_FLAG_ACCEPTCON, UnixState, UnixType } from '../../src/model';
import { runInSlices, runToEnd } from '../../src/procfs/slices';
import { parseUnixTable } from '../../src/procfs/unix-table';
import { fixture, netstatUnixRow } from './helpers';
import { oracleOverProc } from '../harness/commands';
import { skipReason } from '../harness/needs';

const read = (tree: string): Buffer => fs.readFileSync(path.join(fixture(tree), 'net/unix'));
const table = (tree: string, selection: 'all' | 'listening' | 'connected' = 'all') => runToEnd(parseUnixTable(read(tree), { selection }));

describe('/proc/net/unix captured from a namespace', () => {
  const t = table('ns-capture');

  it('reads every line, none malformed', () => {
    expect(t.malformed).toBe(0);
    expect(t.rows.map((r) => r.inode)).toEqual([164186, 164187, 164190, 164191, 164196, 164195, 164193, 164192, 164194, 164188, 164189]);
  });

  it('decodes a listening stream socket field by field', () => {
    // 00000000e768dd29: 00000002 00000000 00010000 0001 01 164186 /tmp/nscap.Ons8Fd/srv.sock
    expect(t.rows[0]).toEqual({
      inode: 164186,
      protocol: 0,
      refCount: 2,
      flags: UNIX_FLAG_ACCEPTCON,
      type: UnixType.STREAM,
      state: UnixState.UNCONNECTED,
      stateName: 'LISTENING',
      typeName: 'STREAM',
      path: '/tmp/nscap.Ons8Fd/srv.sock',
    });
  });

  it('keeps blanks in paths, and abstract names as the kernel writes them', () => {
    expect(t.rows[1]!.path).toBe('/tmp/nscap.Ons8Fd/with blank.sock');
    expect(t.rows[9]!.path).toBe('@abstract-name');
    expect(t.rows[10]!.path).toBe('@with@nul');
    expect(t.rows[3]!.path).toBe(`/tmp/nscap.Ons8Fd/${'L'.repeat(83)}.s`);
  });

  it('gives unbound sockets an empty path', () => {
    expect(t.rows[5]).toMatchObject({ refCount: 3, type: UnixType.DGRAM, state: UnixState.CONNECTED, stateName: 'CONNECTED', typeName: 'DGRAM', path: '' });
  });

  it('selects servers as UNCONNECTED with ACC', () => {
    expect(table('ns-capture', 'listening').rows.map((r) => r.inode)).toEqual([164186, 164187, 164190, 164188]);
    expect(table('ns-capture', 'connected').rows).toHaveLength(7);
  });
});

describe('hand-made UNIX lines', () => {
  const t = table('unix-names');

  it('counts lines with fewer than 6 conversions as malformed', () => {
    expect(t.malformed).toBe(3);
    expect(t.rows).toHaveLength(9);
  });

  it('keeps the whole path text after the inode and one blank', () => {
    expect(t.rows.map((r) => r.path)).toEqual([
      '/run/a b  c.sock',
      '/run/trailing-blank ',
      ' ',
      '@@@',
      '',
      '/tmp/überlang/sock',
      '',
      `/${'p'.repeat(106)}`,
      '@tab\there', // the last line has no final newline
    ]);
  });

  it('reads RefCount, Protocol, Flags, Type and St as hex', () => {
    expect(t.rows[5]).toMatchObject({ refCount: 10, protocol: 0, flags: 0x70000, type: UnixType.SEQPACKET, state: UnixState.DISCONNECTING, inode: 5006 });
  });

  it('accepts a line that ends after St (6 conversions) with inode 0 and no path', () => {
    expect(t.rows[6]).toEqual({
      inode: 0,
      protocol: 1,
      refCount: 2,
      flags: 0,
      type: UnixType.RAW,
      state: UnixState.CONNECTING,
      stateName: 'CONNECTING',
      typeName: 'RAW',
      path: '',
    });
  });

  it('parses the same in slices', async () => {
    expect(await runInSlices(parseUnixTable(read('unix-names')), 0)).toEqual(t);
  });
});

const oracleSkip = skipReason('net-tools oracle tests', { unshare: ['mount'], oracle: true });

describe.skipIf(oracleSkip !== undefined)('against net-tools netstat over the same tree', () => {
  it.each(['ns-capture', 'unix-names'])('%s: same rows and bogus-line warnings', (tree) => {
    const run = oracleOverProc(fixture(tree), ['-ax'], { encoding: 'utf8' });
    const t = table(tree);
    const printed = run.stdout.split('\n').filter((line) => /^(unix|\?\?) /.test(line));
    expect(printed).toHaveLength(t.rows.length);
    t.rows.forEach((row, i) => {
      // net-tools leaves the inode of a 6-field line uninitialised; compare the rest.
      const mine = netstatUnixRow(row);
      const theirs = printed[i]!;
      if (row.inode === 0) expect(theirs.slice(0, 50)).toBe(mine.slice(0, 50));
      else expect(theirs).toBe(mine);
    });
    expect(run.stderr.split('warning, got bogus unix line.').length - 1).toBe(t.malformed);
  });
});
