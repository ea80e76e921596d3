/**
 * The SCTP table parser (`src/procfs/sctp-table.ts`) on small hand-made
 * texts, field by field. The expected values are what net-tools 2.10 prints
 * for the same lines (checked over a fake /proc; the CLI-level comparison is
 * test/fakeproc): its strtok splitting, its bogus-line rule, and the C
 * conversions (atoi, strtoul, htons, inet_addr, sscanf %04X).
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TcpState, type SctpAddress } from '../../src/model';
import { runInSlices, runToEnd, LINES_PER_SLICE } from '../../src/procfs/slices';
import {
  parseSctpAssociations,
  parseSctpEndpoints,
  readSctpAssociations,
  readSctpEndpoints,
  sctpPresent,
  sctpTablePath,
} from '../../src/procfs/sctp-table';

const EPS_HEADER = ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\n';
const ASSOCS_HEADER =
  ' ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT INS OUTS MAXRT T1X T2X RTXC wmema wmemq sndbuf rcvbuf\n';

const buf = (text: string): Buffer => Buffer.from(text, 'latin1');
const eps = (lines: string, family: 'inet' | 'inet6' = 'inet') => runToEnd(parseSctpEndpoints(buf(EPS_HEADER + lines), family));
const assocs = (lines: string, family: 'inet' | 'inet6' = 'inet') => runToEnd(parseSctpAssociations(buf(ASSOCS_HEADER + lines), family));
/** The only endpoint of one line. */
const ep = (line: string) => {
  const t = eps(line + '\n');
  expect(t.malformed).toBe(0);
  expect(t.rows).toHaveLength(1);
  return t.rows[0]!;
};
const assoc = (line: string) => {
  const t = assocs(line + '\n');
  expect(t.malformed).toBe(0);
  expect(t.rows).toHaveLength(1);
  return t.rows[0]!;
};
/** Address texts of a list. */
const texts = (list: SctpAddress[]) => list.map((a) => a.address);
const v4 = (address: string, primary = false): SctpAddress => ({ address, family: 'inet', primary });
const v6 = (address: string, primary = false): SctpAddress => ({ address, family: 'inet6', primary });
/** An endpoint line with these LADDRS (other fields fixed). */
const epWith = (addresses: string) => ep(`ffff888003a1c000 ffff888003a1c800 2 10 29 9999 0 1 ${addresses}`);

describe('endpoints (/proc/net/sctp/eps)', () => {
  it('reads a kernel line field by field', () => {
    // ENDPT SOCK STY SST HBKT LPORT UID INODE LADDRS
    const t = eps('ffff888003a1c000 ffff888003a1c800 2   10  29   9999      0 12345 127.0.0.1 10.0.0.1 \n');
    expect(t).toEqual({
      malformed: 0,
      rows: [
        {
          kind: 'endpoint',
          family: 'inet',
          inode: 12345,
          localPort: 9999,
          localAddresses: [v4('127.0.0.1'), v4('10.0.0.1')],
          state: TcpState.LISTEN,
          stateName: 'LISTEN',
          uid: 0,
        },
      ],
    });
  });

  it('reads IPv6 addresses (8 groups of 4 hex digits) into canonical text, each address with its own family', () => {
    const e = runToEnd(
      parseSctpEndpoints(
        buf(EPS_HEADER + 'ffff888003a1e000 ffff888003a1e800 2   10  31   36412  65534 12346 0000:0000:0000:0000:0000:0000:0000:0001 0000:0000:0000:0000:0000:FFFF:7F00:0001 FE80:0000:0000:0000:0210:5AFF:FE00:0001 10.0.0.1 \n'),
        'inet6',
      ),
    ).rows[0]!;
    expect(e).toMatchObject({ family: 'inet6', localPort: 36412, uid: 65534, inode: 12346 });
    expect(e.localAddresses).toEqual([v6('::1'), v6('::ffff:127.0.0.1'), v6('fe80::210:5aff:fe00:1'), v4('10.0.0.1')]);
  });

  it('takes the address list up to a tab: later text is not addresses', () => {
    expect(texts(epWith('8.8.8.8 8.8.4.4\t9.9.9.9').localAddresses)).toEqual(['8.8.8.8', '8.8.4.4']);
  });

  it('skips the delimiter ending INODE, then tabs before the list (strtok)', () => {
    const line = (tail: string) => `A B 2 10 29 1 0 7${tail}`;
    expect(texts(ep(line('\t\t9.9.9.9')).localAddresses)).toEqual(['9.9.9.9']);
    expect(texts(ep(line('\t 9.9.9.9')).localAddresses)).toEqual(['9.9.9.9']);
    expect(texts(ep(line(' \t9.9.9.9')).localAddresses)).toEqual(['9.9.9.9']);
    // A second blank is a piece of its own: an empty list.
    expect(texts(ep(line('  \t9.9.9.9')).localAddresses)).toEqual([]);
  });

  it('accepts a line of exactly 8 fields, with no addresses', () => {
    expect(ep('A B 2 10 29 1 0 7')).toMatchObject({ inode: 7, localAddresses: [] });
    expect(ep('A B 2 10 29 1 0 7 ')).toMatchObject({ inode: 7, localAddresses: [] });
  });

  it('reads a leading * as part of the address (not dropped for endpoints)', () => {
    expect(epWith('*1.1.1.1').localAddresses).toEqual([v4('255.255.255.255')]);
  });

  it('reads carriage returns and vertical tabs as part of a field (strtok splits at blank, tab and newline only)', () => {
    // atoi and inet_addr skip or stop at them.
    expect(ep('A B\r 2 10\v 29 1\r 0\r 3\r 1.1.1.1\r')).toMatchObject({ state: 10, localPort: 1, uid: 0, inode: 3, localAddresses: [v4('1.1.1.1')] });
  });
});

describe('associations (/proc/net/sctp/assocs)', () => {
  const KERNEL_LINE =
    'ffff888003a2c000 ffff888003a2c800 0   1   4  1    1        5        7     0 12347  9999 40000 *127.0.0.1 10.0.0.1 <-> *127.0.0.1 10.0.0.2 10.0.0.3 \t    1000    10    10   10    0    0        0        1        0   212992   212992';

  it('reads a kernel line field by field', () => {
    // ASSOC SOCK STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS …
    expect(assoc(KERNEL_LINE)).toEqual({
      kind: 'association',
      family: 'inet',
      inode: 12347,
      localPort: 9999,
      localAddresses: [v4('127.0.0.1', true), v4('10.0.0.1')],
      remotePort: 40000,
      remoteAddresses: [v4('127.0.0.1', true), v4('10.0.0.2'), v4('10.0.0.3')],
      state: TcpState.ESTABLISHED,
      stateName: 'ESTABLISHED',
      uid: 0,
      recvQueue: 7,
      sendQueue: 5,
    });
  });

  it('keeps the table family and reads IPv6 primaries', () => {
    const t = assocs('A B 0 1 4 1 1 0 0 1000 99 5000 5001 *0000:0000:0000:0000:0000:0000:0000:0001 <-> *FE80:0000:0000:0000:0000:0000:0000:0002 \t1\n', 'inet6');
    expect(t.rows[0]).toMatchObject({ family: 'inet6', uid: 1000, inode: 99, localAddresses: [v6('::1', true)], remoteAddresses: [v6('fe80::2', true)] });
  });

  it('splits the lists at any of < - > and tab', () => {
    const a = assoc('A B 0 1 4 1 1 5 7 0 7 1 2 1.1.1.1-2.2.2.2>3.3.3.3<4.4.4.4\t5.5.5.5');
    expect(texts(a.localAddresses)).toEqual(['1.1.1.1']);
    expect(texts(a.remoteAddresses)).toEqual(['2.2.2.2']);
  });

  it('starts the lists after the delimiter ending RPORT: a blank piece before <-> is an empty local list', () => {
    const a = assoc('A B 0 1 4 1 1 5 7 0 10 1 2 <-> <-> 1.1.1.1 2.2.2.2');
    expect(texts(a.localAddresses)).toEqual([]);
    expect(texts(a.remoteAddresses)).toEqual(['1.1.1.1', '2.2.2.2']);
    // With a tab there, the <-> is skipped and the first list is the local one.
    const b = assoc('A B 0 1 4 1 1 5 7 0 9 1 2\t<->\t1.1.1.1');
    expect(texts(b.localAddresses)).toEqual(['1.1.1.1']);
    expect(texts(b.remoteAddresses)).toEqual([]);
  });

  it('lists more local than remote addresses, and the other way round', () => {
    const a = assoc('A B 0 1 4 1 1 5 7 0 6 1 2 1.1.1.1 2.2.2.2 3.3.3.3 <-> 4.4.4.4 \t');
    expect(texts(a.localAddresses)).toEqual(['1.1.1.1', '2.2.2.2', '3.3.3.3']);
    expect(texts(a.remoteAddresses)).toEqual(['4.4.4.4']);
  });

  it('drops one leading * only: ** and a lone * are invalid IPv4', () => {
    const a = assoc('A B 0 1 4 1 1 5 7 0 8 1 2 **1.1.1.1 <-> *');
    expect(a.localAddresses).toEqual([v4('255.255.255.255', true)]);
    expect(a.remoteAddresses).toEqual([v4('255.255.255.255', true)]);
  });

  it('gives a line without lists (undefined behaviour in net-tools) empty lists', () => {
    expect(assoc('A B 0 1 4 1 1 5 7 0 11 1 2')).toMatchObject({ inode: 11, localAddresses: [], remoteAddresses: [] });
    expect(assoc('A B 0 1 4 1 1 5 7 0 12 1 2 1.1.1.1')).toMatchObject({ localAddresses: [v4('1.1.1.1')], remoteAddresses: [] });
  });

  it('prints RX_QUEUE as Recv-Q and TX_QUEUE as Send-Q, both unsigned', () => {
    expect(assoc('A B 0 1 4 1 1 -1 -2 0 5 9999 40000 1.1.1.1 <-> 2.2.2.2')).toMatchObject({ sendQueue: 4294967295, recvQueue: 4294967294 });
  });
});

describe('bogus lines', () => {
  it('counts endpoint lines of fewer than 8 fields as malformed, and keeps the others in order', () => {
    const t = eps('A B 2 10 29 1 0 1 1.1.1.1\nA B 2 10 29 1 0\n\nbogus\nA B 2 10 29 1 0 2 2.2.2.2\n');
    expect(t.malformed).toBe(3);
    expect(t.rows.map((r) => r.inode)).toEqual([1, 2]);
  });

  it('counts association lines of fewer than 13 fields as malformed', () => {
    const t = assocs('A B 0 1 4 1 1 5 7 0 11 1\nshort line\nA B 0 1 4 1 1 5 7 0 12 1 2 1.1.1.1 <-> 2.2.2.2\n');
    expect(t.malformed).toBe(2);
    expect(t.rows.map((r) => r.inode)).toEqual([12]);
  });

  it('ends a line at a NUL byte, as net-tools C strings end', () => {
    const t = eps('A B 2\0 10 29 1 0 2 1.1.1.1\nA B 2 10 29 1 0 3 1.1.1.1\0 2.2.2.2\n');
    expect(t.malformed).toBe(1);
    expect(t.rows).toHaveLength(1);
    expect(texts(t.rows[0]!.localAddresses)).toEqual(['1.1.1.1']);
  });

  it('always skips the first line, and reads a last line without newline', () => {
    expect(runToEnd(parseSctpEndpoints(buf('A B 2 10 29 1 0 1 1.1.1.1\nA B 2 10 29 1 0 2 2.2.2.2')))).toMatchObject({ malformed: 0, rows: [{ inode: 2 }] });
    expect(runToEnd(parseSctpEndpoints(buf(EPS_HEADER.trimEnd())))).toEqual({ rows: [], malformed: 0 });
    expect(runToEnd(parseSctpAssociations(buf('')))).toEqual({ rows: [], malformed: 0 });
  });
});

describe('numbers as C converts them', () => {
  const epFields = (sst: string, lport: string, uid: string, inode: string) => ep(`A B 2 ${sst} 29 ${lport} ${uid} ${inode} 1.1.1.1`);

  it('reads SST with atoi, as an int; names out of 0–11 UNKNOWN(n)', () => {
    expect(epFields('-3', '1', '0', '1')).toMatchObject({ state: -3, stateName: 'UNKNOWN(-3)' });
    expect(epFields('12', '1', '0', '1')).toMatchObject({ state: 12, stateName: 'UNKNOWN(12)' });
    expect(epFields('0', '1', '0', '1')).toMatchObject({ state: 0, stateName: '' });
    // The low 32 bits: 2^32 + 1 is 1.
    expect(epFields('4294967297', '1', '0', '1')).toMatchObject({ state: 1, stateName: 'ESTABLISHED' });
    // strtol saturates at LONG_MAX, whose low 32 bits are -1; at LONG_MIN, 0.
    expect(epFields('99999999999999999999999', '1', '0', '1').state).toBe(-1);
    expect(epFields('-99999999999999999999999', '1', '0', '1').state).toBe(0);
    expect(epFields('+7x', '1', '0', '1').state).toBe(7);
    expect(epFields('x7', '1', '0', '1').state).toBe(0);
  });

  it('keeps the low 16 bits of the ports (htons)', () => {
    expect(epFields('10', '-1', '0', '1').localPort).toBe(65535);
    expect(epFields('10', '65536', '0', '1').localPort).toBe(0);
    expect(epFields('10', '70000', '0', '1').localPort).toBe(4464);
    expect(epFields('10', '0b11', '0', '1').localPort).toBe(0);
    expect(assoc('A B 0 1 4 1 1 5 7 0 1 -1 65537 1.1.1.1 <-> 2.2.2.2')).toMatchObject({ localPort: 65535, remotePort: 1 });
  });

  it('reads the uid as an int, kept as the unsigned uid_t', () => {
    expect(epFields('10', '1', '-5', '1').uid).toBe(4294967291);
    expect(epFields('10', '1', '4294967295', '1').uid).toBe(4294967295);
    expect(epFields('10', '1', '+7', '1').uid).toBe(7);
  });

  it('reads the inode with strtoul base 0: decimal, 0x hex, 0 octal', () => {
    expect(epFields('10', '1', '0', '012').inode).toBe(10);
    expect(epFields('10', '1', '0', '0x1f').inode).toBe(31);
    expect(epFields('10', '1', '0', '+0x10').inode).toBe(16);
    expect(epFields('10', '1', '0', '\v0x10').inode).toBe(16);
    expect(epFields('10', '1', '0', '0x').inode).toBe(0);
    expect(epFields('10', '1', '0', '0b11').inode).toBe(0);
    expect(epFields('10', '1', '0', '09').inode).toBe(0);
    expect(epFields('10', '1', '0', '4294967296123').inode).toBe(4294967296123);
  });
});

describe('IPv4 addresses as inet_addr reads them', () => {
  const one = (token: string) => {
    const list = epWith(token).localAddresses;
    expect(list).toHaveLength(1);
    expect(list[0]!.family).toBe('inet');
    return list[0]!.address;
  };

  it.each([
    ['127.0.0.1', '127.0.0.1'],
    ['127.1', '127.0.0.1'],
    ['1.16777215', '1.255.255.255'],
    ['10.1.515', '10.1.2.3'],
    ['167772161', '10.0.0.1'],
    ['4294967295', '255.255.255.255'],
    ['0x7f.0.0.1', '127.0.0.1'],
    ['0X10.0.0.1', '16.0.0.1'],
    ['010.0.0.1', '8.0.0.1'],
    ['00000000000000000000000000001.2.3.4', '1.2.3.4'],
    ['1.2.3.4\vjunk', '1.2.3.4'],
  ])('%j is %s', (token, address) => {
    expect(one(token)).toBe(address);
  });

  it.each(['1.2.3.4x', '256.1.1.1', '1.2.3.4.5', '1.16777216', '4294967296', '1..2', '1.2.3.', '08.0.0.1', '0x.1.1.1', '0xg', '0b1.1.1.1', '-1.2.3.4', '1.2.3.4\xa0', '*1.1.1.1'])(
    '%j is invalid: 255.255.255.255',
    (token) => {
      expect(one(token)).toBe('255.255.255.255');
    },
  );
});

describe('IPv6 addresses as sscanf %04X reads them', () => {
  const one = (token: string) => {
    const list = epWith(token).localAddresses;
    expect(list).toHaveLength(1);
    expect(list[0]!.family).toBe('inet6');
    return list[0]!.address;
  };

  it.each([
    ['0000:0000:0000:0000:0000:0000:0000:0001', '::1'],
    ['0000:0000:0000:0000:0000:0000:0000:0000', '::'],
    ['2001:0DB8:0000:0000:0000:0000:0000:00ff', '2001:db8::ff'],
    ['0000:0000:0000:0000:0000:ffff:0a00:0001', '::ffff:10.0.0.1'],
    // Shorter groups, a sign (negative: two's complement, low 16 bits), a 0x prefix within the width.
    ['1:2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    ['0x12:-1:+ff:0:0:0:0:0', '12:ffff:ff::'],
    // White space before a conversion is skipped; the : must follow at once.
    ['\v1:\v2:3:4:5:6:7:8', '1:2:3:4:5:6:7:8'],
    // A 9th group is never read.
    ['1:2:3:4:5:6:7:8:9', '1:2:3:4:5:6:7:8'],
    ['fe80:0:0:0:0:0:0:1x', 'fe80::1'],
  ])('%j is %s', (token, address) => {
    expect(one(token)).toBe(address);
  });

  it('leaves the groups after a failed conversion 0 (net-tools: uninitialised)', () => {
    expect(one('1:2')).toBe('1:2::');
    // At most 4 characters: 12345 is 0x1234, then 5 is not the expected ':'.
    expect(one('12345:1:2:3:4:5:6:7')).toBe('1234::');
    expect(one('::1')).toBe('::');
  });
});

describe('slices and files', () => {
  it('parses the same in slices', async () => {
    const lines = Array.from({ length: LINES_PER_SLICE * 2 + 5 }, (_, i) => `A B 2 10 29 ${i} 0 ${i} 10.0.${i >> 8}.${i & 0xff}\n`).join('');
    const whole = eps(lines);
    expect(whole.rows).toHaveLength(LINES_PER_SLICE * 2 + 5);
    expect(await runInSlices(parseSctpEndpoints(buf(EPS_HEADER + lines)), 0)).toEqual(whole);
  });

  describe('reading from a proc root', () => {
    let root: string;
    beforeAll(() => {
      root = fs.mkdtempSync(path.join(os.tmpdir(), 'sctp-table-'));
      fs.mkdirSync(path.join(root, 'net/sctp'), { recursive: true });
      fs.writeFileSync(path.join(root, 'net/sctp/eps'), EPS_HEADER + 'A B 2 10 29 22 0 5 0.0.0.0 \nbogus\n');
      fs.writeFileSync(path.join(root, 'net/sctp/assocs'), ASSOCS_HEADER + 'A B 0 1 4 1 1 0 0 0 6 22 40000 1.1.1.1 <-> 2.2.2.2 \t\n');
    });
    afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

    it('names the files', () => {
      expect(sctpTablePath('eps', 'inet', root)).toBe(path.join(root, 'net/sctp/eps'));
      expect(sctpTablePath('assocs', 'inet6', root)).toBe(path.join(root, 'net/sctp6/assocs'));
    });

    it('reads both tables', () => {
      expect(sctpPresent(root)).toBe(true);
      expect(readSctpEndpoints('inet', root)).toMatchObject({ malformed: 1, rows: [{ kind: 'endpoint', family: 'inet', localPort: 22, inode: 5, localAddresses: [v4('0.0.0.0')] }] });
      expect(readSctpAssociations('inet', root)).toMatchObject({ malformed: 0, rows: [{ kind: 'association', inode: 6, remotePort: 40000 }] });
    });

    it('throws ENOENT for a missing table, with the path', () => {
      expect(() => readSctpEndpoints('inet6', root)).toThrow(expect.objectContaining({ code: 'ENOENT', path: path.join(root, 'net/sctp6/eps') }));
      expect(sctpPresent(path.join(root, 'nowhere'))).toBe(false);
    });
  });
});
