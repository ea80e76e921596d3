import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { HostResolver, NetworkNames, ServiceNames, UserNames, inetNetwork } from '../../src/resolve';

const dir = mkdtempSync(path.join(os.tmpdir(), 'netstat-names-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const file = (name: string, text: string) => {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
};

describe('services (net-tools builds tcp/udp/raw lists; the last entry read wins)', () => {
  const services = file('services', '# c\nfirst 7/tcp\nsecond 7/tcp alias\nudponly 9/udp\nweird 10/sctp\nraw-svc 1/raw\n' + 'x'.repeat(70) + ' 11/tcp\n');
  const protocols = file('protocols', 'icmp 1 ICMP\nipv6-icmp 58 IPv6-ICMP\n');
  const names = new ServiceNames(services, protocols);
  it('keeps the later of two entries, ignores other protocols, cuts names to 63 bytes', () => {
    expect(names.name(7, 'tcp')).toBe('second');
    expect(names.name(9, 'tcp')).toBeNull();
    expect(names.name(9, 'udp')).toBe('udponly');
    expect(names.name(10, 'tcp')).toBeNull();
    expect(names.name(11, 'tcp')).toBe('x'.repeat(63));
  });
  it('adds /etc/protocols to the raw list after the services', () => {
    expect(names.name(1, 'raw')).toBe('icmp');
    expect(names.name(58, 'raw')).toBe('ipv6-icmp');
  });
});

describe('users (getpwuid: first entry wins)', () => {
  it('maps uids to names', () => {
    const users = new UserNames(file('passwd', 'root:x:0:0::/root:/bin/sh\ntoor:x:0:0::/:/bin/sh\nnobody:x:65534:65534::/:/bin/false\n'));
    expect([users.name(0), users.name(65534), users.name(42)]).toEqual(['root', 'nobody', null]);
  });
});

describe('networks (glibc pads short numbers, then inet_network)', () => {
  const networks = new NetworkNames(file('networks', 'loopback 127\nlabnet 10.1\nlink-local 169.254.0.0\nodd 0x0a.2\n'));
  it('finds padded and full network numbers', () => {
    expect(networks.name(0x7f000000)).toBe('loopback');
    expect(networks.name(0x0a010000)).toBe('labnet');
    expect(networks.name(0xa9fe0000)).toBe('link-local');
    expect(networks.name(0x0a020000)).toBe('odd');
    expect(networks.name(0x7f)).toBeNull();
  });
  it('parses inet_network forms', () => {
    expect(inetNetwork('127.0.0.1')).toBe(0x7f000001);
    expect(inetNetwork('010.0x10')).toBe((8 << 8) | 16);
    expect(inetNetwork('256')).toBeNull();
    expect(inetNetwork('a.b')).toBeNull();
  });
});

describe('hosts (getnameinfo through libuv)', () => {
  it('answers null for an address without a name and caches the answer', async () => {
    const hosts = new HostResolver();
    // 192.0.2.0/24 is TEST-NET-1: no /etc/hosts entry, no PTR anywhere.
    const first = hosts.name('192.0.2.77');
    expect(hosts.name('192.0.2.77')).toBe(first);
    expect(await first).toBeNull();
  });
});
