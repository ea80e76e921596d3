/**
 * `netstat -M` (src/modes/masquerade.ts, src/conntrack/proc.ts) on the /proc
 * trees of fixtures/conntrack/, and on real NAT conntrack entries made in a
 * private network namespace where `nft` is available.
 *
 * `masq-*` and `none` trees: net-tools' own output, recorded from
 * /usr/bin/netstat with the tree mounted over /proc, in `expected.json` (the
 * combinations with numeric hosts; the symbolic ones are compared live only,
 * since they depend on the resolver). `nat-netns` and `handmade`: conntrack
 * files, where net-tools has nothing to say ("no support"), so the listing
 * is checked against the mapping documented in docs/masquerade.md.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { isNatted, parseConntrackLine } from '../../src/conntrack/proc';
import { masqueradePass } from '../../src/modes/masquerade';
import { isolated, runCommand } from '../harness/commands';
import { runPass } from '../harness/modes';
import { skipReason } from '../harness/needs';
import { recordedOracleSuite } from '../harness/oracle-suite';

const FIXTURES = path.resolve(__dirname, '..', '..', 'fixtures', 'conntrack');

const NUMERIC: string[][] = [
  ['-Mn'], ['-Mne'], ['-Mnee'], ['-M', '--numeric-hosts'], ['-Me', '--numeric-hosts'], ['-Mnv'], ['-Mn6'],
  ['-Mn', '-A', 'inet'], ['--masquerade', '--numeric'],
];
const SYMBOLIC: string[][] = [['-M'], ['-Me'], ['-M', '--numeric-ports'], ['-Mv']];
const NET_TOOLS_TREES = ['masq-pdelta', 'masq-no-pdelta', 'masq-empty', 'masq-no-header', 'masq-format-error', 'masq-unknown-type', 'masq-stream', 'masq-eloop', 'masq-eisdir', 'none'];

recordedOracleSuite({
  title: '-M with /proc/net/ip_masquerade (or nothing), against net-tools',
  fixtures: FIXTURES,
  trees: NET_TOOLS_TREES,
  args: NUMERIC,
  mine: (dir, args) => runPass(masqueradePass, dir, args),
  // Names come from /etc/hosts and DNS, and a DNS look-up can take seconds here, so the
  // symbolic combinations run on one tree with rows, as root.
  symbolic: { tree: 'masq-pdelta', args: SYMBOLIC },
});

const TITLE = 'IP masquerading entries\n';
const HEADER = 'prot   expire source               destination          ports\n';
const HEADER_E = 'prot   expire    initseq delta prevd source               destination          ports\n';

describe('-M from /proc/net/nf_conntrack', () => {
  it('lists the NAT\'d entries captured from a namespace with nft DNAT/SNAT rules (IPv4 and IPv6)', async () => {
    const run = await runPass(masqueradePass, path.join(FIXTURES, 'nat-netns'), ['-Mn']);
    expect(run).toEqual({
      stdout:
        TITLE +
        HEADER +
        'tcp 7200:00.00 127.0.0.1            127.0.0.1            41000 -> 9090 (8080)\n' +
        'udp   0:30.00 127.0.0.1            127.0.0.2            40000 -> 5353 (61000)\n' +
        'tcp 7200:00.00 ::1                  ::1                  41001 -> 9090 (8080)\n',
      stderr: '',
      status: 0,
    });
  });

  it('maps every kind of entry as docs/masquerade.md says', async () => {
    const run = await runPass(masqueradePass, path.join(FIXTURES, 'handmade'), ['-Mn']);
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(run.stdout).toBe(
      TITLE +
        HEADER +
        'icmp  0:29.00 10.0.0.2             192.0.2.1            1234 -> 61001 (61001)\n' + // echo id rewritten
        'tcp   1:57.00 10.0.0.2             192.0.2.80           40000 -> 80 (61000)\n' + // masquerade
        'gre   2:59.00 10.0.0.2             192.0.2.9            * -> * (*)\n' + // keys 0; timeouts before the tuple
        'tcp   0:00.00 10.0.0.4             192.0.2.81           50000 -> 22 (50000)\n' + // offloaded: no timeout
        'udp   0:25.00 10.0.0.2             192.0.2.53           5353 -> 53 (5353)\n' + // address only; counters skipped
        'udp   0:28.00 fd00::2              2001:db8::53         33000 -> 53 (33000)\n' + // NAT66, %pI6 made canonical
        'sctp  0:03.00 10.0.0.2             192.0.2.5            3868 -> 3868 (61100)\n' +
        'unknown  9:59.00 10.0.0.2             192.0.2.7            * -> * (*)\n' + // no ports
        'tcp 1439:59.00 203.0.113.9          10.0.0.5             55555 -> 80 (8080)\n' + // port forward (DNAT)
        'udp   0:12.00 10.0.0.2             192.0.2.53           5300 -> 53 (5300)\n', // [UNREPLIED]
    );
    // The un-NAT'd entry (10.0.0.3) and the line in no known format are left out.
  });

  it('names tcp and udp ports from their services, keeps -e columns at 0 0 -', async () => {
    const run = await runPass(masqueradePass, path.join(FIXTURES, 'handmade'), ['-Me', '--numeric-hosts']);
    const lines = run.stdout.split('\n');
    expect(lines.slice(0, 2)).toEqual([TITLE.trimEnd(), HEADER_E.trimEnd()]);
    expect(lines).toContain('tcp   1:57.00          0     0     - 10.0.0.2             192.0.2.80           40000 -> http (61000)');
    expect(lines).toContain('udp   0:25.00          0     0     - 10.0.0.2             192.0.2.53           mdns -> domain (mdns)');
    expect(lines).toContain('sctp  0:03.00          0     0     - 10.0.0.2             192.0.2.5            3868 -> 3868 (61100)');
  });

  it('prints nothing and returns 0 when no entry is NAT\'d (net-tools does the same for an empty file)', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netstat-masq-'));
    try {
      const net = path.join(dir, 'net');
      spawnSync('mkdir', ['-p', net]);
      writeFileSync(
        path.join(net, 'nf_conntrack'),
        'ipv4     2 tcp      6 431999 ESTABLISHED src=10.0.0.3 dst=192.0.2.80 sport=40001 dport=443 src=192.0.2.80 dst=10.0.0.3 sport=443 dport=40001 [ASSURED] mark=0 zone=0 use=2\n',
      );
      expect(await runPass(masqueradePass, dir, ['-M'])).toEqual({ stdout: '', stderr: '', status: 0 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports a conntrack file it cannot read like net-tools\' perror, status 255', async () => {
    expect(await runPass(masqueradePass, path.join(FIXTURES, 'conntrack-eisdir'), ['-M'])).toEqual({
      stdout: '',
      stderr: '/proc/net/nf_conntrack: Is a directory\n',
      status: 255,
    });
  });

  it('tells original from reply tuples and NAT from mirror images', () => {
    const plain = parseConntrackLine(
      'ipv4     2 udp      17 29 src=127.0.0.1 dst=127.0.0.1 sport=53281 dport=7 [UNREPLIED] src=127.0.0.1 dst=127.0.0.1 sport=7 dport=53281 mark=0 zone=0 use=2',
    );
    expect(plain).not.toBeNull();
    expect(isNatted(plain!)).toBe(false);
    expect(parseConntrackLine('ipv4 2 tcp 6 10 ESTABLISHED src=1.2.3.4 dst=5.6.7.8 sport=1 dport=2')).toBeNull(); // no reply tuple
    expect(parseConntrackLine('ipx 4 tcp 6 10 src=a dst=b src=b dst=a')).toBeNull();
  });
});

const natSkip = skipReason('masquerade: the live NAT test', { unshare: ['net'], commands: ['nft'] });

describe.skipIf(natSkip !== undefined)('-M on live NAT conntrack entries (private network namespace, nft)', () => {
  it('shows the DNAT and SNAT connections made there, and not the plain one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netstat-nat-'));
    try {
      spawnSync('mkdir', ['-p', path.join(dir, 'net')]);
      // In the namespace: NAT rules, one DNAT'd TCP connection, one SNAT'd UDP datagram, one plain
      // datagram; then a copy of the conntrack table (a snapshot, so timeouts do not move).
      const script = `
set -e
nft -f - <<'NFT'
table ip nat {
  chain output { type nat hook output priority -100; tcp dport 8080 dnat to 127.0.0.1:9090; }
  chain postrouting { type nat hook postrouting priority 100; udp dport 5353 snat to 127.0.0.9:61000; }
}
NFT
exec python3 - "$0" <<'PY'
import socket, sys, shutil
srv = socket.socket(); srv.bind(('127.0.0.1', 9090)); srv.listen(5)
c = socket.socket(); c.bind(('127.0.0.1', 41000)); c.connect(('127.0.0.1', 8080)); a, _ = srv.accept()
p = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); p.bind(('127.0.0.1', 40001)); p.sendto(b'y', ('127.0.0.1', 7))
u = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); u.bind(('127.0.0.1', 40000)); u.sendto(b'x', ('127.0.0.2', 5353))
shutil.copy('/proc/net/nf_conntrack', sys.argv[1])
PY`;
      const made = runCommand(isolated(['sh', '-c', script, path.join(dir, 'net', 'nf_conntrack')], { net: true, loUp: true }), { timeoutMs: 30_000 });
      expect(made.status, made.stderr).toBe(0);
      const run = await runPass(masqueradePass, dir, ['-Mn']);
      expect(run.status).toBe(0);
      expect(run.stderr).toBe('');
      const lines = run.stdout.split('\n').filter((l) => l !== '');
      expect(lines.slice(0, 2)).toEqual([TITLE.trimEnd(), HEADER.trimEnd()]);
      expect(lines.slice(2).map((l) => l.replace(/^(\S+)\s*\d+:\d\d\.\d\d /, '$1 '))).toEqual(
        expect.arrayContaining([
          'tcp 127.0.0.1            127.0.0.1            41000 -> 9090 (8080)',
          'udp 127.0.0.1            127.0.0.2            40000 -> 5353 (61000)',
        ]),
      );
      expect(lines).toHaveLength(4); // the plain datagram to port 7 is not listed
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/**
 * Conntrack entries made through ctnetlink (IPCTNL_MSG_CT_NEW with explicit
 * original and reply tuples, as `conntrack -I` does) in a private network
 * namespace: real kernel entries with NAT'd reply tuples, needing nothing but
 * python3, so this runs wherever root and `unshare -n` do.
 */
const CTNETLINK_INJECT = `
import socket, struct, sys, os
NETLINK_NETFILTER = 12
def nla(t, payload, nested=False):
    t |= 0x8000 if nested else 0
    l = 4 + len(payload)
    return struct.pack('=HH', l, t) + payload + b'\\0' * ((4 - l % 4) % 4)
def tuple_(src, dst, proto, sport, dport):
    ip = nla(1, nla(1, socket.inet_aton(src)) + nla(2, socket.inet_aton(dst)), True)
    pr = nla(2, nla(1, bytes([proto])) + nla(2, struct.pack('!H', sport)) + nla(3, struct.pack('!H', dport)), True)
    return ip + pr
def create(orig, reply, timeout, tcp_state=None):
    attrs = nla(1, tuple_(*orig), True) + nla(2, tuple_(*reply), True) + nla(7, struct.pack('!I', timeout))
    if tcp_state is not None:
        attrs += nla(4, nla(1, nla(1, bytes([tcp_state])), True), True)
    body = struct.pack('=BBH', socket.AF_INET, 0, 0) + attrs
    hdr = struct.pack('=IHHII', 16 + len(body), (1 << 8) | 0, 0x1 | 0x4 | 0x400 | 0x200, 1, 0)
    s = socket.socket(socket.AF_NETLINK, socket.SOCK_RAW, NETLINK_NETFILTER)
    s.bind((0, 0)); s.send(hdr + body)
    resp = s.recv(4096)
    err = struct.unpack('=i', resp[16:20])[0]
    if err != 0: raise OSError(-err, os.strerror(-err))
# masquerade: 10.0.0.2:40000 -> 192.0.2.80:80, replies to 198.51.100.1:61000
create(('10.0.0.2', '192.0.2.80', 6, 40000, 80), ('192.0.2.80', '198.51.100.1', 6, 80, 61000), 300, tcp_state=3)
# port forward: 203.0.113.9:55555 -> 198.51.100.1:8080 really served by 10.0.0.5:80
create(('203.0.113.9', '198.51.100.1', 17, 55555, 8080), ('10.0.0.5', '203.0.113.9', 17, 80, 55555), 60)
# plain
create(('10.0.0.3', '192.0.2.80', 17, 40001, 53), ('192.0.2.80', '10.0.0.3', 17, 53, 40001), 60)
import shutil; shutil.copy('/proc/net/nf_conntrack', sys.argv[1])
`;

const ctSkip = skipReason('masquerade: the ctnetlink test', { unshare: ['net'], commands: ['python3'] });

describe.skipIf(ctSkip !== undefined)('-M on conntrack entries created through ctnetlink in a private namespace', () => {
  it('lists the masqueraded and port-forwarded entries, not the plain one', async () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'netstat-ct-'));
    try {
      spawnSync('mkdir', ['-p', path.join(dir, 'net')]);
      const made = runCommand(isolated(['python3', '-c', CTNETLINK_INJECT, path.join(dir, 'net', 'nf_conntrack')], { net: true }), { timeoutMs: 30_000 });
      expect(made.status, made.stderr).toBe(0);
      const run = await runPass(masqueradePass, dir, ['-Mn']);
      expect(run.stderr).toBe('');
      expect(run.status).toBe(0);
      // Rows come in the kernel's hash order; the kernel rounds the time left down to whole seconds.
      const lines = run.stdout.split('\n');
      expect(lines.slice(0, 2)).toEqual([TITLE.trimEnd(), HEADER.trimEnd()]);
      expect(lines.slice(2).sort()).toEqual([
        '',
        expect.stringMatching(/^tcp   (5:00|4:59)\.00 10\.0\.0\.2 {13}192\.0\.2\.80 {11}40000 -> 80 \(61000\)$/),
        expect.stringMatching(/^udp   (1:00|0:59)\.00 203\.0\.113\.9 {10}10\.0\.0\.5 {13}55555 -> 80 \(8080\)$/),
      ]);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
