/**
 * The socket listing over synthetic kernels (see harness.ts), byte for byte
 * against net-tools: SCTP endpoint/association layouts, absent tables and
 * their messages and statuses, malformed lines, and unreadable files.
 */
import { existsSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { skipReason } from '../harness/needs';
import { CLI as cli } from '../harness/paths';
import { type FakeTree, runOverFakeProc } from './harness';

const why = skipReason('fake-/proc differential tests', { unshare: ['mount'], oracle: true });

const TCP_HEADER = '  sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode\n';
const UDP_HEADER = '   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops\n';
const UNIX_HEADER = 'Num       RefCount Protocol Flags    Type St Inode Path\n';

const SCTP: FakeTree = {
  'net/sctp/eps':
    ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\n' +
    'ffff888003a1c000 ffff888003a1c800 2   10  29   9999      0 12345 127.0.0.1 10.0.0.1 \n' +
    'ffff888003a1d000 ffff888003a1d800 2   10  30   22      65534 12349 0.0.0.0 \n' +
    'bogus\n',
  'net/sctp6/eps':
    ' ENDPT     SOCK   STY SST HBKT LPORT   UID INODE LADDRS\n' +
    'ffff888003a1e000 ffff888003a1e800 2   10  31   36412      0 12346 0000:0000:0000:0000:0000:0000:0000:0001 0000:0000:0000:0000:0000:FFFF:7F00:0001 \n',
  'net/sctp/assocs':
    ' ASSOC     SOCK   STY SST ST HBKT ASSOC-ID TX_QUEUE RX_QUEUE UID INODE LPORT RPORT LADDRS <-> RADDRS HBINT INS OUTS MAXRT T1X T2X RTXC wmema wmemq sndbuf rcvbuf\n' +
    'ffff888003a2c000 ffff888003a2c800 0   1   4  1    1        5        7     0 12347  9999 40000 *127.0.0.1 10.0.0.1 <-> *127.0.0.1 10.0.0.2 10.0.0.3 \t    1000    10    10   10    0    0        0        1        0   212992   212992\n' +
    'ffff888003a2d000 ffff888003a2d800 0   12   4  1    1        0        0     0 12348  5000 5001 *127.0.0.2 <-> *127.0.0.3 \t    1000    10    10   10    0    0        0        1        0   212992   212992\n' +
    'short line\n',
};

const MALFORMED: FakeTree = {
  'net/tcp':
    TCP_HEADER +
    '   0: 0100007F:0016 00000000:0000 0A 00000000:00000002 00:00000000 00000000     0        0 4242 1 0000000000000000 100 0 0 10 0\n' +
    'not a socket line\n' +
    '   1: 0100007F:9C40 0100007F:0016 01 00000010:00000000 02:0000162E 00000000  65534        0 4243 1 0000000000000000 20 4 30 10 -1\n' +
    '   2: 0100007F:9C41\n',
  'net/udp': UDP_HEADER + '  100: 00000000:0035 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 5151 2 0000000000000000 0\ngarbage\n',
  'net/raw6': UDP_HEADER + 'x\n',
  'net/unix':
    UNIX_HEADER +
    '0000000000000000: 00000002 00000000 00010000 0001 01 7001 /run/a b.sock\n' +
    'broken\n' +
    '0000000000000000: 00000003 00000000 00000000 0001 03 7002\n' +
    '0000000000000000: 00000002 00000000 00000000 0002 01 7003 @abstract\n',
};

const LOOPING: FakeTree = { 'net/tcp': { loop: true }, 'net/unix': UNIX_HEADER, 'net/udp': UDP_HEADER };

const SCTP_CASES = ['-S', '-Sa', '-Sl', '-San', '-Sa --numeric-ports', '-SaN', '-Saee', '-Sao', '-Sa6', '-Sa4', '-SaW', '-Sap', '-Sv', '-S -x', '-Sae --numeric-users'];
const EMPTY_CASES = ['', '-v', '-t', '-tv', '-u', '-U', '-w', '-x', '-xv', '-4', '-6', '-a', '-l', '-A inet', '-tx', '-ta', '-uw', '-S', '-Sv', '-6 -t', '-A inet6 -v', '--ipx', '--ax25 -t', '-f -x', '-p', '-tp'];
const MALFORMED_CASES = ['-a', '-an', '-tan', '-tanoe', '-uan', '-wan', '-xa', '-xl', '-x', '-a -W', '-taee', '-4a', '-6a'];
const LOOPING_CASES = ['-t', '-a', '-x', '-u', '-4', '-6', '-v'];

const split = (line: string) => line.split(' ').filter((a) => a !== '');

describe.skipIf(why !== undefined)('socket listing over a fake /proc, against net-tools', () => {
  it('has a built CLI to test', () => {
    expect(existsSync(cli), `${cli} is missing: run npm run build`).toBe(true);
  });

  const groups: Array<[string, FakeTree, string[]]> = [
    ['SCTP endpoints and associations', SCTP, SCTP_CASES],
    ['no tables at all', {}, EMPTY_CASES],
    ['malformed lines', MALFORMED, MALFORMED_CASES],
    ['a table that cannot be opened (symlink loop)', LOOPING, LOOPING_CASES],
  ];
  for (const [title, tree, cases] of groups) {
    it(title, () => {
      const results = runOverFakeProc(tree, cases.map(split), [process.execPath, cli]);
      const mismatches = results
        .filter((r) => r.reference.status !== r.candidate.status || r.reference.stdout !== r.candidate.stdout || r.reference.stderr !== r.candidate.stderr)
        .map((r) => ({ args: r.args.join(' '), reference: r.reference, candidate: r.candidate }));
      expect(mismatches).toEqual([]);
    });
  }
});
